/**
 * The distributed send when things go wrong for longer: Redis away for longer than a batch's lock,
 * and a refusal that may be about the message for the last recipient of a campaign.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, SKIP_REDIS, type RedisServer } from '../helpers/redis.ts';
import { startSinkProcess, type SinkProcess } from '../helpers/sink-process.ts';
import { startSmtpTestServer } from '../helpers/smtp-test-server.ts';
import { campaignCounts, deliveryReport, enqueue, project, startWorker, waitFor } from './helpers.ts';

describe.skipIf(SKIP_REDIS)('distributed send: longer faults', () => {
  let sink: SinkProcess;
  beforeAll(async () => {
    sink = await startSinkProcess({ delayMs: 100 });
  });
  afterAll(async () => {
    await sink?.remove();
  });

  it('Redis away for longer than the batch lock: the worker does not take its own batch again (nobody mailed twice)', { timeout: 150_000 }, async () => {
    const redis: RedisServer = await startRedis();
    try {
      const p = await project(210);
      // Three batches: while two are held, the third waits, and BullMQ hands a batch whose lock ran out to a free slot.
      expect((await enqueue(p, redis.url, ['--batch-size', '70'])).code).toBe(0);
      const w = startWorker(p.dir, redis.url, sink.port, ['--concurrency', '2']);
      await waitFor(async () => (await sink.deliveries()).length >= 30, 60_000, '30 deliveries');
      await redis.kill();
      // Longer than the 10 s lock, shorter than the 15 s heartbeat.
      await new Promise((r) => setTimeout(r, 12_000));
      await redis.restart();
      const r = await w.done;
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const report = deliveryReport(await sink.counts(), 210);
      expect(report.missing).toEqual([]);
      // The worker never died: at most the messages in flight when Redis went (its 2 connections) may repeat.
      expect(report.duplicates).toBeLessThanOrEqual(2);
      expect(await campaignCounts(redis.url)).toMatchObject({ S: 210, q: 0, c: 0, s: 0, p: 0 });
    } finally {
      await redis.stop();
    }
  });

  it('the last recipient refused with a reply that may be about the message: failed for that recipient once it is refused again, and the worker ends', { timeout: 120_000 }, async () => {
    const redis: RedisServer = await startRedis();
    const server = await startSmtpTestServer({ countOnly: true, replyFor: (stage, rcpt) => (stage === 'DATA' && rcpt === 'user9@example.com' ? '550 5.7.1 Message rejected as spam' : undefined) });
    try {
      const p = await project(10);
      expect((await enqueue(p, redis.url)).code).toBe(0);
      const r = await startWorker(p.dir, redis.url, server.port, ['--retry-schedule', '500ms']).done;
      // Failures: exit 2, not a hang.
      expect(r.code, r.stderr + r.stdout).toBe(2);
      expect(server.total()).toBe(9);
      expect(await campaignCounts(redis.url)).toMatchObject({ S: 9, F: 1, p: 0, c: 0, s: 0 });
    } finally {
      await server.close();
      await redis.stop();
    }
  });
});
