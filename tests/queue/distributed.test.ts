/**
 * The distributed send end to end: `send --queue` into a real redis-server (AOF on, appendfsync
 * always), `newsletter worker` child processes sending to an SMTP sink in its own process, every
 * delivery counted by the sink. The duplicate counts of the kill tests are printed for the closing note.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { startRedis, SKIP_REDIS, type RedisServer } from '../helpers/redis.ts';
import { startSinkProcess, type SinkProcess } from '../helpers/sink-process.ts';
import { startSmtpTestServer } from '../helpers/smtp-test-server.ts';
import { SUPPRESSED_KEY } from '../../src/redis/index.ts';
import { ISSUE, stateWithSuppression } from '../send/helpers.ts';
import { campaignCounts, CONTENT, deliveryReport, enqueue, project, queueEnv, startWorker, waitFor, workerField } from './helpers.ts';

describe.skipIf(SKIP_REDIS)('send --queue and newsletter worker', () => {
  let redis: RedisServer;
  const sinks: SinkProcess[] = [];
  /** A sink of its own per test, so its counts are that test's alone. */
  const sink = async (options: Parameters<typeof startSinkProcess>[0] = {}) => {
    const s = await startSinkProcess(options);
    sinks.push(s);
    return s;
  };
  /** A Redis database of its own per test (the same server): campaigns never meet. */
  let db = 0;
  const dbUrl = () => redis.url.replace(/\/0$/, `/${++db}`);

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const s of sinks) await s.remove();
    await redis?.stop();
  });

  it('three workers deliver 10,000 recipients exactly once', { timeout: 180_000 }, async () => {
    const s = await sink();
    const url = dbUrl();
    const p = await project(10_000);
    const enq = await enqueue(p, url);
    expect(enq.code, enq.stderr + enq.stdout).toBe(0);
    expect(enq.stdout).toMatch(/added\s+10000 recipients in 50 batches/);
    const workers = [1, 2, 3].map((i) => startWorker(p.dir, url, s.port, ['--id', `w${i}`]));
    const results = await Promise.all(workers.map((w) => w.done));
    for (const r of results) expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(deliveryReport(await s.counts(), 10_000)).toEqual({ missing: [], duplicates: 0, extra: [] });
    const counts = await campaignCounts(url);
    expect(counts).toMatchObject({ S: 10_000, q: 0, c: 0, s: 0, p: 0 });
    // The work was shared: each worker sent some.
    for (const r of results) expect(Number(/sent\s+(\d+)/.exec(r.stdout)?.[1])).toBeGreaterThan(0);
  });

  it('a worker killed with SIGKILL mid-run: its batches are taken over, everyone is delivered, duplicates ≤ its concurrency', { timeout: 180_000 }, async () => {
    const s = await sink({ delayMs: 5 });
    const url = dbUrl();
    const p = await project(3_000);
    expect((await enqueue(p, url)).code).toBe(0);
    const workers = [1, 2, 3].map((i) => startWorker(p.dir, url, s.port, ['--id', `k${i}`, '--concurrency', '5']));
    // k1 is killed while it holds work: it has sent some (so it has batches and claims in hand).
    await waitFor(async () => Number(await workerField(url, 'k1', 'sent')) >= 50 && (await s.deliveries()).length >= 600, 60_000, 'k1 sending');
    workers[0]!.child.kill('SIGKILL');
    const results = await Promise.all(workers.slice(1).map((w) => w.done));
    for (const r of results) expect(r.code, r.stderr + r.stdout).toBe(0);
    const report = deliveryReport(await s.counts(), 3_000);
    const counts = await campaignCounts(url);
    // k1 died holding work (it never said `stopped`); the others took its batches over.
    expect(await workerField(url, 'k1', 'state')).not.toBe('stopped');
    console.log(`kill a worker: ${report.duplicates} duplicates (bound 5), ${counts.dup ?? 0} counted as possible duplicates`);
    expect(report.missing).toEqual([]);
    expect(report.duplicates).toBeLessThanOrEqual(5);
    // Every real duplicate was counted as a possible one.
    expect(counts.dup ?? 0).toBeGreaterThanOrEqual(report.duplicates);
    expect(counts).toMatchObject({ S: 3_000, q: 0, c: 0, s: 0, p: 0 });
  });

  it('Redis killed with SIGKILL mid-run and restarted from its AOF: the workers wait, then finish; nobody is lost', { timeout: 180_000 }, async () => {
    const own = await startRedis();
    try {
      const s = await sink({ delayMs: 5 });
      const p = await project(3_000);
      expect((await enqueue(p, own.url)).code).toBe(0);
      const workers = [1, 2, 3].map((i) => startWorker(p.dir, own.url, s.port, ['--id', `r${i}`, '--concurrency', '5']));
      await waitFor(async () => (await s.deliveries()).length >= 800, 60_000, '800 deliveries');
      await own.kill();
      await new Promise((r) => setTimeout(r, 1_000));
      await own.restart();
      const results = await Promise.all(workers.map((w) => w.done));
      for (const r of results) expect(r.code, r.stderr + r.stdout).toBe(0);
      const report = deliveryReport(await s.counts(), 3_000);
      const counts = await campaignCounts(own.url);
      console.log(`kill Redis: ${report.duplicates} duplicates (bound 15: no worker was killed), ${counts.dup ?? 0} counted as possible duplicates`);
      expect(report.missing).toEqual([]);
      expect(counts.dup ?? 0).toBeGreaterThanOrEqual(report.duplicates);
      expect(report.duplicates).toBeLessThanOrEqual(15);
      expect(counts).toMatchObject({ S: 3_000, q: 0, c: 0, s: 0, p: 0 });
    } finally {
      await own.stop();
    }
  });

  it('the campaign --rate holds across all workers together: no 1-second window at the server over it', { timeout: 120_000 }, async () => {
    const s = await sink();
    const url = dbUrl();
    const p = await project(200);
    // Batches of 20, so that all three workers send.
    expect((await enqueue(p, url, ['--rate', '25', '--batch-size', '20'])).code).toBe(0);
    const workers = [1, 2, 3].map((i) => startWorker(p.dir, url, s.port, ['--id', `rate${i}`]));
    for (const r of await Promise.all(workers.map((w) => w.done))) {
      expect(r.code, r.stderr).toBe(0);
      expect(Number(/sent\s+(\d+)/.exec(r.stdout)?.[1])).toBeGreaterThan(0);
    }
    const times = (await s.deliveries()).map((d) => d.t).sort((a, b) => a - b);
    expect(times).toHaveLength(200);
    let busiest = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (j < times.length && times[j]! < times[i]! + 1000) j++;
      busiest = Math.max(busiest, j - i);
    }
    expect(busiest).toBeLessThanOrEqual(25);
    // Not trivially slow either: 200 at 25/s is 8 s; the pacing margin costs a few percent.
    expect(times.at(-1)! - times[0]!).toBeLessThan(12_000);
  });

  it('pause stops every worker after the messages in flight; resume finishes the campaign, each once', { timeout: 120_000 }, async () => {
    const s = await sink({ delayMs: 20 });
    const url = dbUrl();
    const p = await project(3_000);
    expect((await enqueue(p, url)).code).toBe(0);
    const workers = [1, 2].map((i) => startWorker(p.dir, url, s.port, ['--id', `p${i}`]));
    await waitFor(async () => (await s.deliveries()).length >= 200, 60_000, '200 deliveries');
    const paused = await runCli(['pause', '--queue', url], { cwd: p.dir, env: queueEnv(undefined) });
    expect(paused.code, paused.stderr).toBe(0);
    // Each worker says it is paused once it has seen it (within a second); the messages it had in
    // flight then finish, and nothing more arrives.
    await waitFor(async () => (await workerField(url, 'p1', 'state')) === 'paused' && (await workerField(url, 'p2', 'state')) === 'paused', 30_000, 'both workers paused');
    await new Promise((r) => setTimeout(r, 1_500));
    const atPause = (await s.deliveries()).length;
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await s.deliveries()).length).toBe(atPause);
    expect(atPause).toBeLessThan(3_000);
    const status = await runCli(['status', '--queue', url], { cwd: p.dir, env: queueEnv(undefined) });
    expect(status.stdout).toMatch(/paused/i);
    expect((await runCli(['resume', '--queue', url], { cwd: p.dir, env: queueEnv(undefined) })).code).toBe(0);
    for (const r of await Promise.all(workers.map((w) => w.done))) expect(r.code, r.stderr).toBe(0);
    expect(deliveryReport(await s.counts(), 3_000)).toEqual({ missing: [], duplicates: 0, extra: [] });
  });

  it('enqueueing the same campaign twice adds nobody twice; a changed list or issue is refused', async () => {
    const url = dbUrl();
    const p = await project(450);
    const first = await enqueue(p, url, ['--batch-size', '100']);
    expect(first.stdout).toMatch(/added\s+450 recipients in 5 batches/);
    const again = await enqueue(p, url, ['--batch-size', '100']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/added\s+0 recipients in 0 batches \(5 batches were already in/);
    expect(again.stdout).toMatch(/in the campaign\s+450/);

    await writeFile(p.list, `${await readFile(p.list, 'utf8')}newcomer@example.com,New,Comer\n`);
    const changedList = await enqueue(p, url);
    expect(changedList.code).toBe(1);
    expect(changedList.stderr).toMatch(/list .* is not the file enqueued as this campaign/);

    const content = await tempDir(CONTENT);
    const issue = join(content, 'issues', '2026-03-01-send-fixture.md');
    await writeFile(issue, (await readFile(issue, 'utf8')).replace(/^subject: .*$/m, 'subject: "A different subject"'));
    const changedIssue = await runCli(['send', issue, '--to', p.list, '--queue', url, '--content', content, '--state', p.state], { cwd: p.dir, env: queueEnv(undefined) });
    expect(changedIssue.code).toBe(1);
    expect(changedIssue.stderr).toMatch(/the issue or the sender settings changed/);
  });

  it('the enqueue shares the suppression list both ways: local suppression.csv into Redis, Redis into the local file', async () => {
    const url = dbUrl();
    const p = await project(5);
    const state = await stateWithSuppression(p.dir);
    const redisClient = new Redis(url);
    await redisClient.hset(SUPPRESSED_KEY, 'user2@example.com', JSON.stringify({ reason: 'complained', source: 'server on another machine', at: new Date().toISOString() }));
    const r = await enqueue({ ...p, state }, url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/added\s+4 recipients/);
    expect(JSON.parse((await redisClient.hget(SUPPRESSED_KEY, 'suppressed@example.com'))!)).toMatchObject({ reason: 'unsubscribed' });
    expect(await readFile(join(state, 'suppression.csv'), 'utf8')).toMatch(/user2@example\.com,complained,redis: server on another machine/);
    redisClient.disconnect();
  });

  it('a local send and a queued campaign of the same issue and list never mail anyone twice', async () => {
    const s = await sink();
    const url = dbUrl();
    const p = await project(6);
    const local = await runCli(['send', ISSUE, '--to', p.list, '--content', CONTENT, '--state', p.state, '--limit', '2'], { cwd: p.dir, env: queueEnv(s.port) });
    expect(local.code, local.stderr).toBe(0);
    expect(await s.deliveries()).toHaveLength(2);
    // The enqueue records what the local send reached; the workers send only the rest.
    const enq = await enqueue(p, url);
    expect(enq.code, enq.stderr).toBe(0);
    expect(enq.stdout).toMatch(/sent here before\s+2 outcomes/);
    const r = await startWorker(p.dir, url, s.port).done;
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(deliveryReport(await s.counts(), 6)).toEqual({ missing: [], duplicates: 0, extra: [] });
    // And now a local send of them is refused: it would mail everyone the workers mailed.
    const again = await runCli(['send', ISSUE, '--to', p.list, '--content', CONTENT, '--state', p.state], { cwd: p.dir, env: queueEnv(s.port) });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/were enqueued in Redis \(campaign 2026-03-01-send-fixture--list at redis:\/\/127\.0\.0\.1:\d+\/\d+/);
    expect(await s.deliveries()).toHaveLength(6);
  });

  it('a worker with another UNSUBSCRIBE_SECRET is refused before it sends anything', async () => {
    const s = await sink();
    const url = dbUrl();
    const p = await project(20);
    expect((await enqueue(p, url)).code).toBe(0);
    const w = startWorker(p.dir, url, s.port, [], { UNSUBSCRIBE_SECRET: 'another-secret-0123456789abcdef0123456789' });
    const r = await w.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/UNSUBSCRIBE_SECRET is not the one the campaign was enqueued with/);
    expect(await s.deliveries()).toEqual([]);
  });

  it('an address suppressed in Redis after the enqueue is not mailed; a hard bounce goes to the shared list', async () => {
    const server = await startSmtpTestServer({ permanentFail: (rcpt) => rcpt === 'user3@example.com', countOnly: true });
    const url = dbUrl();
    try {
      const p = await project(10);
      expect((await enqueue(p, url)).code).toBe(0);
      const redisClient = new Redis(url);
      await redisClient.hset(SUPPRESSED_KEY, 'user5@example.com', JSON.stringify({ reason: 'unsubscribed', source: 'test', at: new Date().toISOString() }));
      const r = await startWorker(p.dir, url, server.port).done;
      expect(r.code).toBe(2);
      expect(server.count('user5@example.com')).toBe(0);
      expect(server.total()).toBe(8);
      expect(JSON.parse((await redisClient.hget(SUPPRESSED_KEY, 'user3@example.com'))!)).toMatchObject({ reason: 'bounced' });
      redisClient.disconnect();
      expect(await campaignCounts(url)).toMatchObject({ S: 8, F: 1, K: 1 });
    } finally {
      await server.close();
    }
  });

  it('deferred recipients are retried by any worker and delivered once', { timeout: 120_000 }, async () => {
    const s = await sink({ deferEvery: 25 });
    const url = dbUrl();
    const p = await project(600);
    expect((await enqueue(p, url)).code).toBe(0);
    const workers = [1, 2].map(() => startWorker(p.dir, url, s.port, ['--retry-schedule', '300ms,600ms,1s']));
    for (const r of await Promise.all(workers.map((w) => w.done))) expect(r.code, r.stderr + r.stdout).toBe(0);
    expect((await s.stats()).deferred).toBeGreaterThan(0);
    expect(deliveryReport(await s.counts(), 600)).toEqual({ missing: [], duplicates: 0, extra: [] });
  });
});
