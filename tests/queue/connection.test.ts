/**
 * The --queue URL and the first connection (src/redis/connection.ts) against a real redis-server:
 * a database beyond the server's range, and what each kind of failed connection says.
 */
import { rejection } from '../helpers/errors.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewsletterError } from '../../src/errors.ts';
import { connectRedis, parseQueueUrl } from '../../src/redis/index.ts';
import { freePort } from '../helpers/postfix.ts';
import { SKIP_REDIS, startRedis, type RedisServer } from '../helpers/redis.ts';


describe('parseQueueUrl', () => {
  it('takes any database number: a server can be configured with more than 16', () => {
    expect(parseQueueUrl('redis://127.0.0.1:6379/20')).toMatchObject({ db: 20, hasPassword: false });
    expect(parseQueueUrl('redis://127.0.0.1:6379')).toMatchObject({ db: 0 });
  });

  it.each(['redis://127.0.0.1:6379/x', 'redis://127.0.0.1:6379/-1', 'redis://127.0.0.1:6379/1.5'])('refuses %s: not a database number', (url) => {
    const e = (() => {
      try {
        parseQueueUrl(url);
      } catch (error) {
        return error as NewsletterError;
      }
      throw new Error('expected an error');
    })();
    expect(e.code).toBe('EUSAGE');
    expect(e.message).toMatch(/the database must be a number \(0–15 on a default server\)/);
  });

  it.each([
    ['the user info', 'redis://:s3cret@10.0.0.5:6379/0', 'redis://:***@10.0.0.5:6379/0'],
    ['the query string', 'redis://10.0.0.5:6379/0?password=s3cret', 'redis://10.0.0.5:6379/0?password=***'],
    ['both, with another parameter kept', 'rediss://user:s3cret@10.0.0.5:6380/2?family=4&password=s3cret', 'rediss://user:***@10.0.0.5:6380/2?family=4&password=***'],
  ])('hides a password in %s from display', (_, url, display) => {
    const q = parseQueueUrl(url);
    expect(q.display).toBe(display);
    expect(q.display).not.toContain('s3cret');
    expect(q.hasPassword).toBe(true);
    expect(q.url).toBe(url);
  });
});

describe.skipIf(SKIP_REDIS)('connectRedis against a real redis-server', () => {
  let server: RedisServer;
  let locked: RedisServer;

  beforeAll(async () => {
    [server, locked] = await Promise.all([startRedis(), startRedis({ password: 'right-password' })]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), locked?.stop()]);
  });

  it('works in the database the URL names', async () => {
    const redis = await connectRedis(parseQueueUrl(`redis://127.0.0.1:${server.port}/3`), { name: 'db-test' });
    try {
      await redis.set('where', 'three');
      const plain = await connectRedis(parseQueueUrl(`redis://127.0.0.1:${server.port}/0`), { name: 'db-test-0' });
      expect(await plain.get('where')).toBeNull();
      plain.disconnect();
    } finally {
      redis.disconnect();
    }
  });

  it('a database beyond the server’s range is an error naming its `databases`, not a silent db 0', async () => {
    const e = await rejection(connectRedis(parseQueueUrl(`redis://127.0.0.1:${server.port}/16`), { name: 'db-test' }));
    expect(e.code).toBe('EQUEUE');
    expect(e.message).toBe(`Cannot use the Redis queue at redis://127.0.0.1:${server.port}/16: database 16 does not exist on 127.0.0.1:${server.port} (it has \`databases\` 16: 0–15)`);
    expect(e.fix).toMatch(/Use a database number below 16 in the URL/);
  });

  it.each([
    ['a refused port', async () => `redis://127.0.0.1:${await freePort()}/0`, /ECONNREFUSED/],
    ['a wrong password', () => `redis://:wrong-password@127.0.0.1:${locked.port}/0`, /WRONGPASS/],
    ['a wrong password in the query string', () => `redis://127.0.0.1:${locked.port}/0?password=wrong-password`, /WRONGPASS/],
    ['no password for a server that wants one', () => `redis://127.0.0.1:${locked.port}/0`, /NOAUTH/],
  ] as const)('%s: the message says why, not just "Connection is closed."', async (_, url, why) => {
    const e = await rejection(connectRedis(parseQueueUrl(await url()), { name: 'fail-test' }));
    expect(e.code).toBe('EQUEUE');
    expect(e.message).toMatch(why);
    expect(e.message).not.toContain('Connection is closed');
    expect(e.message).not.toContain('wrong-password');
  });

  it('TLS against a plain port: the timeout says to try redis://', { timeout: 30_000 }, async () => {
    const e = await rejection(connectRedis(parseQueueUrl(`rediss://127.0.0.1:${server.port}/0`), { name: 'tls-test' }));
    expect(e.message).toMatch(/ETIMEDOUT.*if this port serves plain Redis, use redis:\/\/ instead of rediss:\/\//);
  });

  it('a password in the query string works like one in the user info', async () => {
    const redis = await connectRedis(parseQueueUrl(`redis://127.0.0.1:${locked.port}/0?password=right-password`), { name: 'query-pass' });
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();
  });
});
