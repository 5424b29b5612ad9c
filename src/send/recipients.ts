import type { RowProblem, Subscriber, SubscriberEvent } from '../audience/index.ts';
import type { Journal } from './journal.ts';
import { STATE } from './state-index.ts';

/** One recipient on its way to the server, with its retry bookkeeping. */
export interface Job {
  sub: Subscriber;
  /** Attempts that were deferred or dropped so far (throttles count none: the server slowed everyone, not this message). */
  attempts: number;
  throttles: number;
  /** Distributed send only: times a refusal that may be about the message was held for it before (see DeliveryQueue.held). */
  refused?: number;
}

/** What the list filter decided, row by row. */
export interface ListTally {
  rows: number;
  invalid: number;
  duplicate: number;
  suppressed: number;
  /** status unsubscribed / bounced / complained in the CSV. */
  byStatus: number;
  /** Recorded as sent by an earlier run: never sent again. */
  sentEarlier: number;
  failedEarlierPermanent: number;
  failedEarlierTransient: number;
  /**
   * Recorded as `sending` with no outcome when the last run stopped (kill -9,
   * power loss, a second Ctrl-C), and sent again now. The server may have
   * accepted the first try unrecorded, so each may have got a second copy;
   * `sending` is on disk before the server can accept, so no duplicate is
   * missing from this count.
   */
  inFlightAtLastStop: number;
  /** Left for a later run by --limit. */
  leftByLimit: number;
}

export function emptyTally(): ListTally {
  return { rows: 0, invalid: 0, duplicate: 0, suppressed: 0, byStatus: 0, sentEarlier: 0, failedEarlierPermanent: 0, failedEarlierTransient: 0, inFlightAtLastStop: 0, leftByLimit: 0 };
}

/**
 * --retry-failed: which recorded failures to attempt again. `transient`: those that ran out of
 * retries; `all`: permanent failures too, once their cause is fixed. Suppressed addresses and
 * non-subscribed statuses stay skipped either way (the checks below come first).
 */
export type RetryFailed = false | 'transient' | 'all';

export interface FilterOptions {
  suppression: { has(email: string): boolean };
  /** Absent in dry runs and --test: nothing is recorded. */
  journal?: Journal | undefined;
  retryFailed?: RetryFailed;
  limit?: number | undefined;
  tally: ListTally;
  onProblem?: (kind: 'invalid' | 'duplicate', problem: RowProblem) => void;
}

/**
 * The recipients to attempt, streamed from the list: invalid and duplicate
 * rows, unsubscribed/bounced/complained statuses, suppressed addresses and
 * anyone the journal has settled (sent; failed permanently unless
 * --retry-failed=all; failed transiently unless --retry-failed) are counted
 * and skipped.
 */
export async function* sendable(events: AsyncIterable<SubscriberEvent>, opts: FilterOptions): AsyncGenerator<Job, void, undefined> {
  const { tally, journal } = opts;
  let yielded = 0;
  for await (const event of events) {
    tally.rows++;
    if (event.kind !== 'subscriber') {
      tally[event.kind]++;
      opts.onProblem?.(event.kind, event.problem);
      continue;
    }
    const sub = event.subscriber;
    const state = journal ? journal.stateOf(sub.key) : STATE.none;
    if (state === STATE.sent) {
      tally.sentEarlier++;
      continue;
    }
    if (state === STATE.failedPermanent && opts.retryFailed !== 'all') {
      tally.failedEarlierPermanent++;
      continue;
    }
    const why = sub.status !== 'subscribed' ? `status ${sub.status}` : opts.suppression.has(sub.key) ? 'suppressed' : undefined;
    if (why) {
      if (why === 'suppressed') tally.suppressed++;
      else tally.byStatus++;
      // Noted: a skip needs no commit of its own (it is decided again on resume anyway). A permanent
      // failure (reaching here with --retry-failed=all) keeps its record: it says why, and a rerun
      // without the flag goes on counting it as failed, not retrying it.
      if (journal && state !== STATE.skipped && state !== STATE.failedPermanent) journal.note({ s: 'skipped', e: sub.key, why, t: Date.now() });
      continue;
    }
    if (state === STATE.failedTransient && !opts.retryFailed) {
      tally.failedEarlierTransient++;
      continue;
    }
    if (opts.limit !== undefined && yielded >= opts.limit) {
      tally.leftByLimit++;
      continue;
    }
    if (state === STATE.sending) tally.inFlightAtLastStop++;
    yielded++;
    yield { sub, attempts: 0, throttles: 0 };
  }
}
