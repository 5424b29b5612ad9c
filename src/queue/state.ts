import type { Redis } from 'ioredis';
import { NewsletterError } from '../errors.ts';
import { aliveKey, SUPPRESSED_KEY, type CampaignKeys } from '../redis/index.ts';
import type { DeliveryJournal, JournalRecord } from '../send/index.ts';

/**
 * Each recipient's state in the campaign's `state` hash, one short line per address:
 *   CODE|OWNER|ATTEMPTS|TIME|DETAIL
 * The codes are the local journal's states, plus the two a shared queue needs:
 *   q queued (enqueued, no worker yet)    c claimed by OWNER (in a batch it is working on)
 *   s sending (handed to the server)      S sent (DETAIL: the server's reply)
 *   p pending a retry (DETAIL: why)       F / T failed permanently / transiently (DETAIL: JSON)
 *   K skipped (DETAIL: why)
 * `counts` holds how many recipients are in each code, kept in step by the same scripts.
 */
/** As ALIVE_TTL_MS in worker.ts, for the message (state.ts does not import the worker). */
const ALIVE_TTL_TEXT = '15 s';

export type StateCode = 'q' | 'c' | 's' | 'S' | 'p' | 'F' | 'T' | 'K';
export const SETTLED: readonly StateCode[] = ['S', 'F', 'T', 'K'];

/**
 * Claim recipients for OWNER before sending them (one call per batch). Per address:
 *   none/q/p, or c/s of OWNER itself → claimed ("ok")
 *   s of a worker that is gone (its alive key expired) → claimed ("dup": it may have reached the
 *     server unrecorded; sending again may make a second copy, counted in counts.dup)
 *   c of a gone worker → claimed ("ok": a claim never reached the server)
 *   c/s of a live worker → "busy" (the caller waits and asks again)
 *   S/F/T/K → "settled" (never sent again)
 *   in the shared suppression list → skipped now ("suppressed"), whatever the batch said
 * Atomic: two workers given the same batch (a stalled job taken over while its first worker
 * still runs) cannot both claim one address.
 */
const CLAIM = `
local owner, now, alivePrefix = ARGV[1], ARGV[2], ARGV[3]
local out = {}
for i = 4, #ARGV do
  local key = ARGV[i]
  local old = redis.call('HGET', KEYS[1], key)
  local code, who, attempts = 'q', '', '0'
  if old then
    code, who, attempts = string.match(old, '^(.)|([^|]*)|([^|]*)|')
  end
  local answer
  if code == 'S' or code == 'F' or code == 'T' or code == 'K' then
    answer = 'settled'
  elseif redis.call('HEXISTS', KEYS[3], key) == 1 then
    redis.call('HSET', KEYS[1], key, 'K|' .. owner .. '|' .. attempts .. '|' .. now .. '|suppressed')
    if old then redis.call('HINCRBY', KEYS[2], code, -1) end
    redis.call('HINCRBY', KEYS[2], 'K', 1)
    answer = 'suppressed'
  elseif (code == 'c' or code == 's') and who ~= owner and redis.call('EXISTS', alivePrefix .. who) == 1 then
    answer = 'busy'
  else
    answer = (code == 's' and who ~= owner) and 'dup' or 'ok'
    if answer == 'dup' then redis.call('HINCRBY', KEYS[2], 'dup', 1) end
    redis.call('HSET', KEYS[1], key, 'c|' .. owner .. '|' .. attempts .. '|' .. now .. '|')
    if old then redis.call('HINCRBY', KEYS[2], code, -1) end
    redis.call('HINCRBY', KEYS[2], 'c', 1)
  end
  out[#out + 1] = answer
end
return out
`;

/**
 * Record outcomes of OWNER (one call per group commit): ARGV = owner, then (key, line) pairs; a
 * line starting with X is a hard bounce for the shared suppression list (its DETAIL the JSON entry).
 * A record for an address OWNER no longer holds (its claim was taken over after this worker was
 * taken for gone) is refused, and nothing of this commit is written: returns the first such
 * address, or false. This is the fence that keeps a stalled worker from recording over another's.
 */
const RECORD = `
local owner = ARGV[1]
for i = 2, #ARGV, 2 do
  local line = ARGV[i + 1]
  if string.sub(line, 1, 1) ~= 'X' then
    local old = redis.call('HGET', KEYS[1], ARGV[i])
    if not old or string.match(old, '^.|([^|]*)|') ~= owner then return ARGV[i] end
  end
end
for i = 2, #ARGV, 2 do
  local key, line = ARGV[i], ARGV[i + 1]
  local code = string.sub(line, 1, 1)
  if code == 'X' then
    redis.call('HSETNX', KEYS[3], key, string.sub(line, 3))
  else
    local old = redis.call('HGET', KEYS[1], key)
    redis.call('HSET', KEYS[1], key, line)
    redis.call('HINCRBY', KEYS[2], string.sub(old, 1, 1), -1)
    redis.call('HINCRBY', KEYS[2], code, 1)
  end
end
return false
`;

/** Mark recipients queued (enqueue): only addresses with no state yet; returns how many were new. */
const QUEUE = `
local now, added = ARGV[1], 0
for i = 2, #ARGV do
  if redis.call('HSETNX', KEYS[1], ARGV[i], 'q||0|' .. now .. '|') == 1 then added = added + 1 end
end
if added > 0 then redis.call('HINCRBY', KEYS[2], 'q', added) end
return added
`;

/**
 * Outcomes a local send recorded for this issue and list (its journal), copied in before the batches
 * (ARGV: key, line pairs, in the journal's order): an address with no state, queued, or imported
 * earlier takes the line; one a worker has touched keeps its own. So recipients the local send
 * reached are never sent again by the workers.
 */
const SETTLE = `
for i = 1, #ARGV, 2 do
  local key, line = ARGV[i], ARGV[i + 1]
  local old = redis.call('HGET', KEYS[1], key)
  local code, who = 'none', 'local'
  if old then code, who = string.match(old, '^(.)|([^|]*)|') end
  if code == 'none' or code == 'q' or who == 'local' then
    redis.call('HSET', KEYS[1], key, line)
    if old then redis.call('HINCRBY', KEYS[2], code, -1) end
    redis.call('HINCRBY', KEYS[2], string.sub(line, 1, 1), 1)
  end
end
return 1
`;

export type ClaimAnswer = 'ok' | 'dup' | 'busy' | 'settled' | 'suppressed';

interface StateCommands {
  nlClaim(state: string, counts: string, suppressed: string, ...args: string[]): Promise<ClaimAnswer[]>;
  nlRecord(state: string, counts: string, suppressed: string, ...args: string[]): Promise<string | null>;
  nlQueue(state: string, counts: string, ...args: string[]): Promise<number>;
  nlSettle(state: string, counts: string, ...args: string[]): Promise<number>;
}

/** The connection with the scripts defined (EVALSHA, loaded again by ioredis after a Redis restart). */
export function stateCommands(redis: Redis): Redis & StateCommands {
  if (!('nlClaim' in redis)) {
    redis.defineCommand('nlClaim', { numberOfKeys: 3, lua: CLAIM });
    redis.defineCommand('nlRecord', { numberOfKeys: 3, lua: RECORD });
    redis.defineCommand('nlQueue', { numberOfKeys: 2, lua: QUEUE });
    redis.defineCommand('nlSettle', { numberOfKeys: 2, lua: SETTLE });
  }
  return redis as Redis & StateCommands;
}

export async function claimRecipients(redis: Redis, keys: CampaignKeys, owner: string, addresses: readonly string[]): Promise<ClaimAnswer[]> {
  if (!addresses.length) return [];
  return stateCommands(redis).nlClaim(keys.state, keys.counts, SUPPRESSED_KEY, owner, String(Date.now()), aliveKey(''), ...addresses);
}

export async function queueRecipients(redis: Redis, keys: CampaignKeys, addresses: readonly string[]): Promise<number> {
  if (!addresses.length) return 0;
  return stateCommands(redis).nlQueue(keys.state, keys.counts, String(Date.now()), ...addresses);
}

/** Copy a local send's outcomes (sent, failed) into the campaign: see SETTLE. */
export async function settleFromJournal(redis: Redis, keys: CampaignKeys, records: readonly JournalRecord[]): Promise<void> {
  const args: string[] = [];
  for (const r of records) {
    if (r.s !== 'sent' && r.s !== 'failed') continue;
    const line = stateLine(r, 'local');
    if (line) args.push(r.e, line);
  }
  if (args.length) await stateCommands(redis).nlSettle(keys.state, keys.counts, ...args);
}

/** One field of a state line may not hold the separator or a line break. */
const clean = (text: string) => text.replace(/[|\r\n]+/g, ' ');

/** A journal record as a state line, or undefined for records the shared state does not keep (`run`). */
export function stateLine(record: JournalRecord, owner: string): string | undefined {
  const line = (code: StateCode, attempts: number, detail: string) => `${code}|${owner}|${attempts}|${record.t}|${clean(detail)}`;
  switch (record.s) {
    case 'sending':
      return line('s', record.n, '');
    case 'sent':
      return line('S', 0, record.r);
    case 'pending':
      return line('p', record.n, record.why);
    case 'failed':
      return line(record.k === 'permanent' ? 'F' : 'T', 0, JSON.stringify({ code: record.code, rc: record.rc, cmd: record.cmd, m: record.m, row: record.row }));
    case 'skipped':
      return line('K', 0, record.why);
    case 'suppress':
      // Not a state: the address goes to the shared suppression list, in the same commit as its `failed`.
      return `X|${JSON.stringify({ reason: 'bounced', source: record.why, at: new Date(record.t).toISOString() })}`;
    default:
      return undefined;
  }
}

/**
 * The delivery loop's journal in Redis: records made in the same tick go out as one script call
 * (a group commit, as the local journal's one write), which resolves once Redis has applied it.
 * With `appendfsync always` that is on Redis's disk too (README: what Redis must persist).
 * A record for an address this worker no longer holds fails the commit (see RECORD).
 */
export class RedisJournal implements DeliveryJournal {
  #batch: string[] = [];
  #commit: Promise<void> | undefined;
  #last: Promise<void> = Promise.resolve();
  /** The first commit that failed: every later flush() reports it (a batch must not complete over a lost record). */
  #failed: Error | undefined;
  /** Script calls made: the benchmark's round trips. */
  commits = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: CampaignKeys,
    private readonly owner: string,
    private readonly display: string,
  ) {}

  record(record: JournalRecord): Promise<void> {
    const line = stateLine(record, this.owner);
    if (line === undefined || !('e' in record)) return this.#last;
    this.#batch.push(record.e, line);
    this.#commit ??= this.#schedule();
    return this.#commit;
  }

  async flush(): Promise<void> {
    await (this.#commit ?? this.#last);
    if (this.#failed !== undefined) throw this.#failed;
  }

  #schedule(): Promise<void> {
    const run = new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        const args = this.#batch;
        this.#batch = [];
        this.#commit = undefined;
        this.commits++;
        stateCommands(this.redis)
          .nlRecord(this.keys.state, this.keys.counts, SUPPRESSED_KEY, this.owner, ...args)
          .then((lost) => (lost ? reject(lostClaim(lost)) : resolve()), (cause: unknown) => reject(recordFailed(this.display, cause)));
      });
    });
    // Commits apply in order on the one connection; flush() after the last waits for all.
    this.#last = run.catch((error: unknown) => {
      this.#failed ??= error instanceof Error ? error : new Error(String(error));
    });
    return run;
  }
}

function lostClaim(address: string): NewsletterError {
  return new NewsletterError('EQUEUE', `Another worker took over ${address}: this worker was taken for gone (its heartbeat was older than ${ALIVE_TTL_TEXT}: it stalled, or was out of touch with Redis that long); it stopped without recording over the other`, {
    where: address,
    fix: 'Nothing to do for the campaign: the other worker sends what this one held. Check why this worker stalled or lost Redis (CPU starvation, a paused VM, the network), then start it again.',
  });
}

function recordFailed(display: string, cause: unknown): NewsletterError {
  return new NewsletterError('EQUEUE', `Cannot record in Redis (${display}): ${(cause as Error).message}`, {
    where: '--queue',
    fix: 'Check Redis (running, reachable, not out of memory), then start the worker again: recipients in flight stay recorded as sending and are sent again, each counted as a possible duplicate.',
    cause,
  });
}
