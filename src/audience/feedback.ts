import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ensureStateDir, openStateFile, stateFileError } from '../output/index.ts';
import type { Suppression, SuppressionReason } from './suppression.ts';
import { openForRead, stateFileLines } from './state-read.ts';

/**
 * The feedback ledger: what came back after the send (bounces, complaints,
 * auto-replies, ESP events), one JSON line per message in
 * `<state dir>/feedback.jsonl`, so that:
 *   - a message is applied once: its id (Message-ID, or the ESP's event id) is recorded
 *     with everything it changed, in one write() of one line, fsync'd;
 *   - soft bounces are counted per address over time (N in D days suppress);
 *   - `newsletter stats` can count bounces and complaints per issue.
 *
 * Order on disk: the suppression list first, the ledger line second. A crash in
 * between leaves an address suppressed and its message unrecorded: the rerun reads
 * the message again and finds the address already suppressed (no harm). The other
 * order could lose a suppression. A soft bounce is its ledger line; a crash after
 * the line that reaches the limit but before the suppression is repaired on the
 * next open, which suppresses every address over the limit.
 */
export const FEEDBACK_FILE = 'feedback.jsonl';

export type FeedbackKind = 'hard' | 'soft' | 'complaint' | 'sender' | 'delayed' | 'auto-reply' | 'ignored';

/** One finding in a bounce/complaint message or webhook event, about one recipient. */
export interface FeedbackItem {
  kind: FeedbackKind;
  /** Required for hard, soft and complaint: without it nothing can be applied. */
  email?: string | undefined;
  /** The issue slug (or "issue-N") when the report names it. */
  issue?: string | undefined;
  /** RFC 3463 status, e.g. "5.1.1". */
  status?: string | undefined;
  /** One line: the diagnostic code or the ESP's reason. */
  detail?: string | undefined;
}

/** One message or webhook event, recorded once by `id`. */
export interface FeedbackMessage {
  /** The report's Message-ID, or "ses:<id>", "sendgrid:<sg_event_id>", "mailgun:<id>", "postmark:<ID>". */
  id: string;
  /** Where it came from: "maildir:/path/new/file", "imap INBOX uid 42", "webhook:sendgrid". */
  source: string;
  items: FeedbackItem[];
}

export type FeedbackAction = 'suppressed' | 'already-suppressed' | 'counted' | 'none';

export interface AppliedItem extends FeedbackItem {
  action: FeedbackAction;
}

export type RecordResult = { duplicate: true } | { duplicate: false; applied: AppliedItem[] };

/** A line of feedback.jsonl. */
export interface FeedbackRecord {
  id: string;
  /** ISO time it was recorded. */
  at: string;
  source: string;
  items: AppliedItem[];
}

export interface FeedbackRules {
  /** Soft bounces that suppress an address… (default 3) */
  softLimit: number;
  /** …within this many days (default 30). */
  softDays: number;
}

export const DEFAULT_FEEDBACK_RULES: FeedbackRules = { softLimit: 3, softDays: 30 };

export interface FeedbackOptions extends Partial<FeedbackRules> {
  stateDir: string;
  suppression: Suppression;
  /** Say what would change; write nothing (neither the ledger nor the suppression list). */
  dryRun?: boolean | undefined;
  /** A damaged line of the ledger (file:line, why); it is skipped. */
  onProblem?: ((where: string, why: string) => void) | undefined;
  /** Now, for tests of the soft-bounce window. */
  now?: (() => number) | undefined;
}

export interface FeedbackRecorder {
  readonly path: string;
  /** Applies the rules and records the message durably, once: a known id returns { duplicate: true } and changes nothing. */
  record(message: FeedbackMessage): Promise<RecordResult>;
  /** Has this id been recorded (in the file or by this recorder)? */
  has(id: string): boolean;
  /** Addresses suppressed on open because their soft bounces had reached the limit (a repair after a crash, or a lower limit). */
  readonly repaired: readonly string[];
  close(): Promise<void>;
}

const DAY = 86_400_000;
const MAX_DETAIL = 300;
const key = (email: string) => email.trim().toLowerCase();
const oneLine = (text: string, max: number) => {
  const line = text.replace(/[\r\n\t]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** Every record of the ledger, in order; damaged lines (a torn tail, a hand edit) are reported and skipped. */
export async function* readFeedback(stateDir: string, onProblem?: (where: string, why: string) => void): AsyncGenerator<FeedbackRecord> {
  const path = join(stateDir, FEEDBACK_FILE);
  for await (const { line, n } of stateFileLines(path)) {
    if (!line.trim()) continue;
    const record = parseRecord(line);
    if (record) yield record;
    else onProblem?.(`${path}:${n}`, 'not a feedback record (a line torn by a crash, or edited by hand); skipped');
  }
}

function parseRecord(line: string): FeedbackRecord | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null) return undefined;
    const r = value as Partial<FeedbackRecord>;
    if (typeof r.id !== 'string' || typeof r.at !== 'string' || !Array.isArray(r.items)) return undefined;
    return { id: r.id, at: r.at, source: typeof r.source === 'string' ? r.source : '', items: r.items };
  } catch {
    return undefined;
  }
}

/** Open the ledger in `stateDir` for recording, with the suppression list its rules write to. */
export async function openFeedback(options: FeedbackOptions): Promise<FeedbackRecorder> {
  const rules = { softLimit: options.softLimit ?? DEFAULT_FEEDBACK_RULES.softLimit, softDays: options.softDays ?? DEFAULT_FEEDBACK_RULES.softDays };
  const recorder = new Recorder(join(options.stateDir, FEEDBACK_FILE), options, rules);
  await recorder.catchUp();
  await recorder.repair();
  return recorder;
}

function pushSoft(soft: Map<string, number[]>, email: string, at: number): void {
  if (!Number.isFinite(at)) return;
  const times = soft.get(email);
  if (times) times.push(at);
  else soft.set(email, [at]);
}

class Recorder implements FeedbackRecorder {
  readonly repaired: string[] = [];
  readonly seen = new Set<string>();
  readonly soft = new Map<string, number[]>();
  #handle: FileHandle | undefined;
  /** Bytes of the file read into `seen` and `soft` so far: whole lines only. */
  #readTo = 0;
  #lineNo = 0;
  // Records run one at a time, in call order: a rule reads the counts the previous record left.
  #queue: Promise<unknown> = Promise.resolve();
  /** Dry run: what this run would have suppressed, so it is not reported twice. */
  readonly #wouldSuppress = new Set<string>();
  readonly #now: () => number;

  constructor(
    readonly path: string,
    private readonly options: FeedbackOptions,
    private readonly rules: FeedbackRules,
  ) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * Read what was appended since the last read: at open the whole file, and before each record
   * what another process (`bounces` while the server runs, or the other way round) has added,
   * so ids are never applied twice across them and soft bounces from both add up.
   */
  async catchUp(): Promise<void> {
    const handle = await openForRead(this.path);
    if (!handle) return;
    try {
      const chunk = Buffer.alloc(1 << 20);
      let carry = Buffer.alloc(0);
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, this.#readTo + carry.length);
        if (bytesRead === 0) break;
        const buffer = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
        const end = buffer.lastIndexOf(0x0a) + 1;
        for (const line of buffer.toString('utf8', 0, end).split('\n').slice(0, -1)) this.#take(line);
        this.#readTo += end;
        carry = Buffer.from(buffer.subarray(end));
      }
    } catch (cause) {
      throw stateFileError(this.path, cause, 'read');
    } finally {
      await handle.close();
    }
  }

  /** One line of the file into the in-memory view (a torn or damaged one is reported and skipped). */
  #take(line: string): void {
    this.#lineNo++;
    if (!line.trim()) return;
    const record = parseRecord(line);
    if (!record) return this.options.onProblem?.(`${this.path}:${this.#lineNo}`, 'not a feedback record (a line torn by a crash, or edited by hand); skipped');
    this.seen.add(record.id);
    for (const item of record.items) if (item.action === 'counted' && item.email) pushSoft(this.soft, key(item.email), Date.parse(record.at));
  }

  has(id: string): boolean {
    return this.seen.has(id);
  }

  record(message: FeedbackMessage): Promise<RecordResult> {
    const run = this.#queue.then(() => this.#record(message));
    this.#queue = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    await this.#queue;
    await this.#handle?.close();
    this.#handle = undefined;
  }

  /** Suppress every address whose soft bounces in the window reach the limit but is not suppressed yet (a dry run only lists them). */
  async repair(): Promise<void> {
    for (const [email, times] of this.soft) {
      if (this.#recentSoft(times) < this.rules.softLimit || this.options.suppression.has(email)) continue;
      if (this.options.dryRun) this.#wouldSuppress.add(email);
      else await this.options.suppression.add(email, 'bounced', this.#softSource(times.length));
      this.repaired.push(email);
    }
  }

  async #record(message: FeedbackMessage): Promise<RecordResult> {
    if (!this.options.dryRun) await this.catchUp();
    if (this.seen.has(message.id)) return { duplicate: true };
    const now = this.#now();
    const applied: AppliedItem[] = [];
    for (const item of message.items) applied.push(await this.#apply(clean(item), now));
    // Written: the next catchUp reads the line back into the counts. A dry run writes nothing, so counts here.
    if (!this.options.dryRun) await this.#append({ id: message.id, at: new Date(now).toISOString(), source: oneLine(message.source, 500), items: applied });
    else for (const item of applied) if (item.action === 'counted' && item.email) pushSoft(this.soft, key(item.email), now);
    // Only once it is on disk: a write that failed leaves the id unseen, so the retry records it.
    this.seen.add(message.id);
    return { duplicate: false, applied };
  }

  async #apply(item: FeedbackItem, now: number): Promise<AppliedItem> {
    const email = item.email;
    if (!email) return { ...item, action: 'none' };
    if (item.kind === 'hard') return { ...item, action: await this.#suppress(email, 'bounced', `bounce ${[item.status, item.detail].filter(Boolean).join(' ')}`) };
    if (item.kind === 'complaint') return { ...item, action: await this.#suppress(email, 'complained', `complaint${item.detail ? ` ${item.detail}` : ''}`) };
    if (item.kind !== 'soft') return { ...item, action: 'none' };
    // This bounce and the earlier ones inside the window.
    const count = this.#recentSoft(this.soft.get(key(email)) ?? [], now) + 1;
    if (count < this.rules.softLimit) return { ...item, action: 'counted' };
    return { ...item, action: await this.#suppress(email, 'bounced', this.#softSource(count, item)) };
  }

  async #suppress(email: string, reason: SuppressionReason, source: string): Promise<FeedbackAction> {
    const k = key(email);
    if (this.options.suppression.has(email) || this.#wouldSuppress.has(k)) return 'already-suppressed';
    if (this.options.dryRun) {
      this.#wouldSuppress.add(k);
      return 'suppressed';
    }
    return (await this.options.suppression.add(email, reason, oneLine(source, 480))) ? 'suppressed' : 'already-suppressed';
  }

  #recentSoft(times: readonly number[], now = this.#now()): number {
    const since = now - this.rules.softDays * DAY;
    return times.filter((t) => t >= since).length;
  }

  #softSource(count: number, last?: FeedbackItem): string {
    const tail = last ? ` (last: ${[last.status, last.detail].filter(Boolean).join(' ')})` : '';
    return `soft bounces: ${count} in ${this.rules.softDays} days${tail}`;
  }

  async #append(record: FeedbackRecord): Promise<void> {
    try {
      if (!this.#handle) {
        await ensureStateDir(this.options.stateDir);
        this.#handle = await openStateFile(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
      }
      // One write() of the whole line on an O_APPEND file: the bounces command and the webhook server never interleave.
      // A line torn by a crash is skipped on read; the message is then read again and applies nothing twice.
      await this.#handle.write(`\n${JSON.stringify(record)}\n`);
      await this.#handle.sync();
    } catch (cause) {
      throw stateFileError(this.path, cause, 'write');
    }
  }
}

const address = z.email().max(254);

/** The item as recorded: one-line, bounded text; the address trimmed, or dropped when it is not one (nothing applies then). */
function clean(item: FeedbackItem): FeedbackItem {
  const email = item.email?.trim();
  return {
    kind: item.kind,
    ...(email && address.safeParse(email).success ? { email } : {}),
    ...(item.issue ? { issue: oneLine(item.issue, 100) } : {}),
    ...(item.status ? { status: oneLine(item.status, 20) } : {}),
    ...(item.detail ? { detail: oneLine(item.detail, MAX_DETAIL) } : {}),
  };
}
