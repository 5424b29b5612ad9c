import type { Job as BullJob, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CampaignKeys } from '../redis/index.ts';
import type { DeliveryJournal, DeliveryQueue, Job } from '../send/index.ts';
import { JOB_OPTIONS, type BatchData } from './enqueue.ts';
import { claimRecipients } from './state.ts';

/** How long to wait before asking again for addresses another live worker still holds. */
const BUSY_WAIT_MS = 2_000;

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
  ) {}

  /** Batches taken and not yet settled, plus recipients waiting for a connection. */
  get busy(): boolean {
    return this.#open.size > 0 || this.#ready.length > 0;
  }

  /** The BullMQ processor: claim, feed, and resolve once the batch is recorded (then the job completes). */
  async take(job: BullJob<BatchData>): Promise<void> {
    if (this.#closed) throw new Error('this worker is stopping: the batch goes back to the queue');
    const subs = await this.#claim(job.data.subs.map((s) => s));
    if (!subs.length) return;
    let held!: Held;
    const done = new Promise<void>((resolve, reject) => {
      held = { remaining: subs.length, retries: [], settle: resolve, release: reject };
    });
    this.#open.add(held);
    for (const sub of subs) this.#ready.push({ sub, attempts: job.data.attempts ?? 0, throttles: job.data.throttles ?? 0, held });
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

  /** Claim the batch's addresses; those another live worker holds are asked for again until it finishes or is gone. */
  async #claim(subs: BatchData['subs']): Promise<BatchData['subs']> {
    const mine: BatchData['subs'] = [];
    let left = subs;
    while (left.length && !this.#closed) {
      const answers = await claimRecipients(this.redis, this.keys, this.owner, left.map((s) => s.key));
      const busy: BatchData['subs'] = [];
      left.forEach((sub, i) => {
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
    if (left.length) throw new Error('this worker is stopping: the batch goes back to the queue');
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
    if (--held.remaining === 0) held.settle();
  }

  retryAt(job: Job, due: number): void {
    const { held } = job as FeedJob;
    const data: BatchData = { batch: -1, subs: [job.sub], attempts: job.attempts, throttles: job.throttles };
    held.retries.push(this.queue.add('retry', data, { ...JOB_OPTIONS, delay: Math.max(0, due - Date.now()) }));
  }

  /** Pause: connections finish what they hold and take nothing more until resume. */
  pause(paused: boolean): void {
    this.#paused = paused;
    this.#notify();
  }

  /** Stop feeding; batches not finished go back to the queue (their jobs fail and are retried by any worker). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ready.length = 0;
    for (const held of this.#open) held.release(new Error('this worker stopped: the batch goes back to the queue'));
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const w of wake) w();
  }
}
