import type { Redis } from 'ioredis';
import { AddressIndex } from '../audience/index.ts';
import { NewsletterError } from '../errors.ts';
import { CAMPAIGNS_KEY, campaignKeys } from '../redis/index.ts';

/** A Redis holding campaigns sent with `send --queue` (the CLI connects; bounces only reads). */
export interface CampaignStore {
  redis: Redis;
  /** The URL without its password, for messages. */
  display: string;
}

/** One campaign: the issue it sends, and the hash with each recipient's state line. */
export interface StoredCampaign {
  id: string;
  slug: string;
  /** Its `state` hash key: lowercased address → `CODE|OWNER|ATTEMPTS|TIME|DETAIL` (src/queue/state.ts). */
  stateKey: string;
}

/** HSCAN's COUNT: a thousand fields a round trip, so a million recipients stream through in a thousand replies. */
const SCAN_COUNT = 1000;

/** Every campaign in the store with the issue its meta names, oldest first. */
export async function storedCampaigns(store: CampaignStore, onProblem: (where: string, why: string) => void): Promise<StoredCampaign[]> {
  return reading(store, 'the campaign list', async () => {
    const ids = await store.redis.zrange(CAMPAIGNS_KEY, 0, -1);
    if (!ids.length) return [];
    const pipe = store.redis.pipeline();
    for (const id of ids) pipe.hget(campaignKeys(id).meta, 'issue');
    const issues = (await pipe.exec()) ?? [];
    const campaigns: StoredCampaign[] = [];
    for (const [i, id] of ids.entries()) {
      const [error, slug] = issues[i] ?? [new Error('no reply')];
      if (error) throw error;
      if (typeof slug === 'string' && slug) campaigns.push({ id, slug, stateKey: campaignKeys(id).state });
      else onProblem(`campaign ${id} in ${store.display}`, 'its meta hash names no issue: its recipients are not read');
    }
    return campaigns;
  });
}

/**
 * Every address the campaign mailed, each once, streamed from its state hash with HSCAN (HSCAN
 * may return a field twice while Redis rehashes the hash, hence the `seen` index).
 */
export async function eachCampaignAddress(store: CampaignStore, campaign: StoredCampaign, visit: (email: string) => void): Promise<void> {
  const seen = new AddressIndex(1024);
  await reading(store, `campaign ${campaign.id}`, async () => {
    let cursor = '0';
    do {
      const [next, flat] = await store.redis.hscan(campaign.stateKey, cursor, 'COUNT', SCAN_COUNT);
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const email = flat[i]!;
        if (!wasMailed(flat[i + 1]!) || seen.has(email)) continue;
        seen.add(email, 1);
        visit(email);
      }
      cursor = next;
    } while (cursor !== '0');
  });
}

/** States whose line means a message was handed to a server: sending, sent, failed (permanently or transiently). */
const MAILED_CODES = new Set(['s', 'S', 'F', 'T']);

/**
 * Whether a state line counts as mailed, as the local journal counts an address with a `sending`,
 * `sent` or `failed` record. Redis keeps only the latest state, so an address deferred (p), claimed
 * again for its retry (c) or suppressed before it (K) after an attempt counts by its ATTEMPTS field:
 * the journal would still hold that attempt's `sending` record.
 */
export function wasMailed(line: string): boolean {
  if (MAILED_CODES.has(line.charAt(0))) return true;
  const attempts = Number(line.split('|', 3)[2]);
  return attempts > 0;
}

/** A Redis read, its failure named with the store and the fix (nothing has been read from the mailbox yet, or the run stops). */
async function reading<T>(store: CampaignStore, what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (cause) {
    throw new NewsletterError('EQUEUE', `Cannot read ${what} from Redis at ${store.display}: ${(cause as Error).message}`, {
      where: '--queue',
      fix: 'Check that Redis is running and reachable, then run the same command again; the messages not yet processed stay where they are.',
      cause,
    });
  }
}
