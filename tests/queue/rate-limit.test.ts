/**
 * The campaign-wide pacer against a real redis-server: several SharedPacers on separate connections
 * stand for several workers. Timing bounds are loose (a 1-second window may never hold more than
 * the rate; the overall pace is not trivially slow); speed itself is the benchmark's business.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNewsletterError } from '../../src/errors.ts';
import { SharedPacer, campaignInterval, maxLease, serverIdOf } from '../../src/queue/rate-limit.ts';
import { campaignKeys, throttleKey } from '../../src/redis/index.ts';
import { Pacer } from '../../src/send/pacer.ts';
import { SKIP_REDIS, startRedis, type RedisServer } from '../helpers/redis.ts';

const SERVER_X = serverIdOf('smtp-x.example', 587);
const SERVER_Y = serverIdOf('smtp-y.example', 587);

const connections: Redis[] = [];
function connect(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, ...options });
  redis.on('error', () => {});
  connections.push(redis);
  return redis;
}

/** A redis-server for the describe block it is called in (its connections closed and it stopped after). */
function ownRedis(): () => RedisServer {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const redis of connections.splice(0)) redis.disconnect();
    await server?.stop();
  });
  return () => server!;
}

let campaigns = 0;
/** A fresh campaign's rate key per test, so tests never share slots. */
const rateKey = () => campaignKeys(`rate-test-${++campaigns}`).rate;

/** The most events in any 1-second window [t, t + 1000) starting at an event. */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + 1000) end++;
    most = Math.max(most, end - start);
  }
  return most;
}

/** As the delivery loop paces a message: acquire() before the transaction, beforeAccept() before its end of DATA. */
async function paced(pacer: SharedPacer): Promise<boolean> {
  const ticket = await pacer.acquire();
  if (!ticket) return false;
  await pacer.beforeAccept(ticket);
  return true;
}

/** `acquirers` concurrent loops take `total` acquisitions from `pacer` between them; resolves with each one's time. */
async function drive(pacer: SharedPacer, acquirers: number, take: () => boolean, times: number[]): Promise<void> {
  await Promise.all(
    Array.from({ length: acquirers }, async () => {
      while (take()) {
        expect(await paced(pacer)).toBe(true);
        times.push(Date.now());
      }
    }),
  );
}

async function until(condition: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('campaignInterval and serverIdOf', () => {
  it('paces a little under the rate, and leases ~200 ms of slots at most', () => {
    expect(1000 / campaignInterval(40)).toBeLessThan(40);
    expect(1000 / campaignInterval(40)).toBeGreaterThan(0.9 * 40);
    // The margin is per second: a high rate stays close to its target too.
    expect(1000 / campaignInterval(1000)).toBeGreaterThan(0.9 * 1000);
    expect(maxLease(campaignInterval(1000))).toBe(16);
    expect(maxLease(campaignInterval(40)) * campaignInterval(40)).toBeLessThanOrEqual(200);
    expect(maxLease(campaignInterval(1))).toBe(1);
  });

  it('names a server the same way whatever the case of its host, and different servers differently', () => {
    expect(serverIdOf('SMTP-X.example', 587)).toBe(SERVER_X);
    expect(SERVER_X).toMatch(/^[0-9a-f]{16}$/);
    expect(serverIdOf('smtp-x.example', 465)).not.toBe(SERVER_X);
    expect(SERVER_Y).not.toBe(SERVER_X);
  });
});

describe.skipIf(SKIP_REDIS)('SharedPacer with a real Redis', () => {
  const redisServer = ownRedis();
  let server: RedisServer;
  beforeAll(() => {
    server = redisServer();
  });

  it('holds the campaign rate across three workers: no 1-second window over it, and not trivially slow', async () => {
    const rate = 40;
    const key = rateKey();
    const workers = [0, 1, 2].map(() => new SharedPacer(new Pacer(), { redis: connect(server.url), rateKey: key, rate, server: SERVER_X }));
    let left = 120;
    const take = () => left-- > 0;
    const times: number[][] = [[], [], []];
    await Promise.all(workers.map((pacer, i) => drive(pacer, 6, take, times[i]!)));

    const all = times.flat();
    expect(all).toHaveLength(120);
    expect(busiestSecond(all)).toBeLessThanOrEqual(rate);
    const span = (Math.max(...all) - Math.min(...all)) / 1000;
    expect((all.length - 1) / span).toBeGreaterThanOrEqual(0.8 * rate);
    // Every worker had its share: the slots go round, not to whoever asked first.
    for (const own of times) expect(own.length).toBeGreaterThan(10);
  });

  it('waits for the campaign rate before the transaction, not at its end of DATA: 15 connections at 5/s hold DATA briefly', async () => {
    const key = rateKey();
    const workers = [0, 1, 2].map(() => new SharedPacer(new Pacer(), { redis: connect(server.url), rateKey: key, rate: 5, server: SERVER_X }));
    let left = 30;
    const holds: number[] = [];
    await Promise.all(
      workers.flatMap((pacer) =>
        Array.from({ length: 5 }, async () => {
          while (left-- > 0) {
            const ticket = await pacer.acquire();
            expect(ticket).toBeTruthy();
            // The transaction: MAIL, RCPT, DATA.
            await new Promise((resolve) => setTimeout(resolve, 50));
            const atEnd = Date.now();
            await pacer.beforeAccept(ticket);
            holds.push(Date.now() - atEnd);
          }
        }),
      ),
    );
    // Waiting at the end of DATA for 15 connections' worth of slots would hold each ~3 s (15 × 210 ms),
    // past servers' and nodemailer's timeouts at lower rates; it is about one transaction at most.
    expect(Math.max(...holds)).toBeLessThan(1000);
  });

  it('leases slots at a high rate: at most one Redis call per four messages', async () => {
    const pacer = new SharedPacer(new Pacer(), { redis: connect(server.url), rateKey: rateKey(), rate: 1000, server: SERVER_X });
    let left = 400;
    const times: number[] = [];
    await drive(pacer, 6, () => left-- > 0, times);
    expect(times).toHaveLength(400);
    expect(pacer.roundTrips / 400).toBeLessThanOrEqual(0.25);
  });

  it('without a campaign rate, reads the throttle at most every 250 ms, not per message', async () => {
    const pacer = new SharedPacer(new Pacer(), { redis: connect(server.url), rateKey: rateKey(), rate: undefined, server: SERVER_Y });
    const started = Date.now();
    for (let i = 0; i < 500; i++) expect(await pacer.acquire()).toBe(true);
    const elapsed = Date.now() - started;
    expect(pacer.roundTrips).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 250));
    expect(pacer.roundTrips).toBeLessThan(500 / 10);
  });

  it('a throttle heard by one worker holds the workers on the same server until it ends, and only those', async () => {
    const x = throttleKey(SERVER_X);
    const probe = connect(server.url);
    await probe.del(x);
    // A long pause (3 s ± 20%), so "not held" below has room on a loaded machine.
    const a = new SharedPacer(new Pacer({ throttleBaseMs: 3000 }), { redis: connect(server.url), rateKey: rateKey(), rate: undefined, server: SERVER_X });
    expect(await a.acquire()).toBe(true);
    // The local pacer pauses; A publishes its resume time for the others.
    const resume = a.throttled();
    expect(resume - Date.now()).toBeGreaterThan(2000);
    await until(async () => (await probe.get(x)) !== null);

    const sameServer = new SharedPacer(new Pacer(), { redis: connect(server.url), rateKey: rateKey(), rate: undefined, server: SERVER_X });
    const sameServerRated = new SharedPacer(new Pacer(), { redis: connect(server.url), rateKey: rateKey(), rate: 40, server: SERVER_X });
    const otherServer = new SharedPacer(new Pacer(), { redis: connect(server.url), rateKey: rateKey(), rate: 40, server: SERVER_Y });
    const resolvedAt = (pacer: SharedPacer) => paced(pacer).then((ok) => (expect(ok).toBe(true), Date.now()));
    const [b, bRated, c] = await Promise.all([resolvedAt(sameServer), resolvedAt(sameServerRated), resolvedAt(otherServer)]);

    expect(b).toBeGreaterThanOrEqual(resume - 50);
    expect(bRated).toBeGreaterThanOrEqual(resume - 50);
    expect(c).toBeLessThan(resume - 1500);
    expect(a.publishFailures).toBe(0);
  });

  it('a shorter throttle published later does not cut short the one in force', async () => {
    const x = throttleKey(SERVER_X);
    const probe = connect(server.url);
    await probe.del(x);
    const long = new SharedPacer(new Pacer({ throttleBaseMs: 3000 }), { redis: connect(server.url), rateKey: rateKey(), rate: undefined, server: SERVER_X });
    long.throttled();
    await until(async () => (await probe.get(x)) !== null);
    const stored = await probe.get(x);
    const ttl = await probe.pttl(x);
    expect(ttl).toBeGreaterThan(1000);

    const short = new SharedPacer(new Pacer({ throttleBaseMs: 200 }), { redis: connect(server.url), rateKey: rateKey(), rate: undefined, server: SERVER_X });
    short.throttled();
    // The publish is fire-and-forget: a call on the same connection behind it shows it has landed.
    await until(async () => short.roundTrips === 1 && (await probe.ping()) === 'PONG');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await probe.get(x)).toBe(stored);
    expect(short.publishFailures).toBe(0);
    await probe.del(x);
  });

  it('resolves false soon after an abort while waiting out a throttle another worker published', async () => {
    const probe = connect(server.url);
    await probe.del(throttleKey(SERVER_Y));
    const a = new SharedPacer(new Pacer(), { redis: connect(server.url), rateKey: rateKey(), rate: undefined, server: SERVER_Y });
    expect(await a.acquire()).toBe(true);
    a.throttled();
    await until(async () => (await probe.get(throttleKey(SERVER_Y))) !== null);
    const b = new SharedPacer(new Pacer(), { redis: connect(server.url), rateKey: rateKey(), rate: undefined, server: SERVER_Y });
    const controller = new AbortController();
    const waiting = b.acquire(controller.signal);
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    expect(await waiting).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    await probe.del(throttleKey(SERVER_Y));
  });

  it('reserves the slot in acquire, which returns about a transaction before it; beforeAccept waits out the rest', async () => {
    // 0.5 msgs/s: the second slot is ~2.1 s after the first.
    const pacer = new SharedPacer(new Pacer(), { redis: connect(server.url), rateKey: rateKey(), rate: 0.5, server: SERVER_X });
    expect(await paced(pacer)).toBe(true);
    const started = Date.now();
    const ticket = await pacer.acquire();
    expect(ticket).toMatchObject({ slot: expect.any(Number) });
    const acquired = Date.now() - started;
    // Not at once (the slot is 2 s away), and not at the slot either: a transaction's length before it.
    expect(acquired).toBeGreaterThan(1000);
    await pacer.beforeAccept(ticket);
    const accepted = Date.now() - started;
    expect(accepted).toBeGreaterThanOrEqual(1900);
    expect(accepted - acquired).toBeLessThanOrEqual(2100);
  });
});

describe.skipIf(SKIP_REDIS)('SharedPacer when Redis goes away', () => {
  const redisServer = ownRedis();
  let server: RedisServer;
  beforeAll(() => {
    server = redisServer();
  });

  it('rejects with EQUEUE when Redis is down and the connection gives up', async () => {
    // The workers' connections wait through a restart (maxRetriesPerRequest null); one that gives up
    // after a retry shows what the pacer does with a Redis error.
    const redis = connect(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    const pacer = new SharedPacer(new Pacer(), { redis, rateKey: rateKey(), rate: 1, server: SERVER_X });
    expect(await pacer.acquire()).toBeTruthy();
    await server.kill();
    try {
      // Past the 250 ms the last reading of the throttle is trusted for.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const error: unknown = await pacer.acquire().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isNewsletterError(error) && error.code).toBe('EQUEUE');
      expect(isNewsletterError(error) && error.where).toBe('--queue');
    } finally {
      await server.restart();
    }
  });

  it('waits through a restart (abortable meanwhile), then paces again with the script reloaded', async () => {
    const redis = connect(server.url, { retryStrategy: () => 100 });
    const key = rateKey();
    const pacer = new SharedPacer(new Pacer(), { redis, rateKey: key, rate: 1000, server: SERVER_X });
    expect(await pacer.acquire()).toBeTruthy();
    await server.kill();
    await new Promise((resolve) => setTimeout(resolve, 300));

    const controller = new AbortController();
    const stuck = pacer.acquire(controller.signal);
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    expect(await stuck).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);

    await server.restart();
    // A fresh pacer on the same connection: Redis lost its script cache (EVALSHA → NOSCRIPT → EVAL).
    const again = new SharedPacer(new Pacer(), { redis, rateKey: key, rate: 1000, server: SERVER_X });
    for (let i = 0; i < 20; i++) expect(await paced(again)).toBe(true);
  });
});
