import { setTimeout as sleep } from 'node:timers/promises';

export interface PacerOptions {
  /** Messages per second across all connections; undefined = as fast as the server takes them. */
  rate?: number | undefined;
  /** Whole-sender pause after a throttle episode begins (default 1 s); doubles while episodes follow one another with nothing delivered (up to 8 s). */
  throttleBaseMs?: number | undefined;
  throttleMaxMs?: number | undefined;
  /** The adaptive cap never goes below this many messages per second (default 1). */
  minRate?: number | undefined;
}

/** Multiplicative decrease: the rate in force is halved once per throttle episode. */
const CUT = 0.5;
/** Additive increase: each second without a throttle gives back this share of the rate before the cut (full speed in ~10 s). */
const STEP_SHARE = 0.1;
/** Deliveries kept for the observed rate. */
const RECENT = 64;

/**
 * One pacer for the whole sender, shared by every connection: a GCRA token
 * bucket (each message reserves the next 1/rate slot, no burst), so the rate
 * holds across all connections together. nodemailer's per-pool `rateLimit`
 * counts per window and lets a burst through at each window edge, and a limit
 * per process or connection overshoots by the number of them; this cannot.
 *
 * Server throttles (421, explicit rate replies, a burst of deferrals) slow the
 * whole sender with AIMD, as TCP does: once per episode the rate in force is
 * cut by half (of the rate observed, when it runs uncapped) and everyone
 * pauses briefly; replies heard during the pause belong to the same episode.
 * Then the cap grows back additively, a tenth of the pre-cut rate each second,
 * and is lifted (full speed) once it reaches that rate or the --rate target.
 * Recipient deferrals never come here: they say nothing about our pace.
 */
export class Pacer {
  readonly #target: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #minRate: number;
  /** Cap right after the last cut; grows by #step per second from #pausedUntil. Infinity = no cap. */
  #floor = Infinity;
  #step = 0;
  /** The rate before the first cut of this slowdown: once regained, the cap is lifted. */
  #ceiling = Infinity;
  #nextFree = 0;
  #pausedUntil = 0;
  /** Episodes since the last delivery: the pause doubles while they continue. */
  #streak = 0;
  #recent: number[] = [];

  constructor(options: PacerOptions = {}) {
    this.#target = options.rate && options.rate > 0 ? options.rate : Infinity;
    this.#baseMs = options.throttleBaseMs ?? 1000;
    // Short: after a storm ends, at most this long passes before the sender probes again.
    this.#maxMs = options.throttleMaxMs ?? 8_000;
    this.#minRate = options.minRate ?? 1;
  }

  /** The rate in force now (messages per second), or undefined when unlimited. */
  get rate(): number | undefined {
    const r = Math.min(this.#target, this.#cap(Date.now()));
    return Number.isFinite(r) ? r : undefined;
  }

  /** Wait for this message's slot. Resolves false if the signal aborted first. */
  async acquire(signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const now = Date.now();
      const start = Math.max(now, this.#pausedUntil, this.#nextFree);
      if (start <= now) {
        const rate = Math.min(this.#target, this.#cap(now));
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

  /** The server throttles us: a new episode cuts the rate and pauses everyone. Returns when sending resumes (epoch ms). */
  throttled(): number {
    const now = Date.now();
    // Replies that arrive during the pause belong to the same episode (all connections hear it at once).
    if (now < this.#pausedUntil) return this.#pausedUntil;
    this.#streak++;
    const pause = Math.min(this.#maxMs, this.#baseMs * 2 ** (this.#streak - 1)) * (0.8 + Math.random() * 0.4);
    this.#pausedUntil = now + pause;
    const current = Math.min(this.#target, this.#cap(now), this.#observedRate(now) || Infinity);
    // Nothing delivered yet, so no rate to cut: the pause alone slows us.
    if (!Number.isFinite(current)) return this.#pausedUntil;
    if (!Number.isFinite(this.#ceiling)) this.#ceiling = current;
    this.#floor = Math.max(this.#minRate, current * CUT);
    this.#step = Math.max(this.#minRate, this.#ceiling * STEP_SHARE);
    return this.#pausedUntil;
  }

  /** A message was accepted: the run of back-to-back episodes is over. */
  delivered(): void {
    const now = Date.now();
    this.#recent.push(now);
    if (this.#recent.length > RECENT) this.#recent.shift();
    this.#streak = 0;
  }

  /** The cap in force at `now`: the floor after the last cut plus the additive recovery since the pause ended. */
  #cap(now: number): number {
    if (!Number.isFinite(this.#floor)) return Infinity;
    const cap = this.#floor + (this.#step * Math.max(0, now - this.#pausedUntil)) / 1000;
    if (cap < this.#ceiling && cap < this.#target) return cap;
    // Back to the rate before the slowdown: full speed again.
    this.#floor = Infinity;
    this.#ceiling = Infinity;
    return Infinity;
  }

  #observedRate(now: number): number {
    const first = this.#recent[0];
    if (first === undefined || this.#recent.length < 2) return 0;
    const span = (now - first) / 1000;
    return span > 0 ? this.#recent.length / span : 0;
  }
}
