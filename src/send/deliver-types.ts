import type { SmtpFailure } from './classify.ts';
import type { JournalRecord } from './journal-record.ts';
import type { PreparedIssue, SmtpTransport } from '../mail/index.ts';
import type { Job } from './recipients.ts';
import type { BurstTuning, FailureRateTuning } from './reply-watch.ts';

export interface DeliveryTuning extends BurstTuning, FailureRateTuning {
  /**
   * Waits before each retry of a deferred message or dropped connection (ms, each ±20% jitter);
   * after the last one the message is recorded as failed transiently.
   */
  retrySchedule: readonly number[];
  /** Throttle replies per message (they count no attempt) before it is recorded as failed transiently. */
  maxThrottles: number;
  /** Stop after this many connection failures in a row with nothing delivered in between. */
  unreachableStop: number;
  /** Stop when this many different recipients in a row get the same permanent reply that may be about the message. */
  refusalStreak: number;
}

/**
 * First retry after a few seconds; later ones spread past common greylisting
 * windows (receivers often accept a retry only after 1–15 minutes).
 */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [5_000, 30_000, 120_000, 360_000, 900_000];

export const DEFAULT_TUNING: DeliveryTuning = {
  retrySchedule: DEFAULT_RETRY_SCHEDULE,
  maxThrottles: 20,
  failureWindow: 50,
  failureMinSamples: 20,
  failureRate: 0.5,
  unreachableStop: 3,
  refusalStreak: 3,
  deferralBurstWindow: 40,
  deferralBurstMin: 20,
  deferralBurstMs: 10_000,
  deferralBurstShare: 0.5,
};

/**
 * refused: the server refused the login, the sender or the message itself (recipients stay pending);
 * journal: the journal cannot be written; list: the CSV broke mid-way; error: a bug (rethrown by the caller).
 */
export type StopReason = 'interrupted' | 'refused' | 'unreachable' | 'failure-rate' | 'journal' | 'list' | 'error';

export interface Stop {
  reason: StopReason;
  message: string;
  failure?: SmtpFailure;
  error?: unknown;
}

export interface DeliveryStats {
  sent: number;
  failedPermanent: number;
  failedTransient: number;
  /** Recipients whose values would inject a header (recorded as skipped). */
  skippedInvalid: number;
  /** Throttle replies and bursts of deferrals: each slowed the whole sender (not failures). */
  throttled: number;
  /** Deferrals retried later (greylisting, a busy mailbox…): only that message waited. */
  deferred: number;
  retried: number;
  inFlight: number;
}

export function emptyDeliveryStats(): DeliveryStats {
  return { sent: 0, failedPermanent: 0, failedTransient: 0, skippedInvalid: 0, throttled: 0, deferred: 0, retried: 0, inFlight: 0 };
}

/**
 * Where outcomes are recorded: the local Journal, or the campaign's state in Redis (src/queue).
 * `record` resolves once the record is durable; records made in the same moment may share one commit.
 */
export interface DeliveryJournal {
  record(record: JournalRecord): Promise<void>;
  flush(): Promise<void>;
}

/** Hands recipients to the connections: the local JobQueue, or a worker's batches from Redis. */
export interface DeliveryQueue {
  next(): Promise<Job | undefined>;
  /** After each attempt of `job` (whatever became of it). */
  finished(job: Job): void;
  /** Hand `job` back, due at `due` (epoch ms). */
  retryAt(job: Job, due: number): void;
  /**
   * Optional: `job` stays held in the delivery loop's memory (a refusal that may be about the message)
   * until a later delivery or the end of the list settles it. A queue whose jobs can complete before
   * that (a worker's batch) schedules it again, so a stop cannot leave it with nothing to carry it.
   */
  held?(job: Job): void;
  close(): void;
}

/** The sender's pace (the local Pacer, or one that also holds a campaign-wide rate across machines). */
export interface DeliveryPacer {
  /**
   * Wait for this message's turn; false when the signal aborted first. A pacer that also paces the
   * acceptance (beforeAccept) may return a ticket instead of true: it is handed back to beforeAccept.
   */
  acquire(signal?: AbortSignal): Promise<boolean | PaceTicket>;
  /** The server throttles us; returns when sending resumes (epoch ms). */
  throttled(): number;
  delivered(): void;
  /**
   * Optional: awaited after the message's `sending` commit and before its end of DATA (the moment
   * the server accepts it), for a pace that must hold at the server (the campaign-wide rate).
   */
  beforeAccept?(ticket: boolean | PaceTicket): Promise<void>;
}

/** What a pacer's acquire() reserved for one message (the campaign-wide slot), for its beforeAccept(). */
export interface PaceTicket {
  readonly slot: number;
}

export interface DeliverInput {
  prepared: PreparedIssue;
  transport: SmtpTransport;
  journal: DeliveryJournal;
  queue: DeliveryQueue;
  pacer: DeliveryPacer;
  concurrency: number;
  tuning: DeliveryTuning;
  stats: DeliveryStats;
  /** Ctrl-C: stop taking messages; the ones in flight finish and are recorded. */
  signal?: AbortSignal | undefined;
  /** Second Ctrl-C: close connections now; messages in flight stay recorded as `sending` (resent on resume). */
  forceSignal?: AbortSignal | undefined;
  onProgress?: (() => void) | undefined;
  /** A hard bounce (550 5.1.1 and kin): the run adds the address to the suppression list with this `source`. */
  onHardBounce?: ((email: string, source: string) => Promise<unknown>) | undefined;
}
