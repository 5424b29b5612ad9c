/**
 * The per-recipient state scripts against a real Redis: who may claim an address, and the fence
 * that keeps a worker taken for gone from recording over the one that took its batch over.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNewsletterError } from '../../src/errors.ts';
import { claimRecipients, queueRecipients, RedisJournal } from '../../src/queue/state.ts';
import { aliveKey, campaignKeys, SUPPRESSED_KEY } from '../../src/redis/index.ts';
import { SKIP_REDIS, startRedis, type RedisServer } from '../helpers/redis.ts';

describe.skipIf(SKIP_REDIS)('campaign state in Redis', () => {
  let server: RedisServer;
  let redis: Redis;
  let n = 0;
  const fresh = () => campaignKeys(`state-test-${++n}`);
  const counts = async (keys: ReturnType<typeof campaignKeys>) => Object.fromEntries(Object.entries(await redis.hgetall(keys.counts)).map(([k, v]) => [k, Number(v)]));
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('queues each address once, however often the enqueue runs', async () => {
    const keys = fresh();
    expect(await queueRecipients(redis, keys, ['a@x.test', 'b@x.test'])).toBe(2);
    expect(await queueRecipients(redis, keys, ['a@x.test', 'b@x.test', 'c@x.test'])).toBe(1);
    expect(await counts(keys)).toEqual({ q: 3 });
  });

  it('a claimed or sending address of a live worker is busy for another; of a gone worker it is taken over, a sending one counted as a possible duplicate', async () => {
    const keys = fresh();
    await queueRecipients(redis, keys, ['a@x.test', 'b@x.test']);
    // Expires by itself: a failure below must not leave w1 "alive" for the next test.
    await redis.set(aliveKey('w1'), '1', 'PX', 10_000);
    expect(await claimRecipients(redis, keys, 'w1', ['a@x.test', 'b@x.test'])).toEqual(['ok', 'ok']);
    const journal = new RedisJournal(redis, keys, 'w1', 'test');
    await journal.record({ s: 'sending', e: 'a@x.test', n: 1, t: Date.now() });
    expect(await claimRecipients(redis, keys, 'w2', ['a@x.test', 'b@x.test'])).toEqual(['busy', 'busy']);
    await redis.del(aliveKey('w1'));
    expect(await claimRecipients(redis, keys, 'w2', ['a@x.test', 'b@x.test'])).toEqual(['dup', 'ok']);
    expect(await counts(keys)).toMatchObject({ q: 0, c: 2, s: 0, dup: 1 });
  });

  it('never hands out a settled address again, and skips one suppressed since the enqueue', async () => {
    const keys = fresh();
    await queueRecipients(redis, keys, ['a@x.test', 'b@x.test']);
    await claimRecipients(redis, keys, 'w1', ['a@x.test']);
    const journal = new RedisJournal(redis, keys, 'w1', 'test');
    await journal.record({ s: 'sending', e: 'a@x.test', n: 1, t: Date.now() });
    await journal.record({ s: 'sent', e: 'a@x.test', r: '250 ok', t: Date.now() });
    await redis.hset(SUPPRESSED_KEY, 'b@x.test', '{}');
    expect(await claimRecipients(redis, keys, 'w2', ['a@x.test', 'b@x.test'])).toEqual(['settled', 'suppressed']);
    expect(await counts(keys)).toMatchObject({ S: 1, K: 1, q: 0, c: 0, s: 0 });
    expect(await redis.hget(keys.state, 'a@x.test')).toMatch(/^S\|w1\|0\|\d+\|250 ok$/);
    await redis.hdel(SUPPRESSED_KEY, 'b@x.test');
  });

  it('refuses, whole, a commit for an address another worker took over (the fence)', async () => {
    const keys = fresh();
    await queueRecipients(redis, keys, ['a@x.test', 'b@x.test']);
    await claimRecipients(redis, keys, 'w1', ['a@x.test', 'b@x.test']);
    // w1 is taken for gone; w2 claims b.
    await claimRecipients(redis, keys, 'w2', ['b@x.test']);
    const stale = new RedisJournal(redis, keys, 'w1', 'test');
    const both = [stale.record({ s: 'sending', e: 'a@x.test', n: 1, t: 1 }), stale.record({ s: 'sending', e: 'b@x.test', n: 1, t: 1 })];
    const errors = await Promise.all(both.map((p) => p.then(() => undefined, (e: unknown) => e)));
    for (const e of errors) expect(isNewsletterError(e) && e.code).toBe('EQUEUE');
    expect(String((errors[0] as Error).message)).toMatch(/Another worker took over b@x\.test/);
    // Nothing of the refused commit was written: a is still claimed by w1, not sending.
    expect(await redis.hget(keys.state, 'a@x.test')).toMatch(/^c\|w1\|/);
    expect(await counts(keys)).toEqual({ q: 0, c: 2 });
  });

  it('a hard bounce goes to the shared suppression list in the same commit as its failure', async () => {
    const keys = fresh();
    await queueRecipients(redis, keys, ['gone@x.test']);
    await claimRecipients(redis, keys, 'w1', ['gone@x.test']);
    const journal = new RedisJournal(redis, keys, 'w1', 'test');
    await Promise.all([
      journal.record({ s: 'failed', e: 'gone@x.test', k: 'permanent', code: 'EENVELOPE', rc: 550, m: '550 5.1.1 no such user', row: 2, t: 1 }),
      journal.record({ s: 'suppress', e: 'gone@x.test', why: 'send: 550 5.1.1', t: 1 }),
    ]);
    expect(journal.commits).toBe(1);
    expect(JSON.parse((await redis.hget(SUPPRESSED_KEY, 'gone@x.test'))!)).toMatchObject({ reason: 'bounced', source: 'send: 550 5.1.1' });
    expect(await counts(keys)).toMatchObject({ F: 1, c: 0 });
  });
});
