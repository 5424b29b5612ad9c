import { HashIndex } from '../audience/index.ts';
import { journalNameParts, scanJournal, type JournalRecord } from '../send/index.ts';
import { stateFileError } from '../output/index.ts';
import type { Events } from './events.ts';
import { emptyDelivery, type DeliveryCounts } from './types.ts';

export type Problem = (where: string, why: string) => void;

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
 * Skipped records keep their reason in the same byte (SKIPPED + the reason's number). The top
 * bit says the journal has a `suppress` record for the address (send wrote it for a hard bounce);
 * it survives the later records, so "failed permanently, and a hard bounce" is known at the end.
 */
const CODE = { sent: 1, failedPermanent: 2, failedTransient: 3, pending: 4, sending: 5, skipped: 6 } as const;
const SUPPRESSED = 0x80;
const STATE = 0x7f;
const MAX_REASONS = STATE - CODE.skipped;

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
    default: return undefined; // `suppress` changes no recipient's state (it sets SUPPRESSED)
  }
}

/**
 * Stream one journal (never held whole in memory): each address's last record wins, as in send.
 * Every `sent` record is offered to `events`, which keeps for each later unsubscribe or report
 * the newest send before it (the attribution rule, see events.ts). `id` names this journal there.
 * An address whose last record is a permanent failure and which has a `suppress` record is a hard
 * bounce the send saw (delivery.failed.hardBounce); `events` is told of those it also holds a
 * report of, so the report does not count the same bounce twice.
 */
export async function tallyJournal(path: string, id: number, events: Events, reasons: SkipReasons, onProblem: Problem): Promise<JournalTally> {
  const states = new HashIndex<Uint8Array>((capacity) => new Uint8Array(capacity), 4096);
  const named = journalNameParts(path);
  const tally: JournalTally = { path, slug: named?.slug ?? path, list: named?.list ?? '', runs: 0, firstSent: undefined, lastSent: undefined, delivery: emptyDelivery() };
  // Until the first `suppress` record no address carries the flag: the common case skips the look-up.
  let anySuppress = false;
  // Suppressed addresses that also have a reported hard bounce: at most one per reported address.
  const alsoReported = new Set<string>();
  const onRecord = (record: JournalRecord) => {
    if (record.s === 'run') {
      tally.runs++;
      if (typeof record.issue === 'string' && record.issue) tally.slug = record.issue;
      if (typeof record.list === 'string' && record.list) tally.list = record.list;
      return;
    }
    const key = record.e.toLowerCase();
    if (record.s === 'suppress') {
      anySuppress = true;
      states.set(key, states.value(key) | SUPPRESSED);
      if (events.reported(key, 'hard')) alsoReported.add(key);
      return;
    }
    const code = codeOf(record, reasons);
    if (code === undefined) return;
    states.set(key, anySuppress ? code | (states.value(key) & SUPPRESSED) : code);
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
  for (const key of alsoReported) if (isHardBounce(states.value(key))) events.bouncedAtSend(key, id);
  return tally;
}

/** Failed permanently as the last record, and suppressed by the send: a hard bounce. */
const isHardBounce = (value: number) => (value & STATE) === CODE.failedPermanent && (value & SUPPRESSED) !== 0;

function countStates(states: HashIndex<Uint8Array>, reasons: SkipReasons, out: DeliveryCounts): void {
  for (const value of states.storedValues()) {
    const code = value & STATE;
    // Only a `suppress` record: no state (send writes one only after a failure, so a hand-edited journal).
    if (code === 0) continue;
    out.addresses++;
    if (code === CODE.sent) out.sent++;
    else if (code === CODE.failedPermanent) {
      out.failed.permanent++;
      if (value & SUPPRESSED) out.failed.hardBounce++;
    }
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
