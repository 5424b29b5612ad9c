import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HashIndex } from '../audience/index.ts';
import { scanJournal, type JournalRecord } from '../send/index.ts';
import { stateFileError } from '../output/index.ts';
import type { Events } from './events.ts';
import { emptyDelivery, type DeliveryCounts } from './types.ts';

const JOURNAL_FILE = /\.journal\.jsonl$/;
/** `<slug>--<list name>-<10 hex>.journal.jsonl` (send's journalPath): the fallback when a journal has no run record. */
const JOURNAL_NAME = /^(.+?)--(.*)-[0-9a-f]{10}\.journal\.jsonl$/;

export type Problem = (where: string, why: string) => void;

/** The send journals in the state folder, sorted; a symlink is reported and left unread (send never follows one either). */
export async function listJournals(stateDir: string, onProblem: Problem): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(stateDir, { withFileTypes: true });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw stateFileError(stateDir, cause, 'read');
  }
  const paths: string[] = [];
  for (const entry of entries) {
    if (!JOURNAL_FILE.test(entry.name)) continue;
    const path = join(stateDir, entry.name);
    if (entry.isFile()) paths.push(path);
    else onProblem(path, entry.isSymbolicLink() ? 'a symbolic link: not read (state files are never followed through links)' : 'not a file: not read');
  }
  return paths.sort();
}

/** One journal, read: which issue and list it is for, and each address's final state counted. */
export interface JournalTally {
  path: string;
  /** From the last run record; from the file name without one. */
  slug: string;
  list: string;
  runs: number;
  firstSent: number | undefined;
  lastSent: number | undefined;
  delivery: DeliveryCounts;
}

/**
 * An address's final state in one byte: the HashIndex stores 12–18 bytes an address, so a
 * 1M-recipient journal costs ~12–18 MB while it is read, and the index is dropped after it.
 * Skipped records keep their reason in the same byte (SKIPPED + the reason's number).
 */
const CODE = { sent: 1, failedPermanent: 2, failedTransient: 3, pending: 4, sending: 5, skipped: 6 } as const;
const MAX_REASONS = 0xff - CODE.skipped;

/** Skip reasons, numbered in the order they are met; past MAX_REASONS distinct ones (hand-edited journals), "other". */
export class SkipReasons {
  readonly names: string[] = ['other'];
  readonly #numbers = new Map<string, number>([['other', 0]]);

  number(why: string): number {
    const name = reasonName(why);
    let n = this.#numbers.get(name);
    if (n === undefined) {
      if (this.names.length > MAX_REASONS) return 0;
      n = this.names.length;
      this.names.push(name);
      this.#numbers.set(name, n);
    }
    return n;
  }
}

/** "invalid: <the message's error>" → "invalid"; the reasons send writes ("suppressed", "status unsubscribed") as they are. */
function reasonName(why: string): string {
  if (/^invalid\b/i.test(why)) return 'invalid';
  const line = why.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 59)}…` : line || 'no reason given';
}

function codeOf(record: Exclude<JournalRecord, { s: 'run' }>, reasons: SkipReasons): number | undefined {
  switch (record.s) {
    case 'sent': return CODE.sent;
    case 'failed': return record.k === 'permanent' ? CODE.failedPermanent : CODE.failedTransient;
    case 'pending': return CODE.pending;
    case 'sending': return CODE.sending;
    case 'skipped': return CODE.skipped + reasons.number(typeof record.why === 'string' ? record.why : '');
    default: return undefined; // `suppress` changes no recipient's state
  }
}

/**
 * Stream one journal (never held whole in memory): each address's last record wins, as in send.
 * Every `sent` record is offered to `events`, which keeps for each later unsubscribe or report
 * the newest send before it (the attribution rule, see events.ts). `id` names this journal there.
 */
export async function tallyJournal(path: string, id: number, events: Events, reasons: SkipReasons, onProblem: Problem): Promise<JournalTally> {
  const states = new HashIndex<Uint8Array>((capacity) => new Uint8Array(capacity), 4096);
  const named = JOURNAL_NAME.exec(basename(path));
  const tally: JournalTally = { path, slug: named?.[1] ?? path, list: named?.[2] ?? '', runs: 0, firstSent: undefined, lastSent: undefined, delivery: emptyDelivery() };
  const onRecord = (record: JournalRecord) => {
    if (record.s === 'run') {
      tally.runs++;
      if (typeof record.issue === 'string' && record.issue) tally.slug = record.issue;
      if (typeof record.list === 'string' && record.list) tally.list = record.list;
      return;
    }
    const code = codeOf(record, reasons);
    if (code === undefined) return;
    const key = record.e.toLowerCase();
    states.set(key, code);
    if (code === CODE.sent && Number.isFinite(record.t)) {
      tally.firstSent = Math.min(tally.firstSent ?? record.t, record.t);
      tally.lastSent = Math.max(tally.lastSent ?? record.t, record.t);
      events.sent(key, record.t, id);
    }
  };
  let end;
  try {
    end = await scanJournal(path, onRecord, (bad) => onProblem(`${path}:${bad.line}`, `${bad.problem}; skipped`));
  } catch (cause) {
    // A file-system failure (gone, a symlink, permissions) is the state folder's; anything else is a bug.
    if (typeof (cause as NodeJS.ErrnoException).code === 'string') throw stateFileError(path, cause, 'read');
    throw cause;
  }
  if (end.size > end.valid) onProblem(path, 'ends in an incomplete line (a send still writing it, or a crash): not counted');
  countStates(states, reasons, tally.delivery);
  return tally;
}

function countStates(states: HashIndex<Uint8Array>, reasons: SkipReasons, out: DeliveryCounts): void {
  for (const code of states.storedValues()) {
    out.addresses++;
    if (code === CODE.sent) out.sent++;
    else if (code === CODE.failedPermanent) out.failed.permanent++;
    else if (code === CODE.failedTransient) out.failed.transient++;
    else if (code === CODE.pending) out.pending.retry++;
    else if (code === CODE.sending) out.pending.inFlight++;
    else {
      const why = reasons.names[code - CODE.skipped] ?? 'other';
      out.skipped.byReason[why] = (out.skipped.byReason[why] ?? 0) + 1;
      out.skipped.total++;
    }
  }
  out.failed.total = out.failed.permanent + out.failed.transient;
  out.pending.total = out.pending.retry + out.pending.inFlight;
}
