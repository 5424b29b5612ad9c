import { refusalKey, type SmtpFailure } from './classify.ts';
import type { Job } from './recipients.ts';

/**
 * The streak rule for permanent replies that may be about the message or the
 * sender rather than the recipient ('unclear': 552 5.3.4 size, 554 5.7.1
 * content, 5.7.x policy). Each such recipient is held (pending), not failed.
 * The same reply for `limit` different recipients in a row, with no delivery
 * in between, means the server refuses the message itself: stop. A delivery
 * in between means it takes our message, so the held copies were refused for
 * their recipients: they fail. Nobody's permanent record comes from a problem
 * that is not theirs.
 */
export class RefusalStreak {
  readonly #held = new Map<string, { job: Job; failure: SmtpFailure }>();
  #key: string | undefined;
  #count = 0;
  #last: SmtpFailure | undefined;

  /** Recipients held so far. */
  get size(): number {
    return this.#held.size;
  }

  /** The last reply held (for the stop message). */
  get last(): SmtpFailure | undefined {
    return this.#last;
  }

  /** Hold this recipient; returns how many recipients in a row got this same reply. */
  refused(job: Job, failure: SmtpFailure): number {
    const key = refusalKey(failure);
    if (key === this.#key) this.#count++;
    else {
      this.#key = key;
      this.#count = 1;
    }
    this.#last = failure;
    this.#held.set(job.sub.key, { job, failure });
    return this.#count;
  }

  /** The server took a message: the streak ends and every held recipient is returned, to be recorded as failed. */
  delivered(): { job: Job; failure: SmtpFailure }[] {
    this.#key = undefined;
    this.#count = 0;
    const held = [...this.#held.values()];
    this.#held.clear();
    return held;
  }
}

export interface BurstTuning {
  /** Attempts remembered. */
  deferralBurstWindow: number;
  /** Fewer recent attempts than this prove nothing. */
  deferralBurstMin: number;
  /** Only attempts this recent count. */
  deferralBurstMs: number;
  /** A burst: deferrals of different recipients are more than this share of the recent attempts. */
  deferralBurstShare: number;
}

/**
 * Deferrals of many different recipients in a short window say more than any
 * one of them: the server is slowing us down without saying so. A few
 * percent (even 20%) of random deferrals, which any real list sees, must not
 * look like that; more than half of the last ~40 attempts within 10 s does.
 */
export class DeferralBurst {
  #log: { t: number; deferred: string | undefined }[] = [];
  readonly #tuning: BurstTuning;

  constructor(tuning: BurstTuning) {
    this.#tuning = tuning;
  }

  /** An attempt's outcome: `deferred` is the recipient's key for a deferral. True when this makes a burst (the log starts over). */
  note(deferred?: string): boolean {
    const { deferralBurstWindow, deferralBurstMin, deferralBurstMs, deferralBurstShare } = this.#tuning;
    const now = Date.now();
    this.#log.push({ t: now, deferred });
    if (this.#log.length > deferralBurstWindow) this.#log.shift();
    if (deferred === undefined) return false;
    const recent = this.#log.filter((e) => now - e.t <= deferralBurstMs);
    if (recent.length < deferralBurstMin) return false;
    const recipients = new Set(recent.flatMap((e) => (e.deferred === undefined ? [] : [e.deferred])));
    if (recipients.size <= deferralBurstShare * recent.length) return false;
    // One episode per burst: the next needs a fresh window of evidence.
    this.#log = [];
    return true;
  }
}

export interface FailureRateTuning {
  /** Stop when more than `failureRate` of the last `failureWindow` refusals and deliveries were refusals (once `failureMinSamples` are in). */
  failureWindow: number;
  failureMinSamples: number;
  failureRate: number;
}

/**
 * The share of refusals among the last deliveries and refusals. Deferrals,
 * throttles and drops are not noted: they say nothing about the list.
 */
export class FailureRate {
  readonly #window: boolean[] = [];
  readonly #tuning: FailureRateTuning;

  constructor(tuning: FailureRateTuning) {
    this.#tuning = tuning;
  }

  /** A delivery (`ok`) or a refusal. Returns why the run should stop when refusals pass the limit, else undefined. */
  note(ok: boolean): string | undefined {
    const { failureWindow, failureMinSamples, failureRate } = this.#tuning;
    const window = this.#window;
    window.push(ok);
    if (window.length > failureWindow) window.shift();
    const failures = window.reduce((n, w) => n + (w ? 0 : 1), 0);
    if (ok || window.length < failureMinSamples || failures / window.length <= failureRate) return undefined;
    return `${failures} of the last ${window.length} deliveries and refusals were refusals (the limit is ${Math.round(failureRate * 100)}%); the server or the list needs a look before going on`;
  }
}
