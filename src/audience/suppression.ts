import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseCsvLine } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { NewsletterError } from '../errors.ts';
import { ensureStateDir, openStateFile, stateFileError } from '../output/index.ts';
import { AddressIndex } from './address-index.ts';
import { stateFileLines } from './state-read.ts';

/**
 * The suppression list: addresses that must never be mailed again
 * (unsubscribed, bounced, complained), honoured on every send.
 *
 * Stored as `<state dir>/suppression.csv`, `email,reason,source,added_at`:
 * a format an operator can open, grep, and import into or export from other
 * tools. It is append-only: each addition is one line written with a single
 * write() to a file opened O_APPEND, then fsync'd before `add` resolves, so a
 * crash loses no acknowledged unsubscribe, and two processes (the sender and
 * the unsubscribe endpoint) can append at once without interleaving lines.
 *
 * Every record is one line (`add` refuses line breaks), so the file is read
 * line by line and each line parsed on its own: a damaged line (a hand edit
 * with an unclosed quote, a line torn by a crash) is reported and skipped
 * alone, and can never swallow the lines after it. A damaged line whose first
 * field is still an address keeps that address suppressed: erring towards
 * not mailing.
 */
export const SUPPRESSION_FILE = 'suppression.csv';
const COLUMNS = ['email', 'reason', 'source', 'added_at'];

export const SUPPRESSION_REASONS = ['unsubscribed', 'bounced', 'complained'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** A line of suppression.csv that could not be read as written. */
export interface SuppressionProblem {
  /** file:line */
  where: string;
  line: number;
  reason: string;
  /** The address still suppressed from the damaged line, if its first field held one. */
  kept?: string | undefined;
}

export interface Suppression {
  /** The file the list lives in. */
  readonly path: string;
  /** Number of distinct suppressed addresses. */
  readonly size: number;
  /** Is this address suppressed? Case-insensitive. */
  has(email: string): boolean;
  /**
   * Suppress an address, durably (fsync) before resolving. Returns false when
   * it was already suppressed (nothing is written). `source` says where the
   * request came from ("unsubscribe-server", "send: 550 from mx.example.com").
   */
  add(email: string, reason: SuppressionReason, source: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface LoadSuppressionOptions {
  /** Each damaged line, as it is read (the CLI prints them on stderr). */
  onProblem?: ((problem: SuppressionProblem) => void) | undefined;
  /**
   * Hard bounces kept in the send journal (`e` address, `why` source), written to the list
   * before it is returned, so before anything is sent. A write that fails again throws (ESTATE, exit 3).
   */
  pending?: readonly { e: string; why: string }[] | undefined;
}

const entry = z.object({
  email: z.email().max(254),
  reason: z.enum(SUPPRESSION_REASONS),
  source: z.string().max(500).refine((s) => !/[\r\n]/.test(s), 'must be one line'),
});

const keyOf = (email: string) => email.trim().toLowerCase();

/** Load the suppression list from `stateDir` (default .newsletter); a missing file is an empty list. */
export async function loadSuppression(stateDir = '.newsletter', options: LoadSuppressionOptions = {}): Promise<Suppression> {
  const path = join(stateDir, SUPPRESSION_FILE);
  const index = new AddressIndex(1024);
  await readInto(path, index, (p) => options.onProblem?.(p));
  const list = new SuppressionList(path, index, new AppendLog(stateDir, path));
  try {
    for (const p of options.pending ?? []) await list.add(p.e, 'bounced', p.why);
  } catch (error) {
    await list.close().catch(() => {});
    throw error;
  }
  return list;
}

/** The file's append side: opened on the first addition, one durable line per record. */
class AppendLog {
  #handle: FileHandle | undefined;

  constructor(
    private readonly stateDir: string,
    private readonly path: string,
  ) {}

  async append(values: string[]): Promise<void> {
    let text = stringify([values]);
    if (!this.#handle) {
      await ensureStateDir(this.stateDir);
      // Read-write so the last byte can be checked on the same (never followed) file.
      this.#handle = await openStateFile(this.path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT);
      const { size } = await this.#handle.stat();
      if (size === 0) text = stringify([COLUMNS]) + text;
      // A crash mid-write can leave a torn last line: the next record starts on a fresh line.
      else if (!(await endsWithNewline(this.#handle, size))) text = `\n${text}`;
    }
    // One write() of the whole line on an O_APPEND file: concurrent writers never interleave.
    await this.#handle.write(text);
    await this.#handle.sync();
  }

  async close(): Promise<void> {
    await this.#handle?.close();
    this.#handle = undefined;
  }
}

/** The list in memory (an address index) in front of its append log. */
class SuppressionList implements Suppression {
  // Appends run one at a time, in call order.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly index: AddressIndex,
    private readonly log: AppendLog,
  ) {}

  get size(): number {
    return this.index.size;
  }

  has(email: string): boolean {
    return this.index.has(keyOf(email));
  }

  add(email: string, reason: SuppressionReason, source: string): Promise<boolean> {
    const parsed = entry.safeParse({ email: email.trim(), reason, source });
    if (!parsed.success) return Promise.reject(this.#invalid(email, parsed.error));
    const key = keyOf(email);
    const run = this.#queue.then(async () => {
      if (this.index.has(key)) return false;
      await this.log.append([parsed.data.email, reason, source, new Date().toISOString()]);
      this.index.add(key, 1);
      return true;
    });
    this.#queue = run.catch(() => {});
    return run.catch((cause: unknown) => {
      throw cause instanceof NewsletterError ? cause : stateFileError(this.path, cause, 'write');
    });
  }

  async close(): Promise<void> {
    await this.#queue;
    await this.log.close();
  }

  #invalid(email: string, error: z.ZodError): NewsletterError {
    return new NewsletterError('ESUBSCRIBERS', `Cannot suppress ${JSON.stringify(email)}: ${error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`, {
      where: this.path,
      fix: `Pass a valid address and one of: ${SUPPRESSION_REASONS.join(', ')}.`,
    });
  }
}

async function readInto(path: string, index: AddressIndex, onProblem: (p: SuppressionProblem) => void): Promise<void> {
  for await (const { line: raw, n } of stateFileLines(path)) {
    const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (!line.trim() || (n === 1 && /^\s*"?email"?\s*(,|$)/i.test(line))) continue;
    const read = readLine(line);
    if (read.email) index.add(keyOf(read.email), 1);
    if (read.problem) onProblem({ where: `${path}:${n}`, line: n, reason: read.problem, kept: read.email });
  }
}

/** The address on one line, and what is wrong with the line, if anything. */
function readLine(line: string): { email?: string | undefined; problem?: string | undefined } {
  const read = firstField(line);
  if ('value' in read) return addressIn(read.value);
  // Not a CSV line (an unclosed quote, a torn quoted tail): keep the first field if it is an address.
  const salvaged = addressIn(/^\s*"?([^",]*)/.exec(line)?.[1] ?? '');
  return { email: salvaged.email, problem: `${read.error}${salvaged.email ? '; its address is still suppressed' : ''}` };
}

/**
 * The first field of one CSV line (RFC 4180 quoting, a stray quote inside an
 * unquoted value tolerated), checking the quoting of the whole line.
 * Hand-written rather than a csv-parse call per line: each call costs ~60 µs
 * of setup (6 s for 100k quoted lines), and one line needs only the quote rules.
 */
function firstField(line: string): { value: string } | { error: string } {
  let first: string | undefined;
  for (let i = 0, field = 1; ; field++) {
    let value: string;
    const quoted = /^[ \t]*"/.exec(line.slice(i, i + 64));
    if (quoted) {
      value = '';
      let from = i + quoted[0].length;
      for (;;) {
        const q = line.indexOf('"', from);
        if (q === -1) return { error: `the quote opened in field ${field} is never closed` };
        value += line.slice(from, q);
        if (line[q + 1] !== '"') {
          i = q + 1;
          break;
        }
        value += '"';
        from = q + 2;
      }
      if (i < line.length && line[i] !== ',') return { error: `text after the closing quote of field ${field}` };
    } else {
      const comma = line.indexOf(',', i);
      const end = comma === -1 ? line.length : comma;
      value = line.slice(i, end);
      i = end;
    }
    first ??= value;
    if (i >= line.length) return { value: first };
    i++;
  }
}

function addressIn(field: string): { email?: string; problem?: string } {
  const email = field.trim();
  // No stricter check on purpose: a line torn by a crash suppresses at worst an address
  // nobody has (erring towards not mailing), while a hand-added address must always count.
  if (email.includes('@')) return { email };
  return { problem: `no address in the first column (${JSON.stringify(email.slice(0, 40))})` };
}

async function endsWithNewline(handle: FileHandle, size: number): Promise<boolean> {
  const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
  return buffer[0] === 0x0a;
}

/**
 * Every entry of suppression.csv (address, reason, source), streamed: for copying the local list
 * into the shared one in Redis (`send --queue`, `server --queue`, `bounces --queue`). A line that
 * does not parse as a whole still gives its address (as loadSuppression keeps it suppressed), with
 * the reason `unsubscribed`, the one that claims least.
 */
export async function* suppressionEntries(stateDir = '.newsletter'): AsyncGenerator<{ email: string; reason: SuppressionReason; source: string }> {
  const path = join(stateDir, SUPPRESSION_FILE);
  for await (const { line: raw, n } of stateFileLines(path)) {
    const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (!line.trim() || (n === 1 && /^\s*"?email"?\s*(,|$)/i.test(line))) continue;
    const { email } = readLine(line);
    if (!email) continue;
    const fields = parseFields(line);
    const reason = SUPPRESSION_REASONS.find((r) => r === fields?.[1]) ?? 'unsubscribed';
    yield { email, reason, source: `${path}:${n}${fields?.[2] ? ` (${fields[2]})` : ''}` };
  }
}

/** All fields of one line, or undefined when its quoting is broken. csv-parse only for a quoted line (~60 µs a call; see firstField). */
function parseFields(line: string): string[] | undefined {
  if (!line.includes('"')) return line.split(',');
  try {
    return parseCsvLine(line, { relax_quotes: true })[0];
  } catch {
    return undefined;
  }
}
