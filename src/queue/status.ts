import type { Redis } from 'ioredis';
import { NewsletterError } from '../errors.ts';
import { aliveKey, campaignKeys } from '../redis/index.ts';

/**
 * `newsletter status`: a campaign's progress across every worker, read from the keys the enqueue
 * and the workers keep (the campaign contract: meta, counts, workers and each worker's hash).
 * Read only: a status never changes what is sent.
 */

/** What the status line says: meta.status, or finished once the whole list is in and nobody waits. */
export type CampaignPhase = 'active' | 'paused' | 'cancelled' | 'finished';

/** Recipients per state (the `counts` hash, state codes spelled out). */
export interface StatusCounts {
  /** q: waiting for a worker. */
  queued: number;
  /** c: claimed by a worker, not yet sending. */
  claimed: number;
  /** s: being sent. */
  sending: number;
  /** S */
  sent: number;
  /** p: waiting for a retry. */
  retrying: number;
  /** F */
  failedPermanent: number;
  /** T */
  failedTransient: number;
  /** K: skipped at send time (suppressed meanwhile, invalid values). */
  skipped: number;
  /** dup: sent again after a worker or Redis died while they were in flight (possible second copies). */
  duplicates: number;
}

export interface WorkerStatus {
  id: string;
  host: string;
  pid: number;
  /** What the worker last wrote: working, idle, paused or stopped. */
  state: string;
  /** Whether its process lives (its alive key has not expired). */
  alive: boolean;
  started: number;
  /** When it last wrote its line (ms, its own clock). */
  updated: number;
  sent: number;
  failed: number;
  /** Messages per second over its last 10 s. */
  rate: number;
  concurrency: number;
  smtp: string;
}

export interface CampaignStatus {
  id: string;
  issue: string;
  subject: string;
  list: string;
  created: string;
  phase: CampaignPhase;
  /** The whole list is in the queue (else the enqueue is still running, or stopped and must be rerun). */
  enqueued: boolean;
  /** Recipients enqueued so far. */
  total: number;
  /** The campaign-wide limit (msgs/s across all workers), null when none. */
  rateLimit: number | null;
  counts: StatusCounts;
  /** sent + failed + skipped. */
  done: number;
  /** queued + claimed + sending + retrying. */
  remaining: number;
  /** The live workers' rates added up (msgs/s). */
  rate: number;
  /** remaining / rate, null when nothing is sending (or nothing will: paused, cancelled, finished). */
  etaMs: number | null;
  workers: WorkerStatus[];
  /** When this was read (ms). */
  at: number;
}

/** A number field of a hash: missing or malformed reads as 0 (a worker's first write may be partial). */
function num(hash: Record<string, string>, field: string): number {
  const n = Number(hash[field] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function countsOf(c: Record<string, string>): StatusCounts {
  return {
    queued: num(c, 'q'),
    claimed: num(c, 'c'),
    sending: num(c, 's'),
    sent: num(c, 'S'),
    retrying: num(c, 'p'),
    failedPermanent: num(c, 'F'),
    failedTransient: num(c, 'T'),
    skipped: num(c, 'K'),
    duplicates: num(c, 'dup'),
  };
}

function workerOf(id: string, w: Record<string, string>, alive: boolean): WorkerStatus {
  return {
    id,
    host: w.host ?? '?',
    pid: num(w, 'pid'),
    state: w.state ?? '?',
    alive,
    started: num(w, 'started'),
    updated: num(w, 'updated'),
    sent: num(w, 'sent'),
    failed: num(w, 'failed'),
    rate: num(w, 'rate'),
    concurrency: num(w, 'concurrency'),
    smtp: w.smtp ?? '',
  };
}

type Replies = [Error | null, unknown][] | null;

/** A pipeline's replies, the first error thrown. */
function values(replies: Replies): unknown[] {
  return (replies ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

async function readWorkers(redis: Redis, id: string, ids: string[]): Promise<WorkerStatus[]> {
  const keys = campaignKeys(id);
  const pipe = redis.pipeline();
  for (const w of ids) pipe.hgetall(keys.worker(w)).exists(aliveKey(w));
  const replies = values(await pipe.exec());
  return ids
    .map((w, i) => workerOf(w, replies[2 * i] as Record<string, string>, replies[2 * i + 1] === 1))
    .sort((a, b) => a.started - b.started || a.id.localeCompare(b.id));
}

/** The campaign's status in two round trips (meta, counts and worker ids; then the workers' lines). */
export async function campaignStatus(redis: Redis, id: string, now = Date.now()): Promise<CampaignStatus> {
  const keys = campaignKeys(id);
  const [meta, c, ids] = values(await redis.pipeline().hgetall(keys.meta).hgetall(keys.counts).smembers(keys.workers).exec()) as [Record<string, string>, Record<string, string>, string[]];
  if (Object.keys(meta).length === 0)
    throw new NewsletterError('EUSAGE', `Campaign ${id} has no settings in Redis (was it deleted?)`, { where: '--campaign', fix: 'Run `newsletter status --queue URL` without --campaign for the newest campaign.' });
  const counts = countsOf(c);
  const workers = await readWorkers(redis, id, ids);
  const enqueued = meta.enqueued === '1';
  const remaining = counts.queued + counts.claimed + counts.sending + counts.retrying;
  const stored = meta.status === 'paused' || meta.status === 'cancelled' ? meta.status : 'active';
  const phase: CampaignPhase = stored === 'cancelled' ? stored : enqueued && remaining === 0 ? 'finished' : stored;
  // A gone worker's last rate is history, not speed.
  const rate = workers.reduce((sum, w) => sum + (w.alive ? w.rate : 0), 0);
  const rateLimit = Number(meta.rate);
  return {
    id,
    issue: meta.issue ?? '',
    subject: meta.subject ?? '',
    list: meta.list ?? '',
    created: meta.created ?? '',
    phase,
    enqueued,
    total: num(meta, 'total'),
    rateLimit: meta.rate && rateLimit > 0 ? rateLimit : null,
    counts,
    done: counts.sent + counts.failedPermanent + counts.failedTransient + counts.skipped,
    remaining,
    rate,
    etaMs: phase === 'active' && rate > 0 ? (remaining / rate) * 1000 : null,
    workers,
    at: now,
  };
}
