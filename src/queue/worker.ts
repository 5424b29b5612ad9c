import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue, Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { requireSecret, requireSmtp, type SendEnv, type SmtpConfig } from '../config/index.ts';
import { createSmtpTransport } from '../mail/index.ts';
import { aliveKey, BULL_PREFIX, bullQueueName, CAMPAIGNS_KEY, campaignKeys, connectRedis, type QueueUrl } from '../redis/index.ts';
import { DEFAULT_TUNING, deliver, emptyDeliveryStats, emptyTally, issueNamed, Pacer, preflight, type DeliveryRunOptions, type DeliveryStats, type Progress, type SendSummary, type Stop } from '../send/index.ts';
import { preparedFromSnapshot, readCampaign, type CampaignMeta } from './campaign.ts';
import { findCampaign } from './control.ts';
import type { BatchData } from './enqueue.ts';
import { BatchFeed } from './feed.ts';
import { serverIdOf, SharedPacer } from './rate-limit.ts';
import { RedisJournal } from './state.ts';

/** A worker is taken for gone this long after its last heartbeat; its unfinished claims can then be taken over. */
export const ALIVE_TTL_MS = 15_000;
const TICK_MS = 1_000;
/** BullMQ's lock on a batch: renewed every half of it; a worker silent this long loses the batch to another. */
const LOCK_MS = 10_000;

export interface WorkerOptions extends DeliveryRunOptions {
  queue: QueueUrl;
  env: SendEnv;
  /** The campaign to work on; default: the newest one with work left. */
  campaign?: string | undefined;
  /** SMTP connections of this worker (default 5). */
  concurrency?: number | undefined;
  /** This worker's own cap, msgs/s (the campaign's --rate holds across all workers on top of it). */
  rate?: number | undefined;
  /** Exit once the campaign is finished (default: wait for the next one). */
  exitWhenDone?: boolean | undefined;
  /** Batches held at once: the next one is claimed while this one is sent (default 2). */
  prefetch?: number | undefined;
  /** The worker's name in `status` (default HOST-PID; a random suffix is added). */
  id?: string | undefined;
  /** A campaign is taken up (the CLI names it). */
  onCampaign?: (meta: CampaignMeta) => void;
  /** Nothing to do yet (no campaign with work left): waiting. */
  onIdle?: () => void;
}

export interface WorkerSummary extends SendSummary {
  campaign: string | undefined;
  worker: string;
}

/**
 * `newsletter worker`: take batches of a campaign from Redis and send them over this machine's own
 * SMTP pool, with the delivery loop, reply classification and pacing of a local send. Records go to
 * the campaign's state in Redis with the local journal's rule: `sending` is committed before the
 * server can accept a message, and each end of DATA waits for the previous `sent`, so a worker
 * killed at any moment leaves at most `concurrency` accepted-but-unrecorded messages.
 */
export async function runWorker(opts: WorkerOptions): Promise<WorkerSummary> {
  const smtp = requireSmtp(opts.env);
  const secret = requireSecret(opts.env);
  // The owner of this process's claims: unique per process even when two workers are given the same
  // --id (a copied service unit) or one restarts under its old name, so neither mistakes the other's
  // claims (or its own from before a restart) for its own.
  const id = `${opts.id ?? `${hostname().replace(/[^A-Za-z0-9_.-]/g, '-')}-${process.pid}`}.${randomBytes(3).toString('hex')}`;
  const redis = await connectRedis(opts.queue, { name: `newsletter-worker-${id}` });
  // Back from a Redis outage: say "alive" before other workers' queued claims could take this one for gone.
  redis.on('ready', () => {
    redis.set(aliveKey(id), String(Date.now()), 'PX', ALIVE_TTL_MS).catch(() => {});
  });
  // A second Ctrl-C must end the worker even while Redis is down: every command waits for Redis (it
  // retries through restarts), so after a short grace the connection is dropped and they fail. What
  // was in flight stays `sending` in Redis: sent again by another worker, counted as possible duplicates.
  const onForce = () => setTimeout(() => redis.disconnect(), FORCE_GRACE_MS).unref();
  opts.forceSignal?.addEventListener('abort', onForce, { once: true });
  try {
    if (opts.campaign) await findCampaign(redis, opts.campaign, opts.queue.display);
    let waiting = false;
    for (;;) {
      const meta = await nextCampaign(redis, opts);
      if (!meta) {
        if (opts.exitWhenDone || opts.signal?.aborted) return emptySummary(id, opts.campaign);
        if (!waiting) opts.onIdle?.();
        waiting = true;
        if (!(await sleep(2_000, opts.signal))) return emptySummary(id, opts.campaign);
        continue;
      }
      waiting = false;
      const summary = await workCampaign({ opts, redis, smtp, secret, id, meta });
      if (opts.exitWhenDone || summary.stop || opts.signal?.aborted) return summary;
    }
  } finally {
    // Gone at once, not after the TTL: what it claimed and did not send can be taken over now. Not
    // waited for long: with Redis down (a second Ctrl-C) the worker must still end.
    await within(CLEANUP_MS, redis.del(aliveKey(id)));
    opts.forceSignal?.removeEventListener('abort', onForce);
    redis.disconnect();
  }
}

/** After a second Ctrl-C, Redis gets this long before its connection is dropped. */
const FORCE_GRACE_MS = 2_000;

/**
 * The SMTP server's throttle key: host, port and login. A loopback or single-label host names a
 * different server on each machine (each relaying through its own local MTA), so the machine's
 * name is part of it there.
 */
function throttleServerOf(smtp: SmtpConfig): string {
  const local = /^(localhost|127\.|::1$|\[::1\]$)/i.test(smtp.host) || !smtp.host.includes('.');
  const host = local ? `${hostname()}/${smtp.host}` : smtp.host;
  return serverIdOf(smtp.auth ? `${smtp.auth.user}@${host}` : host, smtp.port);
}

/** Cleanup steps that need Redis get this long each once the worker stops (Redis may be down). */
const CLEANUP_MS = 3_000;

/** `promise`, or nothing after `ms` (it runs on; its failure is ignored). */
function within(ms: number, promise: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(
      () => (clearTimeout(timer), resolve()),
      () => (clearTimeout(timer), resolve()),
    );
  });
}

/** The campaign asked for, or the newest active one with work left; undefined when there is none. */
async function nextCampaign(redis: Redis, opts: WorkerOptions): Promise<CampaignMeta | undefined> {
  const ids = opts.campaign ? [opts.campaign] : await redis.zrevrange(CAMPAIGNS_KEY, 0, 50);
  for (const cid of ids) {
    const meta = await readCampaign(redis, cid);
    if (meta && meta.status !== 'cancelled' && !(await isFinished(redis, meta))) return meta;
  }
  return undefined;
}

/** Every recipient is enqueued and settled: none queued, claimed, sending or waiting for a retry. */
async function isFinished(redis: Redis, meta: CampaignMeta): Promise<boolean> {
  const [enqueued] = await redis.hmget(campaignKeys(meta.id).meta, 'enqueued');
  const counts = await redis.hmget(campaignKeys(meta.id).counts, 'q', 'c', 's', 'p');
  return enqueued === '1' && counts.every((n) => !n || Number(n) <= 0);
}

interface CampaignRun {
  opts: WorkerOptions;
  redis: Redis;
  smtp: SmtpConfig;
  secret: string;
  id: string;
  meta: CampaignMeta;
}

async function workCampaign(run: CampaignRun): Promise<WorkerSummary> {
  const { opts, redis, smtp, id, meta } = run;
  const started = Date.now();
  const prepared = preparedFromSnapshot(meta, opts.env, run.secret);
  opts.onCampaign?.(meta);
  const keys = campaignKeys(meta.id);
  const concurrency = opts.concurrency ?? 5;
  const stats = emptyDeliveryStats();
  const journal = new RedisJournal(redis, keys, id, opts.queue.display);
  const queue = new Queue(bullQueueName(meta.id), { connection: redis, prefix: BULL_PREFIX });
  queue.on('error', () => {});
  const tuning = { ...DEFAULT_TUNING, ...opts.tuning, ...(opts.retrySchedule ? { retrySchedule: opts.retrySchedule } : {}) };
  const feed = new BatchFeed(redis, keys, id, queue, journal, tuning.retrySchedule[0] ?? 5_000);
  const transport = createSmtpTransport(smtp, { concurrency, overrides: opts.transportOverrides });
  const pacer = new SharedPacer(new Pacer({ rate: opts.rate, throttleBaseMs: opts.tuning?.throttleBaseMs, throttleMaxMs: opts.tuning?.throttleMaxMs, minRate: opts.tuning?.minRate }), {
    redis,
    rateKey: keys.rate,
    rate: meta.rate,
    server: throttleServerOf(smtp),
  });
  const heartbeat = new Heartbeat(redis, meta, id, smtp, concurrency, stats);
  await heartbeat.beat('working');
  let bull: Worker<BatchData> | undefined;
  let stop: Stop | undefined;
  try {
    // Bad credentials or an unreachable server stop here, before a single batch is claimed.
    stop = await preflight(transport, smtp.display);
    if (!stop) {
      bull = new Worker<BatchData>(bullQueueName(meta.id), (job: BullJob<BatchData>) => feed.take(job), {
        connection: redis,
        prefix: BULL_PREFIX,
        concurrency: opts.prefetch ?? 2,
        lockDuration: LOCK_MS,
        stalledInterval: LOCK_MS / 2,
        // A batch whose worker died is taken over however often that happens: its claims keep it exactly-once.
        maxStalledCount: 1_000,
      });
      bull.on('error', () => {});
      // The feed closed (a stop, a cancel, the end): fetch no more batches, at once. Those fetched
      // meanwhile would only be handed back.
      const fetching = bull;
      feed.onClose = () => void fetching.pause(true).catch(() => {});
      const watch = watchCampaign(redis, meta, feed, heartbeat, pacer);
      // This worker's share only: no total (the campaign's progress is `newsletter status`).
      const progress = () => opts.onProgress?.(progressOf(stats, started));
      stop = await deliver({
        prepared,
        transport,
        journal,
        queue: feed,
        pacer,
        concurrency,
        tuning,
        stats,
        signal: opts.signal,
        forceSignal: opts.forceSignal,
        onProgress: progress,
        // The `suppress` record puts a hard bounce in the shared list in the same commit as its `failed` (state.ts).
        onHardBounce: () => Promise.resolve(true),
      });
      watch.stop();
      progress();
      if (!stop && watch.cancelled) stop = { reason: 'interrupted', message: `The campaign was cancelled (newsletter cancel): this worker stopped; what it had not sent stays unsent` };
    }
  } finally {
    feed.close();
    await within(CLEANUP_MS, bull?.close() ?? Promise.resolve());
    transport.close();
    await within(CLEANUP_MS, queue.close());
    await within(CLEANUP_MS, heartbeat.beat('stopped'));
  }
  if (stop?.reason === 'error') throw stop.error;
  const tally = emptyTally();
  tally.inFlightAtLastStop = feed.counts.takenOver;
  tally.suppressed = feed.counts.suppressed;
  return {
    ...emptySummary(id, meta.id),
    // The issue file is a path on the machine that enqueued it, not here.
    issue: issueNamed({ props: meta.snapshot.built.props }),
    list: `campaign ${meta.id} (${opts.queue.display})`,
    tally,
    stats,
    durationMs: Date.now() - started,
    stop,
  };
}

/**
 * Every second: the heartbeat, the campaign's status as `pause`/`resume`/`cancel` left it, and its rate.
 * Ends the feed (and with it the delivery loop) when the campaign is finished or cancelled.
 */
function watchCampaign(redis: Redis, meta: CampaignMeta, feed: BatchFeed, heartbeat: Heartbeat, pacer: SharedPacer): { stop(): void; readonly cancelled: boolean } {
  let stopped = false;
  let cancelled = false;
  let ticking = false;
  const tick = async () => {
    const [status, rate] = await redis.hmget(campaignKeys(meta.id).meta, 'status', 'rate');
    feed.pause(status === 'paused');
    pacer.setRate(rate ? Number(rate) : undefined);
    await heartbeat.beat(status === 'paused' ? 'paused' : feed.busy ? 'working' : 'idle');
    if (status === 'cancelled') cancelled = true;
    if (cancelled || (!feed.busy && (await isFinished(redis, meta)))) feed.close();
  };
  const timer = setInterval(() => {
    // One tick at a time: with Redis down they would pile up behind the reconnect.
    if (stopped || ticking) return;
    ticking = true;
    tick()
      .catch(() => {})
      .finally(() => (ticking = false));
  }, TICK_MS);
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
    get cancelled() {
      return cancelled;
    },
  };
}

/** The worker's line in `status`, and its alive key. */
class Heartbeat {
  readonly #recent: { t: number; sent: number }[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly meta: CampaignMeta,
    private readonly id: string,
    private readonly smtp: SmtpConfig,
    private readonly concurrency: number,
    private readonly stats: DeliveryStats,
  ) {}

  async beat(state: 'working' | 'idle' | 'paused' | 'stopped'): Promise<void> {
    const now = Date.now();
    this.#recent.push({ t: now, sent: this.stats.sent });
    while (this.#recent.length > 1 && now - this.#recent[0]!.t > 10_000) this.#recent.shift();
    const first = this.#recent[0]!;
    const rate = now > first.t ? ((this.stats.sent - first.sent) * 1000) / (now - first.t) : 0;
    const keys = campaignKeys(this.meta.id);
    const m = this.redis.multi();
    m.sadd(keys.workers, this.id);
    m.hset(keys.worker(this.id), {
      host: hostname(),
      pid: String(process.pid),
      updated: String(now),
      sent: String(this.stats.sent),
      failed: String(this.stats.failedPermanent + this.stats.failedTransient),
      rate: rate.toFixed(1),
      concurrency: String(this.concurrency),
      smtp: this.smtp.display,
      state,
    });
    m.hsetnx(keys.worker(this.id), 'started', String(now));
    if (state === 'stopped') m.del(aliveKey(this.id));
    else m.set(aliveKey(this.id), String(now), 'PX', ALIVE_TTL_MS);
    await m.exec();
  }
}

function progressOf(stats: DeliveryStats, started: number): Progress {
  return {
    done: stats.sent + stats.failedPermanent + stats.failedTransient + stats.skippedInvalid,
    total: undefined,
    sent: stats.sent,
    failed: stats.failedPermanent + stats.failedTransient,
    skipped: stats.skippedInvalid,
    inFlight: stats.inFlight,
    retrying: 0,
    nextRetryAt: undefined,
    startedAt: started,
  };
}

/** A worker summary with nothing sent: what a worker that found no campaign reports, and the base of every other. */
function emptySummary(worker: string, campaign: string | undefined): WorkerSummary {
  return {
    mode: 'send',
    issue: { slug: '', number: 0, subject: '', file: undefined },
    list: undefined,
    tally: emptyTally(),
    stats: emptyDeliveryStats(),
    durationMs: 0,
    stop: undefined,
    retriesWaiting: 0,
    journal: undefined,
    failuresCsv: undefined,
    outbox: undefined,
    sampleSecret: false,
    campaign,
    worker,
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => resolve(true), ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve(false)), { once: true });
  });
}
