/**
 * A campaign's creation in Redis and the worker's secret check (src/queue/campaign.ts), against a
 * real redis-server.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCampaign, readCampaign, secretCheckOf, secretMatches, type CampaignMeta } from '../../src/queue/campaign.ts';
import { CAMPAIGNS_KEY, campaignKeys } from '../../src/redis/index.ts';
import { SKIP_REDIS, startRedis, type RedisServer } from '../helpers/redis.ts';

const SECRET = 'a-long-enough-unsubscribe-secret-0123456789';

function metaOf(id: string, subject = 'March news'): Omit<CampaignMeta, 'enqueued' | 'total'> {
  return {
    id,
    issue: '2026-03-01-send-fixture',
    subject,
    list: 'subscribers.csv',
    created: new Date(1_700_000_000_000).toISOString(),
    rate: 50,
    batchSize: 100,
    status: 'active',
    issueHash: 'issue-hash',
    listHash: 'list-hash',
    // Stored and read back as JSON, never made into a message here: empty props and sender do.
    snapshot: {
      built: { props: {} as CampaignMeta['snapshot']['built']['props'], html: '<p>hi</p>', text: 'hi' },
      sender: {},
      secretCheck: 'scrypt$16384$00$00',
      dkim: null,
    },
  };
}

describe('secretCheckOf', () => {
  it('is salted: two checks of one secret differ, and both match it', () => {
    const a = secretCheckOf(SECRET);
    const b = secretCheckOf(SECRET);
    expect(a).toMatch(/^scrypt\$16384\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(secretMatches(a, SECRET)).toBe(true);
    expect(secretMatches(b, SECRET)).toBe(true);
  });

  it('does not match another secret, or a check of another form', () => {
    const check = secretCheckOf(SECRET);
    expect(secretMatches(check, `${SECRET}x`)).toBe(false);
    // The old 64-bit HMAC form, and an N that would take gigabytes: refused, not computed.
    expect(secretMatches('0123456789abcdef', SECRET)).toBe(false);
    expect(secretMatches(check.replace('$16384$', `$${2 ** 24}$`), SECRET)).toBe(false);
    expect(secretMatches(check.replace('$16384$', '$1000$'), SECRET)).toBe(false);
  });
});

describe.skipIf(SKIP_REDIS)('createCampaign', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
  });
  beforeEach(async () => {
    await redis.flushdb();
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('writes the whole meta and the campaign list entry, once', async () => {
    expect(await createCampaign(redis, metaOf('c1'))).toBe(true);
    expect(await readCampaign(redis, 'c1')).toMatchObject({ id: 'c1', subject: 'March news', rate: 50, batchSize: 100, status: 'active', enqueued: false, total: 0 });
    expect(await redis.zscore(CAMPAIGNS_KEY, 'c1')).toBe('1700000000000');
    // A second create changes nothing.
    expect(await createCampaign(redis, metaOf('c1', 'Other subject'))).toBe(false);
    expect((await readCampaign(redis, 'c1'))?.subject).toBe('March news');
  });

  it('enqueues racing on their own connections make one campaign, whole when each of them returns', async () => {
    const clients = Array.from({ length: 8 }, () => new Redis(server.url, { maxRetriesPerRequest: null }));
    try {
      // Many rounds: a window between two writes is hit only now and then.
      for (let round = 0; round < 30; round++) {
        const id = `race-${round}`;
        const results = await Promise.all(
          clients.map(async (client, i) => {
            const created = await createCampaign(client, metaOf(id, `subject ${i}`));
            // What the enqueue does next: read the campaign back (a meta without an id reads as none).
            return { created, read: await readCampaign(client, id) };
          }),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        const subjects = new Set(results.map((r) => r.read?.subject));
        expect(subjects.size).toBe(1);
        expect([...subjects][0]).toMatch(/^subject \d$/);
      }
      expect(await redis.zcard(CAMPAIGNS_KEY)).toBe(30);
    } finally {
      for (const c of clients) c.disconnect();
    }
  });

  it('a connection lost after its first command leaves no half-made campaign', async () => {
    // A stand-in for a crash: every call after the first one to reach Redis fails.
    let calls = 0;
    const dying = new Proxy(redis, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function' || name === 'then') return value;
        return (...args: unknown[]) => {
          if (calls++ >= 1) throw new Error('connection lost');
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    await createCampaign(dying, metaOf('cut')).catch(() => {});
    const meta = await redis.hgetall(campaignKeys('cut').meta);
    // Either nothing, or everything a reader needs.
    if (Object.keys(meta).length) expect(meta).toMatchObject({ id: 'cut', issue: '2026-03-01-send-fixture', status: 'active', batchSize: '100' });
    expect(Object.keys(meta).length === 0 || (await readCampaign(redis, 'cut')) !== undefined).toBe(true);
    expect(Object.keys(meta).length === 0).toBe((await redis.zscore(CAMPAIGNS_KEY, 'cut')) === null);
  });
});
