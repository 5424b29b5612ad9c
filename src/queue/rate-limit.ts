/**
 * The campaign-wide pace across every worker: `--rate` on the enqueue side holds for all workers
 * together, and a throttle one worker hears from its SMTP server slows the other workers that use
 * the same server (and only those).
 *
 * Each worker keeps its own local Pacer (its own --rate, the AIMD slowdown after a throttle) and
 * wraps it in a SharedPacer: a message goes out once the local pacer, the campaign and the
 * server's throttle all allow it.
 *
 * Redis round trips (one EVALSHA each):
 * - with a campaign rate: one per lease of k slots, k = up to 16 (≈ 0.06–1 per message; fewer
 *   when the worker takes many of the campaign's slots);
 * - without one: at most one every 250 ms per worker to read the server's throttle, whatever the
 *   number of messages (≈ 0 per message);
 * - throttled(): one per new throttle episode (fire-and-forget).
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { NewsletterError } from '../errors.ts';
import { throttleKey } from '../redis/index.ts';
import type { DeliveryPacer, PaceTicket } from '../send/index.ts';

/** Slots are spaced 2% wider than 1/rate… */
const MARGIN_SHARE = 0.02;
/**
 * …plus this allowance per second for jitter between a slot and the message's arrival at the
 * server (timers firing late, connections of different latency, the clock offset to Redis).
 * A message arrives within LATE_MS + network jitter of its slot; any second at the server then
 * holds the slots of a (1000 + jitter) ms span, and (1000 + 20 + JITTER_MS) / interval = rate
 * keeps that at most `rate` for up to 20 + JITTER_MS ms of total jitter.
 */
const JITTER_MS = 30;
/** A slot not used within this long after its time is dropped: used later, it could crowd a later second. */
const LATE_MS = 25;
/** A lease never covers more than ~200 ms of the campaign, so a worker that dies holds at most that much of it. */
const LEASE_MS = 200;
const MAX_LEASE = 16;
/** The first guess of a transaction's length (MAIL, RCPT, DATA on a fresh connection), before any is measured. */
const INITIAL_LEAD_MS = 300;
/** A transaction is taken to last at most this long: beyond it, messages wait at their end of DATA instead. */
const MAX_LEAD_MS = 2_000;
/** Added to each measured transaction, so that most reach their end of DATA a little before their slot, not after. */
const LEAD_MARGIN_MS = 50;

/** Without a campaign rate, the server's throttle is read at most this often (the value is cached in between). */
const THROTTLE_CHECK_MS = 250;
/** The rate key outlives its last slot by this much, then Redis drops it (an idle campaign costs nothing). */
const RATE_KEY_TTL_MS = 60_000;
/** The clock offset to Redis is the best of the samples taken over this long (see #offsetFrom). */
const OFFSET_WINDOW_MS = 10_000;

/** This process's clock for every wait: monotonic, so a step of the system clock cannot make a slot early. */
const clock = () => performance.now();

/**
 * Milliseconds between two of the campaign's messages at `rate` msgs/s, for all workers together:
 * (1000 × 1.02 + 30 ms) / rate. Workers pace a little under --rate (≈ 95%) so that jitter between
 * a slot and the message's arrival can never put more than `rate` messages into one second at the
 * server. The margin is per second, not per message (1000/rate × 1.02 + 2 ms would pace 1000/s
 * at 331/s while adding nothing at low rates where jitter matters most).
 */
export function campaignInterval(rate: number): number {
  return (1000 * (1 + MARGIN_SHARE) + JITTER_MS) / rate;
}

/** The most slots one call may lease at this interval: ~200 ms of the campaign, 1 to 16. */
export function maxLease(interval: number): number {
  return Math.min(MAX_LEASE, Math.max(1, Math.floor(LEASE_MS / interval)));
}

/** A short stable id for an SMTP server (its throttle key): the same for every worker that names it the same way. */
export function serverIdOf(host: string, port: number): string {
  return createHash('sha256').update(`${host.toLowerCase()}:${port}`).digest('hex').slice(0, 16);
}

/**
 * KEYS[1] the campaign's rate key (next free slot, Redis ms), KEYS[2] the server's throttle key.
 * ARGV[1] k slots to lease (0 = none, only read the throttle), ARGV[2] the interval (ms).
 * GCRA: the slots start at s = max(now, T) and T becomes s + k·interval. Redis's TIME is the one
 * clock every worker shares. Returns {now, s, throttle resume (0 = none)} as strings (Lua numbers
 * would be truncated to integers). The two keys hash to different slots ({campaign} vs the server):
 * fine on one Redis (what connectRedis connects to), a CROSSSLOT error on a Redis Cluster.
 */
const PACE_LUA = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local k = tonumber(ARGV[1])
local start = now
if k > 0 then
  local free = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
  if free > now then start = free end
  local after = start + k * tonumber(ARGV[2])
  redis.call('SET', KEYS[1], string.format('%.3f', after), 'PX', math.ceil(after - now) + ${RATE_KEY_TTL_MS})
end
local resume = redis.call('GET', KEYS[2]) or '0'
return {string.format('%.3f', now), string.format('%.3f', start), resume}
`;

/** KEYS[1] the server's throttle key; ARGV[1] the pause (ms). Stores now + pause only when later than what is there. */
const THROTTLE_LUA = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local pause = tonumber(ARGV[1])
local resume = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + pause
local stored = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if resume > stored then redis.call('SET', KEYS[1], string.format('%d', resume), 'PX', pause) end
return 1
`;

interface PacingCommands {
  newsletterPace(rateKey: string, throttleKey: string, k: number, interval: string): Promise<[string, string, string]>;
  newsletterThrottle(throttleKey: string, pauseMs: number): Promise<number>;
}

/** ioredis's defineCommand: EVALSHA, falling back to EVAL when Redis lost its script cache (a restart). */
function withPacingCommands(redis: Redis): Redis & PacingCommands {
  const r = redis as Redis & Partial<PacingCommands>;
  if (typeof r.newsletterPace !== 'function') redis.defineCommand('newsletterPace', { numberOfKeys: 2, lua: PACE_LUA });
  if (typeof r.newsletterThrottle !== 'function') redis.defineCommand('newsletterThrottle', { numberOfKeys: 1, lua: THROTTLE_LUA });
  return redis as Redis & PacingCommands;
}

export interface SharedPacerOptions {
  /** ioredis connection (maxRetriesPerRequest null). */
  redis: Redis;
  /** campaignKeys(id).rate */
  rateKey: string;
  /** Campaign-wide msgs/s across ALL workers (undefined = none). */
  rate: number | undefined;
  /** serverIdOf(...) of this worker's SMTP server. */
  server: string;
}

const ABORTED = Symbol('aborted');

/** Wait `ms`; false when the signal aborted first. */
async function wait(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await sleep(Math.max(0, ms), undefined, signal ? { signal } : {});
    return true;
  } catch {
    return false;
  }
}

/** `promise`, or ABORTED as soon as the signal aborts (the promise itself runs on). */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | typeof ABORTED> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function queueError(cause: unknown): NewsletterError<'EQUEUE'> {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new NewsletterError('EQUEUE', `Cannot read the campaign's pace from Redis: ${message}`, {
    where: '--queue',
    fix: 'Check that Redis is running and reachable from this machine, then start the worker again: the campaign resumes where it stopped.',
    cause,
  });
}

/**
 * The local pacer, then a campaign slot (GCRA in Redis, leased k at a time), then the server's
 * throttle as published by any worker using the same server. Times below are on this process's
 * monotonic clock; Redis times are converted with the offset measured at the replies (#offsetFrom).
 */
export class SharedPacer implements DeliveryPacer {
  readonly #local: DeliveryPacer;
  readonly #redis: Redis & PacingCommands;
  readonly #rateKey: string;
  readonly #throttleKey: string;
  #interval: number | undefined;
  #maxLease: number;
  /** Leased slot times, ascending; each is used by one acquire() or dropped once stale. */
  #slots: number[] = [];
  /** One call to Redis at a time: acquirers that need it meanwhile share its answer. */
  #fetching: Promise<void> | undefined;
  /** Acquirers waiting for a slot right now: a lease is at least this many. */
  #waiting = 0;
  /** When recent slots were used (for the lease size). */
  #used: number[] = [];
  #throttleUntil = 0;
  #checkedAt = -Infinity;
  #publishedUntil = 0;
  #roundTrips = 0;
  #publishFailures = 0;
  /** [local time, offset] of recent replies. */
  #offsets: [number, number][] = [];
  /** When acquire() returned, for transactions that have not reached their end of DATA yet (oldest first). */
  #started: number[] = [];
  /** How long a transaction takes from acquire() to its end of DATA (a moving average, ms). */
  #lead = INITIAL_LEAD_MS;
  /** The campaign's next free slot as of the last lease (local time): how far ahead its slots are queued. */
  #freeAt = 0;

  constructor(local: DeliveryPacer, options: SharedPacerOptions) {
    this.#local = local;
    this.#redis = withPacingCommands(options.redis);
    this.#rateKey = options.rateKey;
    this.#throttleKey = throttleKey(options.server);
    this.#interval = options.rate !== undefined && options.rate > 0 && Number.isFinite(options.rate) ? campaignInterval(options.rate) : undefined;
    this.#maxLease = this.#interval === undefined ? 0 : maxLease(this.#interval);
  }

  /** The campaign's rate changed (an enqueue rerun with another --rate): slots leased at the old one are let go. */
  setRate(rate: number | undefined): void {
    const interval = rate !== undefined && rate > 0 && Number.isFinite(rate) ? campaignInterval(rate) : undefined;
    if (interval === this.#interval) return;
    this.#interval = interval;
    this.#maxLease = interval === undefined ? 0 : maxLease(interval);
    this.#slots = [];
  }

  /** Redis calls this pacer made (the benchmark's round trips per message). */
  get roundTrips(): number {
    return this.#roundTrips;
  }

  /** Throttles that could not be published to Redis (the local pause still applied). */
  get publishFailures(): number {
    return this.#publishFailures;
  }

  /**
   * Before the transaction: this worker's own pace, any throttle of its server, and with a campaign
   * rate a slot, reserved now and waited for until about one transaction's length before it. The
   * message then reaches its end of DATA close to its slot, where beforeAccept() waits out the rest.
   * Waiting here, not at the end of DATA: with every connection of every worker queued for slots,
   * a wait of workers × connections × interval at the end of DATA would outlast the server's and
   * nodemailer's timeouts at low rates, and fail subscribers for the sender's pace.
   */
  async acquire(signal?: AbortSignal): Promise<boolean | PaceTicket> {
    if (!(await this.#local.acquire(signal))) return false;
    for (;;) {
      if (signal?.aborted) return false;
      const now = clock();
      if (this.#throttleUntil > now) {
        if (!(await wait(this.#throttleUntil - now, signal))) return false;
        continue;
      }
      // Leases read the throttle too; between them (or with no campaign rate) it is read every 250 ms.
      if (now - this.#checkedAt >= THROTTLE_CHECK_MS) {
        if (!(await this.#refresh(0, signal))) return false;
        continue;
      }
      if (this.#interval === undefined) return true;
      const slot = await this.#nextSlot(signal);
      if (slot === undefined) return false;
      if (slot === null) continue;
      const start = slot - this.#lead;
      if (clock() < start && !(await wait(start - clock(), signal))) return false;
      this.#started.push(clock());
      this.#used.push(clock());
      return { slot };
    }
  }

  /**
   * Right before the end of DATA (the transport calls it once the message has reached its end, see
   * COMMIT_GATE): wait for the earliest reserved slot, so the slots space the acceptances themselves
   * (taken before the transaction alone, a commit slow for a moment, with Redis syncing its AOF,
   * released several at once: 27 in one second at --rate 25 in tests/queue/distributed.test.ts).
   * Never rejects: when Redis fails here the next acquire() reports it.
   */
  async beforeAccept(ticket: boolean | PaceTicket): Promise<void> {
    if (this.#interval === undefined) return;
    this.#noteLead(clock());
    try {
      // The message's own slot. One already past (its transaction took longer than the lead: every
      // first message on a fresh connection) is not used late, where several would crowd one second,
      // but replaced by a fresh one when that is near; when the campaign's slots are queued further
      // ahead than MAX_LEAD_MS (a low rate, many connections), waiting for one at the end of DATA
      // could outlast the server's timeout, so the late slot is used: the 5 % margin absorbs one.
      const late = typeof ticket === 'object' && clock() - ticket.slot > LATE_MS;
      if (typeof ticket !== 'object' || (late && this.#freeAt - clock() <= MAX_LEAD_MS)) await this.#takeSlot();
      else while (clock() < ticket.slot) await wait(ticket.slot - clock(), undefined);
    } catch {
      // See above: the next acquire() reports the failure.
    }
  }

  /** A transaction reached its end of DATA: its length goes into the lead (capped: a refused message's start never matched skews it). */
  #noteLead(now: number): void {
    while (this.#started.length > 1 && now - this.#started[0]! > MAX_LEAD_MS * 2) this.#started.shift();
    const began = this.#started.shift();
    if (began === undefined) return;
    this.#lead = Math.min(MAX_LEAD_MS, Math.max(0, this.#lead * 0.8 + (now - began + LEAD_MARGIN_MS) * 0.2));
  }

  async #takeSlot(): Promise<void> {
    for (;;) {
      const slot = await this.#nextSlot(undefined);
      if (slot === undefined) return;
      if (slot === null) continue;
      // Timers may fire up to a millisecond early (libuv's cached loop time): wait until the slot has come.
      let at: number;
      while ((at = clock()) < slot) await wait(slot - at, undefined);
      // A slot missed (busy event loop): drop it, take another.
      if (at - slot > LATE_MS) continue;
      this.#used.push(at);
      return;
    }
  }

  throttled(): number {
    const resume = this.#local.throttled();
    // Replies heard during the same pause return the same resume time: publish each episode once.
    if (resume > this.#publishedUntil) {
      this.#publishedUntil = resume;
      const pause = Math.ceil(resume - Date.now());
      if (pause > 0) {
        this.#roundTrips++;
        // Fire-and-forget: the delivery loop must not wait on Redis for a throttle; this worker pauses
        // through its local pacer anyway, only the other workers would learn of it a little later.
        this.#redis.newsletterThrottle(this.#throttleKey, pause).catch(() => {
          this.#publishFailures++;
        });
      }
    }
    return resume;
  }

  delivered(): void {
    this.#local.delivered();
  }

  /** A fresh slot (number), null to look again (the lease came back throttled or empty), undefined when aborted. */
  async #nextSlot(signal: AbortSignal | undefined): Promise<number | null | undefined> {
    const now = clock();
    // Stale slots (nobody took them in time) are lost: the campaign undershoots, never overshoots.
    while (this.#slots.length > 0 && now - this.#slots[0]! > LATE_MS) this.#slots.shift();
    const slot = this.#slots.shift();
    if (slot !== undefined) return slot;
    this.#waiting++;
    try {
      return (await this.#refresh(this.#leaseSize(now), signal)) ? null : undefined;
    } finally {
      this.#waiting--;
    }
  }

  /**
   * Lease as many slots as this worker is likely to use before they go stale: the acquirers waiting
   * now, or as many as it used over the last lease's span, up to ~200 ms of the campaign. A bigger
   * lease than the worker can use would push everyone's next slot back for nothing.
   */
  #leaseSize(now: number): number {
    const interval = this.#interval!;
    const span = this.#maxLease * interval + LATE_MS;
    while (this.#used.length > 0 && now - this.#used[0]! > span) this.#used.shift();
    return Math.min(this.#maxLease, Math.max(1, this.#waiting, this.#used.length));
  }

  /** One call to Redis (shared by whoever needs it meanwhile). False when the signal aborted first; rejects with EQUEUE. */
  async #refresh(k: number, signal: AbortSignal | undefined): Promise<boolean> {
    this.#fetching ??= this.#call(k).finally(() => {
      this.#fetching = undefined;
    });
    return (await unlessAborted(this.#fetching, signal)) !== ABORTED;
  }

  async #call(k: number): Promise<void> {
    const interval = this.#interval ?? 0;
    this.#roundTrips++;
    let reply: [string, string, string];
    try {
      reply = await this.#redis.newsletterPace(this.#rateKey, this.#throttleKey, k, interval.toFixed(3));
    } catch (cause) {
      throw queueError(cause);
    }
    const local = clock();
    const offset = this.#offsetFrom(Number(reply[0]), local);
    const resume = Number(reply[2]);
    this.#checkedAt = local;
    this.#throttleUntil = resume > 0 ? resume - offset : 0;
    if (k === 0) return;
    const start = Number(reply[1]) - offset;
    this.#freeAt = start + k * interval;
    for (let i = 0; i < k; i++) this.#slots.push(start + i * interval);
  }

  /**
   * Redis time minus local time. One reply gives a lower bound: Redis read its clock some time
   * before the reply was handled here (network, the AOF fsync of the script's write, a busy event
   * loop), so `redisNow - receipt` errs late by that delay, never early. Those delays vary by tens
   * of ms from one reply to the next, and slots from different leases would shift by as much and
   * crowd one second; the best (largest) bound over the last 10 s is the closest to the truth and
   * still never early. The window lets a clock step on the Redis host through within 10 s.
   */
  #offsetFrom(redisNow: number, local: number): number {
    this.#offsets.push([local, redisNow - local]);
    while (this.#offsets.length > 1 && local - this.#offsets[0]![0] > OFFSET_WINDOW_MS) this.#offsets.shift();
    return Math.max(...this.#offsets.map(([, offset]) => offset));
  }
}
