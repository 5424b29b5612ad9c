import { setTimeout as sleep } from 'node:timers/promises';

export interface PacerOptions {
  /** Messages per second across all connections; undefined = as fast as the server takes them. */
  rate?: number | undefined;
  /** First whole-sender pause after a throttle reply (421/451/454); doubles while the server keeps throttling. */
  throttleBaseMs?: number;
  throttleMaxMs?: number;
  /** The adaptive cap never goes below this many messages per second (default 1). */
  minRate?: number;
}

/**
 * One pacer for the whole sender, shared by every connection: a GCRA token
 * bucket (each message reserves the next 1/rate slot, no burst), so the rate
 * holds across all connections together. nodemailer's per-pool `rateLimit`
 * counts per window and lets a burst through at each window edge, and a limit
 * per process or connection overshoots by the number of them; this cannot.
 *
 * Throttle replies slow the whole sender: a pause for everyone (doubling
 * while they continue, with jitter), and an adaptive rate cap: cut to 70% of
 * the observed rate per throttle episode, regained 5% per delivery (AIMD-like).
 */
export class Pacer {
  readonly #target: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #minRate: number;
  #cap = Infinity;
  #nextFree = 0;
  #pausedUntil = 0;
  #streak = 0;
  #recent: number[] = [];

  constructor(options: PacerOptions = {}) {
    this.#target = options.rate && options.rate > 0 ? options.rate : Infinity;
    this.#baseMs = options.throttleBaseMs ?? 1000;
    this.#maxMs = options.throttleMaxMs ?? 60_000;
    this.#minRate = options.minRate ?? 1;
  }

  /** The rate in force now (messages per second), or undefined when unlimited. */
  get rate(): number | undefined {
    const r = Math.min(this.#target, this.#cap);
    return Number.isFinite(r) ? r : undefined;
  }

  /** Wait for this message's slot. Resolves false if the signal aborted first. */
  async acquire(signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const now = Date.now();
      const start = Math.max(now, this.#pausedUntil, this.#nextFree);
      if (start <= now) {
        const rate = Math.min(this.#target, this.#cap);
        if (Number.isFinite(rate)) this.#nextFree = Math.max(this.#nextFree, now) + 1000 / rate;
        return true;
      }
      try {
        await sleep(start - now, undefined, signal ? { signal } : {});
      } catch {
        return false;
      }
    }
  }

  /** The server answered 421/451/454: pause everyone, lower the cap. Returns when sending resumes (epoch ms). */
  throttled(): number {
    const now = Date.now();
    // Replies that arrive during the pause belong to the same episode (all connections hear it at once).
    if (now >= this.#pausedUntil) {
      this.#streak++;
      const pause = Math.min(this.#maxMs, this.#baseMs * 2 ** (this.#streak - 1)) * (0.75 + Math.random() * 0.5);
      this.#pausedUntil = now + pause;
      const observed = this.#observedRate(now);
      this.#cap = Math.max(this.#minRate, Math.min(this.#cap, observed || this.#target) * 0.7);
    }
    return this.#pausedUntil;
  }

  /** A message was accepted: the throttle episode is over, regain speed gradually. */
  delivered(): void {
    const now = Date.now();
    this.#recent.push(now);
    if (this.#recent.length > 64) this.#recent.shift();
    this.#streak = 0;
    if (Number.isFinite(this.#cap)) {
      this.#cap *= 1.05;
      if (this.#cap >= this.#target || this.#cap > 4 * this.#observedRate(now) + 10) this.#cap = Infinity;
    }
  }

  #observedRate(now: number): number {
    const first = this.#recent[0];
    if (first === undefined || this.#recent.length < 2) return 0;
    const span = (now - first) / 1000;
    return span > 0 ? this.#recent.length / span : 0;
  }
}
