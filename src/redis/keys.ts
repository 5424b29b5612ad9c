/**
 * Every Redis key newsletter uses, in one place. A campaign's keys share the hash tag {ID}, so on
 * a Redis Cluster they live on one node and a Lua script may touch them all.
 */
export const PREFIX = 'newsletter';

/** Campaign ids, scored by creation time (ms). */
export const CAMPAIGNS_KEY = `${PREFIX}:campaigns`;
/** The suppression list shared by every worker, the endpoint server and `bounces`: address key → JSON {reason, source, at}. */
export const SUPPRESSED_KEY = `${PREFIX}:suppressed`;
/** BullMQ's own keys go under this prefix. */
export const BULL_PREFIX = `${PREFIX}:bull`;

export interface CampaignKeys {
  /** Hash: the campaign's settings, snapshot and status (see src/queue/campaign.ts). */
  meta: string;
  /** Hash: recipient key → state line (src/queue/state.ts). */
  state: string;
  /** Hash: how many recipients are in each state code. */
  counts: string;
  /** Hash: batch number → how many recipients it holds (enqueue's bookkeeping, so a rerun adds each batch once). */
  batches: string;
  /** Set of worker ids that ever worked on the campaign; each has a `worker(id)` hash. */
  workers: string;
  /** The campaign-wide pacer's next free slot (ms), for --rate across all workers. */
  rate: string;
  worker(id: string): string;
}

export function campaignKeys(id: string): CampaignKeys {
  const base = `${PREFIX}:c:{${id}}`;
  return {
    meta: `${base}:meta`,
    state: `${base}:state`,
    counts: `${base}:counts`,
    batches: `${base}:batches`,
    workers: `${base}:workers`,
    rate: `${base}:rate`,
    worker: (worker) => `${base}:w:${worker}`,
  };
}

/** A worker process is alive while this key exists (refreshed well within its TTL). */
export const aliveKey = (worker: string) => `${PREFIX}:alive:${worker}`;

/** A server's throttle: sending through it resumes at the stored time (ms). Per SMTP server, not per campaign. */
export const throttleKey = (server: string) => `${PREFIX}:throttle:${server}`;

/** The BullMQ queue that holds a campaign's batches (queue names may not contain ':'). */
export const bullQueueName = (id: string) => `campaign-${id}`;
