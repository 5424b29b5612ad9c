import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { NewsletterError } from '../errors.ts';
import { BULL_PREFIX, CAMPAIGNS_KEY, bullQueueName, campaignKeys } from '../redis/index.ts';

/**
 * `newsletter pause | resume | cancel`: a campaign's `meta.status` (which every worker watches:
 * paused = finish the messages in flight, take no more) and its BullMQ queue (so no worker even
 * picks up a batch). Cancel is final: the waiting and delayed batches are removed.
 */

export type CampaignState = 'active' | 'paused' | 'cancelled';

/** What a control command did: the status before and after (equal when there was nothing to do). */
export interface ControlResult {
  id: string;
  before: CampaignState;
  after: CampaignState;
}

/** Campaign ids listed in an error before "and N more". */
const LISTED = 10;

/**
 * What to do about the recipients a cancelled campaign did not reach. Not "enqueue the issue as a new
 * campaign": a new campaign of the same list mails everyone again, those already sent included.
 */
export function unsentAdvice(id: string, queue = 'URL'): string {
  return `Enqueueing this issue again as a new campaign would mail everyone on the list again, including those already sent. To reach only those not sent: \`newsletter status --queue ${queue} --campaign ${id} --unsent unsent.csv\` writes their addresses (only the addresses: join your list's other columns back if the issue uses them), then \`newsletter send ISSUE --to unsent.csv --queue ${queue}\`.`;
}

const ENQUEUE_FIX = 'Enqueue one with `newsletter send ISSUE --to LIST --queue URL`, or check the --queue URL (host, port and database number).';

/** "a, b, c and 7 more": campaign ids for a message, newest first. */
function listed(ids: string[]): string {
  return ids.slice(0, LISTED).join(', ') + (ids.length > LISTED ? ` and ${ids.length - LISTED} more` : '');
}

/**
 * The campaign a command works on: the one given with --campaign (it must exist), or else the
 * newest in CAMPAIGNS_KEY, unless `required` names a command too final to guess for (cancel): then
 * --campaign is a must, and the error lists the campaigns that exist.
 * `display` names the Redis in messages (the --queue URL without its password).
 */
export async function findCampaign(redis: Redis, id?: string, display?: string, required?: string): Promise<string> {
  const place = display ? `Redis at ${display}` : 'Redis';
  if (id === undefined) {
    const known = await redis.zrevrange(CAMPAIGNS_KEY, 0, required ? -1 : 0);
    if (known[0] === undefined) throw new NewsletterError('EUSAGE', `No campaign in ${place}`, { where: '--queue', fix: ENQUEUE_FIX });
    if (required)
      throw new NewsletterError('EUSAGE', `${required} needs --campaign: it is final, so it does not default to the newest campaign. Campaigns in ${place} (newest first): ${listed(known)}`, {
        where: '--campaign',
        fix: `Name the one to ${required}, e.g. \`newsletter ${required} --queue URL --campaign ${known[0]}\` (check it first with \`newsletter status --queue URL --campaign ID\`).`,
      });
    return known[0];
  }
  if ((await redis.exists(campaignKeys(id).meta)) === 1) return id;
  const known = await redis.zrevrange(CAMPAIGNS_KEY, 0, -1);
  if (!known.length) throw new NewsletterError('EUSAGE', `No campaign ${JSON.stringify(id)} in ${place}, nor any other`, { where: '--campaign', fix: ENQUEUE_FIX });
  throw new NewsletterError('EUSAGE', `No campaign ${JSON.stringify(id)} in ${place}; these exist (newest first): ${listed(known)}`, {
    where: '--campaign',
    fix: required ? 'Pass one of them with --campaign.' : `Pass one of them with --campaign, or leave --campaign out for the newest (${known[0]}).`,
  });
}

/**
 * Set meta.status unless the campaign is cancelled, in one step: a pause racing a cancel must
 * not bring a cancelled campaign back. Returns the status before ('' when the campaign is gone).
 */
const SET_STATUS = `
local before = redis.call('HGET', KEYS[1], 'status')
if not before then return '' end
if before ~= 'cancelled' or ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'status', ARGV[1]) end
return before`;

async function setStatus(redis: Redis, id: string, status: CampaignState): Promise<CampaignState> {
  const before = (await redis.eval(SET_STATUS, 1, campaignKeys(id).meta, status, status === 'cancelled' ? '1' : '0')) as string;
  if (before === '') throw new NewsletterError('EUSAGE', `Campaign ${id} has no settings in Redis (was it deleted?)`, { where: '--campaign', fix: ENQUEUE_FIX });
  return before === 'paused' || before === 'cancelled' ? before : 'active';
}

/** The BullMQ queue of a campaign on this connection (closing it leaves the connection open). */
async function withQueue<T>(redis: Redis, id: string, use: (queue: Queue) => Promise<T>): Promise<T> {
  const queue = new Queue(bullQueueName(id), { connection: redis, prefix: BULL_PREFIX });
  try {
    return await use(queue);
  } finally {
    await queue.close();
  }
}

function cancelledError(id: string, verb: string): NewsletterError<'EQUEUE'> {
  return new NewsletterError('EQUEUE', `Campaign ${id} was cancelled; a cancelled campaign cannot be ${verb}`, {
    where: '--campaign',
    reason: 'campaignConflict',
    fix: `Cancel is final. ${unsentAdvice(id)}`,
  });
}

/** Workers finish the messages in flight and take no more until resumed. */
export async function pauseCampaign(redis: Redis, id: string): Promise<ControlResult> {
  const before = await setStatus(redis, id, 'paused');
  if (before === 'cancelled') throw cancelledError(id, 'paused');
  // Also when it was paused already: a pause that stopped between its two steps is completed.
  await withQueue(redis, id, (queue) => queue.pause());
  return { id, before, after: 'paused' };
}

export async function resumeCampaign(redis: Redis, id: string): Promise<ControlResult> {
  const before = await setStatus(redis, id, 'active');
  if (before === 'cancelled') throw cancelledError(id, 'resumed');
  await withQueue(redis, id, (queue) => queue.resume());
  return { id, before, after: 'active' };
}

/**
 * Final: the status first (workers stop taking recipients), then the queue paused, so a batch
 * or retry added by a worker in the same moment is never picked up, then the waiting and delayed
 * batches removed. The recipients they held stay recorded as not sent.
 */
export async function cancelCampaign(redis: Redis, id: string): Promise<ControlResult> {
  const before = await setStatus(redis, id, 'cancelled');
  await withQueue(redis, id, async (queue) => {
    await queue.pause();
    await queue.drain(true);
  });
  return { id, before, after: 'cancelled' };
}
