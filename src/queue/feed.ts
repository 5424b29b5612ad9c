import { DelayedError, type Job as BullJob, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CampaignKeys } from '../redis/index.ts';
import type { DeliveryJournal, DeliveryQueue, Job } from '../send/index.ts';
import { JOB_OPTIONS, type BatchData } from './enqueue.ts';
import { claimRecipients } from './state.ts';

/** How long to wait before asking again for addresses another live worker (or this one) still holds. */
const BUSY_WAIT_MS = 2_000;
/** A batch handed back (this worker stops) is due again this soon, for any worker. */
const HAND_BACK_MS = 1_000;

/** Thrown inside take() when the feed closes: the batch goes back to the queue without using an attempt. */
class HandBack extends Error {}

/** One batch on this worker: settled when each of its recipients was attempted and recorded, or handed to a retry job. */
interface Held {
  remaining: number;
  retries: Promise<unknown>[];
  settle: () => void;
  release: (why: Error) => void;
}

interface FeedJob extends Job {
  held: Held;
}

export interface FeedCounts {
  /** Addresses claimed while another worker's `sending` was unfinished: sent again, each a possible second copy. */
  takenOver: number;
  /** Addresses of a batch already sent, failed or skipped (a batch processed again after a takeover). */
  settledEarlier: number;
  /** Addresses found in the shared suppression list at claim time. */
  suppressed: number;
}

/**
 * The delivery loop's queue on a worker: BullMQ hands batches to `take` (the job processor), whose
 * recipients are claimed in Redis and then given to the connections one by one; the batch job
 * completes once all of them are recorded. A recipient to retry later leaves its batch as a
 * delayed one-recipient job that any worker may take, so a deferral never holds its batch open
 * (and with it a slot of the worker's prefetch) for the minutes of a greylisting schedule.
 */
export class BatchFeed implements DeliveryQueue {
  readonly #ready: FeedJob[] = [];
  readonly #open = new Set<Held>();
  /**
   * Addresses this process holds, from its claim until their attempt is over. BullMQ hands a batch
   * whose lock ran out (Redis unreachable for longer than the lock) to the next free slot, which can
   * be this worker's own: the claim script would answer `ok` to the same owner, so these are
   * treated as busy here, or the same recipients would be fed twice.
   */
  readonly #holding = new Set<string>();
  #wake: (() => void)[] = [];
  #closed = false;
  #paused = false;
  readonly counts: FeedCounts = { takenOver: 0, settledEarlier: 0, suppressed: 0 };

  constructor(
    private readonly redis: Redis,
    private readonly keys: CampaignKeys,
    private readonly owner: string,
    private readonly queue: Queue,
    private readonly journal: DeliveryJournal,
    /** A recipient held by the refusal streak gets a retry job due this much later (see held()): the first wait of the retry schedule. */
    private readonly heldRetryMs: number,
  ) {}

  /** Batches taken and not yet settled, plus recipients waiting for a connection. */
  get busy(): boolean {
    return this.#open.size > 0 || this.#ready.length > 0;
  }

  /** The BullMQ processor: claim, feed, and resolve once the batch is recorded (then the job completes). */
  async take(job: BullJob<BatchData>, token?: string): Promise<void> {
    try {
      await this.#feed(job);
    } catch (error) {
      if (!(error instanceof HandBack) || !token) throw error;
      // Back to the queue as a delayed job: not a failure, so it uses none of its attempts (a worker
      // restarted many times must not exhaust them and leave the batch failed for good).
      await job.moveToDelayed(Date.now() + HAND_BACK_MS, token);
      throw new DelayedError();
    }
  }

  async #feed(job: BullJob<BatchData>): Promise<void> {
    if (this.#closed) throw new HandBack('this worker is stopping');
    const subs = await this.#claim(job.data.subs);
    // Closed while the claim was on its way: hand the batch back; the claims go with this worker's heartbeat.
    if (this.#closed) throw new HandBack('this worker is stopping');
    if (!subs.length) return;
    let held!: Held;
    const done = new Promise<void>((resolve, reject) => {
      held = { remaining: subs.length, retries: [], settle: resolve, release: reject };
    });
    this.#open.add(held);
    for (const sub of subs) {
      this.#holding.add(sub.key);
      this.#ready.push({ sub, attempts: job.data.attempts ?? 0, throttles: job.data.throttles ?? 0, ...(job.data.refused ? { refused: job.data.refused } : {}), held });
    }
    this.#notify();
    try {
      await done;
      await Promise.all(held.retries);
      // Every outcome of the batch is in Redis before BullMQ marks it complete.
      await this.journal.flush();
    } finally {
      this.#open.delete(held);
    }
  }

  /** Claim the batch's addresses; those another live worker (or this one, in another batch) holds are asked for again until free. */
  async #claim(subs: BatchData['subs']): Promise<BatchData['subs']> {
    const mine: BatchData['subs'] = [];
    let left = subs;
    while (left.length && !this.#closed) {
      const free = left.filter((s) => !this.#holding.has(s.key));
      const busy: BatchData['subs'] = left.filter((s) => this.#holding.has(s.key));
      const answers = await claimRecipients(this.redis, this.keys, this.owner, free.map((s) => s.key));
      free.forEach((sub, i) => {
        const a = answers[i];
        if (a === 'ok' || a === 'dup') mine.push(sub);
        if (a === 'dup') this.counts.takenOver++;
        if (a === 'settled') this.counts.settledEarlier++;
        if (a === 'suppressed') this.counts.suppressed++;
        if (a === 'busy') busy.push(sub);
      });
      left = busy;
      if (left.length) await new Promise((r) => setTimeout(r, BUSY_WAIT_MS));
    }
    if (left.length) throw new HandBack('this worker is stopping');
    return mine;
  }

  async next(): Promise<Job | undefined> {
    for (;;) {
      if (this.#closed) return undefined;
      if (!this.#paused) {
        const job = this.#ready.shift();
        if (job) return job;
      }
      await new Promise<void>((resolve) => this.#wake.push(resolve));
    }
  }

  finished(job: Job): void {
    const { held } = job as FeedJob;
    this.#holding.delete(job.sub.key);
    if (--held.remaining === 0) held.settle();
  }

  retryAt(job: Job, due: number): void {
    const { held } = job as FeedJob;
    const data: BatchData = { batch: -1, subs: [job.sub], attempts: job.attempts, throttles: job.throttles, ...(job.refused ? { refused: job.refused } : {}) };
    held.retries.push(this.queue.add('retry', data, { ...JOB_OPTIONS, delay: Math.max(0, due - Date.now()) }));
  }

  /**
   * A recipient the delivery loop holds in memory (a refusal that may be about the message, see
   * RefusalStreak): a local send settles it on its next delivery or at the end of the list, but this
   * batch may complete first, and nothing would carry it any more. So it also gets a retry job, due
   * later: by then the hold has settled it (failed, or pending again after a stop) and the job either
   * finds it settled or sends it again.
   */
  held(job: Job): void {
    this.retryAt({ ...job, refused: (job.refused ?? 0) + 1, held: (job as FeedJob).held } as FeedJob, Date.now() + this.heldRetryMs);
  }

  /** Pause: connections finish what they hold and take nothing more until resume. */
  pause(paused: boolean): void {
    this.#paused = paused;
    this.#notify();
  }

  /** Stop feeding; batches not finished go back to the queue (delayed a second, for any worker). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ready.length = 0;
    for (const held of this.#open) held.release(new HandBack('this worker stopped'));
    this.#notify();
    this.onClose?.();
  }

  /** Called once the feed closes (the worker stops fetching batches at once). */
  onClose: (() => void) | undefined;

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const w of wake) w();
  }
}
