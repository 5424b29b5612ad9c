/**
 * `newsletter status | pause | resume | cancel` against a real redis-server: the campaign's keys
 * are written by hand as the contract (tests/../common brief, src/redis/keys.ts) describes them,
 * with a real BullMQ queue holding a few batches, so these tests do not depend on the worker.
 */
import { rejection } from '../helpers/errors.ts';
import { spawn } from 'node:child_process';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { campaignStatus, cancelCampaign, findCampaign, formatStatus, pauseCampaign, resumeCampaign } from '../../src/queue/index.ts';
import { aliveKey, BULL_PREFIX, bullQueueName, CAMPAIGNS_KEY, campaignKeys } from '../../src/redis/index.ts';
import { BIN, runCli } from '../helpers/cli.ts';
import { freePort } from '../helpers/postfix.ts';
import { SKIP_REDIS, startRedis, type RedisServer } from '../helpers/redis.ts';

interface WorkerSeed {
  id: string;
  alive: boolean;
  state?: string;
  rate?: string;
  sent?: number;
  failed?: number;
  updatedAgoMs?: number;
}

interface CampaignSeed {
  id: string;
  created?: number;
  status?: 'active' | 'paused' | 'cancelled';
  enqueued?: boolean;
  total?: number;
  counts?: Record<string, number>;
  workers?: readonly WorkerSeed[];
  waiting?: number;
  delayed?: number;
}


describe.skipIf(SKIP_REDIS)('campaign status and control', () => {
  let server: RedisServer;
  let redis: Redis;
  const queues: Queue[] = [];

  const queueOf = (id: string) => {
    const q = new Queue(bullQueueName(id), { connection: redis, prefix: BULL_PREFIX });
    queues.push(q);
    return q;
  };

  /** A campaign's keys per the contract, and its BullMQ queue with `waiting` batches and `delayed` retries. */
  async function seed(c: CampaignSeed, now = Date.now()): Promise<Queue> {
    const keys = campaignKeys(c.id);
    await redis.zadd(CAMPAIGNS_KEY, c.created ?? now, c.id);
    await redis.hset(keys.meta, {
      id: c.id,
      issue: '2026-03-01-send-fixture',
      subject: 'March news',
      list: 'subscribers.csv',
      created: new Date(c.created ?? now).toISOString(),
      rate: '50',
      batchSize: '100',
      status: c.status ?? 'active',
      enqueued: c.enqueued === false ? '0' : '1',
      total: String(c.total ?? 0),
      smtpNote: '',
    });
    if (c.counts && Object.keys(c.counts).length) await redis.hset(keys.counts, c.counts);
    for (const w of c.workers ?? []) {
      await redis.sadd(keys.workers, w.id);
      await redis.hset(keys.worker(w.id), {
        host: `host-${w.id}`,
        pid: '4242',
        started: String(now - 60_000),
        updated: String(now - (w.updatedAgoMs ?? 1000)),
        sent: String(w.sent ?? 0),
        failed: String(w.failed ?? 0),
        rate: w.rate ?? '0',
        concurrency: '5',
        smtp: 'smtp://relay.example:587',
        state: w.state ?? 'working',
      });
      if (w.alive) await redis.set(aliveKey(w.id), '1', 'EX', 15);
    }
    const queue = queueOf(c.id);
    for (let n = 1; n <= (c.waiting ?? 0); n++) await queue.add('batch', { n }, { jobId: `b${n}` });
    for (let n = 1; n <= (c.delayed ?? 0); n++) await queue.add('retry', { n }, { delay: 3_600_000 });
    return queue;
  }

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
  });
  beforeEach(async () => {
    await redis.flushdb();
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.close()));
  });
  afterAll(async () => {
    await redis?.quit();
    await server?.stop();
  });

  describe('status', () => {
    const COUNTS = { q: 3, c: 2, s: 1, S: 50, p: 4, F: 2, T: 1, K: 3, dup: 2 };
    const WORKERS: WorkerSeed[] = [
      { id: 'w1', alive: true, rate: '12.5', sent: 30, failed: 2 },
      { id: 'w2', alive: true, rate: '7.5', sent: 20, failed: 1, state: 'idle' },
      // Killed: its alive key expired, its last line still says working at a high rate.
      { id: 'w3', alive: false, rate: '30', sent: 0, updatedAgoMs: 40_000 },
    ];

    it('adds up the counts, the live workers’ rate and the ETA; a worker whose alive key expired is gone and its rate left out', async () => {
      const now = Date.now();
      await seed({ id: 'c1', total: 66, counts: COUNTS, workers: WORKERS }, now);
      const s = await campaignStatus(redis, 'c1', now);
      expect(s).toMatchObject({ id: 'c1', issue: '2026-03-01-send-fixture', subject: 'March news', phase: 'active', enqueued: true, total: 66, rateLimit: 50, done: 56, remaining: 10, rate: 20 });
      expect(s.counts).toEqual({ queued: 3, claimed: 2, sending: 1, sent: 50, retrying: 4, failedPermanent: 2, failedTransient: 1, skipped: 3, duplicates: 2 });
      expect(s.etaMs).toBe(500); // 10 remaining at 20 msg/s
      expect(s.workers.map((w) => [w.id, w.alive])).toEqual([['w1', true], ['w2', true], ['w3', false]]);
    });

    it('reports progress, possible duplicates and one line per worker, the gone one marked gone', async () => {
      const now = Date.now();
      await seed({ id: 'c1', total: 66, counts: COUNTS, workers: WORKERS }, now);
      const text = formatStatus(await campaignStatus(redis, 'c1', now), { queue: 'redis://127.0.0.1:6379/0' });
      const lines = text.split('\n');
      expect(lines[0]).toBe('Campaign c1: active');
      expect(text).toMatch(/progress +█+░+ 56\/66 \(84%\)\n/);
      expect(text).toMatch(/sent +50\n/);
      expect(text).toMatch(/failed +3 \(2 permanently, 1 transiently\)/);
      expect(text).toMatch(/pending +3 \(waiting for a worker\)/);
      expect(text).toMatch(/in flight +3 \(2 claimed by workers, 1 being sent\)/);
      expect(text).toMatch(/retrying +4\n/);
      expect(text).toMatch(/possible dups +2 /);
      expect(text).toMatch(/rate +20\.0 msg\/s \(2 live workers; campaign limit 50\/s\)/);
      expect(lines.find((l) => l.includes('w1  host-w1'))).toMatch(/pid 4242 · working · sent 30 · failed 2 · 12\.5 msg\/s · last seen 1s ago$/);
      expect(lines.find((l) => l.includes('w2  host-w2'))).toContain(' · idle · ');
      expect(lines.find((l) => l.includes('w3  host-w3'))).toMatch(/ · gone \(was working\) · sent 0 · failed 0 · – · last seen 40s ago$/);
      expect(lines.at(-1)).toContain('newsletter pause --queue redis://127.0.0.1:6379/0 --campaign c1');
    });

    it('leaves out possible duplicates when there are none', async () => {
      await seed({ id: 'c1', total: 5, counts: { q: 5 } });
      expect(formatStatus(await campaignStatus(redis, 'c1'))).not.toContain('possible dups');
    });

    it.each([
      ['finished: the whole list is in and nobody waits', { enqueued: true, counts: { S: 8, F: 1, K: 1 } }, 'finished', /^→ finished: 1 not delivered/m],
      ['active while the list is still being enqueued, though nobody waits', { enqueued: false, counts: { S: 8 }, workers: [{ id: 'w1', alive: true }] }, 'active', /still enqueueing/],
      ['active with no live worker says to start one', { enqueued: true, counts: { q: 8 }, workers: [{ id: 'w1', alive: false }] }, 'active', /no worker is running: start one .*`newsletter worker --queue URL`/],
      ['paused says how to resume', { status: 'paused', counts: { q: 8 } }, 'paused', /newsletter resume --queue URL --campaign c1$/m],
      ['cancelled stays cancelled even with nobody waiting', { status: 'cancelled', counts: { S: 2 } }, 'cancelled', /cancelled \(final\)/],
    ] as const)('%s', async (_, c, phase, hint) => {
      await seed({ id: 'c1', total: 10, ...c });
      const s = await campaignStatus(redis, 'c1');
      expect(s.phase).toBe(phase);
      if (phase !== 'active') expect(s.etaMs).toBeNull();
      expect(formatStatus(s)).toMatch(hint);
    });
  });

  describe('findCampaign', () => {
    it('without an id: the newest campaign', async () => {
      await seed({ id: 'old', created: 1_000 });
      await seed({ id: 'new', created: 2_000 });
      expect(await findCampaign(redis)).toBe('new');
      expect(await findCampaign(redis, 'old')).toBe('old');
    });

    it('an unknown id: the error lists the campaigns that exist, newest first', async () => {
      await seed({ id: 'old', created: 1_000 });
      await seed({ id: 'new', created: 2_000 });
      const e = await rejection(findCampaign(redis, 'nope', 'redis://127.0.0.1:1/0'));
      expect(e.code).toBe('EUSAGE');
      expect(e.message).toBe('No campaign "nope" in Redis at redis://127.0.0.1:1/0; these exist (newest first): new, old');
      expect(e.fix).toContain('--campaign');
    });

    it('an empty Redis: the fix says how to enqueue one', async () => {
      const e = await rejection(findCampaign(redis));
      expect(e.message).toBe('No campaign in Redis');
      expect(e.fix).toContain('newsletter send ISSUE --to LIST --queue URL');
    });
  });

  describe('pause, resume, cancel', () => {
    it('pause sets the status and pauses the BullMQ queue, keeping its batches; resume undoes both', async () => {
      const queue = await seed({ id: 'c1', waiting: 3 });
      expect(await pauseCampaign(redis, 'c1')).toEqual({ id: 'c1', before: 'active', after: 'paused' });
      expect(await redis.hget(campaignKeys('c1').meta, 'status')).toBe('paused');
      expect(await queue.isPaused()).toBe(true);
      expect(await queue.getWaitingCount()).toBe(3);
      // Twice is harmless and says so.
      expect((await pauseCampaign(redis, 'c1')).before).toBe('paused');

      expect(await resumeCampaign(redis, 'c1')).toEqual({ id: 'c1', before: 'paused', after: 'active' });
      expect(await redis.hget(campaignKeys('c1').meta, 'status')).toBe('active');
      expect(await queue.isPaused()).toBe(false);
      expect(await queue.getWaitingCount()).toBe(3);
    });

    it('cancel removes the waiting and delayed batches, and refuses resume and pause afterwards', async () => {
      const queue = await seed({ id: 'c1', waiting: 3, delayed: 2 });
      expect(await queue.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 3, delayed: 2 });
      expect(await cancelCampaign(redis, 'c1')).toEqual({ id: 'c1', before: 'active', after: 'cancelled' });
      expect(await redis.hget(campaignKeys('c1').meta, 'status')).toBe('cancelled');
      expect(await queue.getJobCounts('waiting', 'delayed', 'prioritized')).toEqual({ waiting: 0, delayed: 0, prioritized: 0 });
      expect(await queue.count()).toBe(0);

      for (const action of [resumeCampaign, pauseCampaign]) {
        const e = await rejection(action(redis, 'c1'));
        expect(e).toMatchObject({ code: 'EQUEUE', reason: 'campaignConflict', exitCode: 1 });
        expect(e.message).toMatch(/^Campaign c1 was cancelled/);
      }
      // Refused without a trace: still cancelled, still paused.
      expect(await redis.hget(campaignKeys('c1').meta, 'status')).toBe('cancelled');
      expect(await queue.isPaused()).toBe(true);
      expect((await cancelCampaign(redis, 'c1')).before).toBe('cancelled');
    });

    it('a paused campaign can be cancelled', async () => {
      await seed({ id: 'c1', waiting: 2 });
      await pauseCampaign(redis, 'c1');
      expect((await cancelCampaign(redis, 'c1')).before).toBe('paused');
      expect(await queueOf('c1').count()).toBe(0);
    });
  });

  describe('the CLI', () => {
    const cli = (args: string[]) => runCli(args, { killAfterMs: 30_000 });

    it('status prints the report and exits 0 (Redis disconnected, so the process ends)', async () => {
      await seed({ id: 'c1', total: 4, counts: { S: 3, q: 1 }, workers: [{ id: 'w1', alive: true, rate: '2' }] });
      const r = await cli(['status', '--queue', server.url]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Campaign c1: active\n/);
      expect(r.stdout).toContain('3/4 (75%)');
      expect(r.stdout).toContain(`newsletter pause --queue ${server.url} --campaign c1`);
    });

    it('status --json prints the CampaignStatus', async () => {
      await seed({ id: 'c1', total: 4, counts: { S: 4 } });
      const r = await cli(['status', '--queue', server.url, '--campaign', 'c1', '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ id: 'c1', phase: 'finished', done: 4, total: 4, counts: { sent: 4 }, etaMs: null, workers: [] });
    });

    it('status --watch redraws until the campaign is finished', async () => {
      await seed({ id: 'c1', total: 2, counts: { S: 1, q: 1 }, workers: [{ id: 'w1', alive: true, rate: '1' }] });
      // Spawned here rather than with runCli: the campaign is finished only once the first report is out.
      const child = spawn(process.execPath, [BIN, 'status', '--queue', server.url, '--watch', '--json'], { env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000, killSignal: 'SIGKILL' });
      let stdout = '';
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const firstReport = new Promise<void>((resolve) =>
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes('\n')) resolve();
        }),
      );
      await Promise.race([firstReport, exited]);
      await redis.hset(campaignKeys('c1').counts, { S: 2, q: 0 });
      expect(await exited).toBe(0);
      const reports = stdout.trim().split('\n').map((l) => JSON.parse(l) as { phase: string });
      expect(reports.length).toBeGreaterThan(1);
      expect(reports[0]!.phase).toBe('active');
      expect(reports.at(-1)!.phase).toBe('finished');
    });

    it('pause, resume and cancel change the campaign and print the next command', async () => {
      const queue = await seed({ id: 'c1', waiting: 2 });
      let r = await cli(['pause', '--queue', server.url]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Campaign c1 paused');
      expect(r.stdout).toContain(`resume: newsletter resume --queue ${server.url} --campaign c1`);
      expect(await queue.isPaused()).toBe(true);

      r = await cli(['resume', '--queue', server.url, '--campaign', 'c1']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Campaign c1 resumed');
      expect(await queue.isPaused()).toBe(false);

      r = await cli(['cancel', '--queue', server.url, '--campaign', 'c1']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Campaign c1 cancelled');
      expect(await queue.count()).toBe(0);

      r = await cli(['resume', '--queue', server.url, '--campaign', 'c1']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('✖ Campaign c1 was cancelled; a cancelled campaign cannot be resumed');
      expect(r.stderr).toContain('fix: Cancel is final.');
    });

    it.each([
      ['an unknown --campaign lists those that exist', 1, ['status', '--campaign', 'nope'], /✖ No campaign "nope" in Redis at redis:\/\/127\.0\.0\.1:\d+\/0; these exist \(newest first\): c1/],
      ['no --queue', 1, ['pause'], /✖ pause needs --queue/],
      ['an argument', 1, ['cancel', 'c1'], /✖ cancel takes no arguments; got c1\n {2}fix: Name the campaign with --campaign ID/],
      ['a --queue that is not Redis', 1, ['status', '--queue', 'http://127.0.0.1/'], /must be a redis:\/\/ or rediss:\/\/ URL/],
    ] as const)('%s: exit %i', async (_, code, args, stderr) => {
      await seed({ id: 'c1' });
      const withQueue = args.length > 1 && args[1] === '--campaign' ? [...args, '--queue', server.url] : [...args];
      const r = await cli(withQueue);
      expect(r.stderr).toMatch(stderr);
      expect(r.code).toBe(code);
    });

    it('a Redis that cannot be reached: EQUEUE, exit 3', async () => {
      const r = await cli(['status', '--queue', `redis://127.0.0.1:${await freePort()}/0`]);
      expect(r.stderr).toMatch(/✖ Cannot use the Redis queue at redis:\/\/127\.0\.0\.1:\d+\/0/);
      expect(r.code).toBe(3);
    });
  });
});
