/**
 * After a review of the campaign commands: cancel names its campaign, hints to paste say when the
 * password was left out, a cancelled campaign's unsent recipients can be listed (and the advice
 * no longer says to enqueue the whole list again), and a worker's stop prints its own error's fix.
 * Real redis-server with a password; the campaign's keys written by hand per the contract.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NewsletterError } from '../../src/errors.ts';
import { campaignStatus, formatStatus } from '../../src/queue/index.ts';
import { aliveKey, CAMPAIGNS_KEY, campaignKeys, parseQueueUrl } from '../../src/redis/index.ts';
import { emptyDeliveryStats, emptyTally, formatSummary, type SendSummary, type Stop } from '../../src/send/index.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { SKIP_REDIS, startRedis, type RedisServer } from '../helpers/redis.ts';
import { enqueue, project } from './helpers.ts';

const PASSWORD = 'pw-never-printed';
const HIDDEN = '(password hidden: put yours back)';

describe.skipIf(SKIP_REDIS)('campaign commands after the review', () => {
  let server: RedisServer;
  let redis: Redis;
  /** The URL as every hint shows it. */
  let shown: string;

  async function seed(id: string, created: number, status = 'active', states: Record<string, string> = {}): Promise<void> {
    const keys = campaignKeys(id);
    await redis.zadd(CAMPAIGNS_KEY, created, id);
    await redis.hset(keys.meta, { id, issue: '2026-03-01-send-fixture', subject: 'March news', list: 'subscribers.csv', created: new Date(created).toISOString(), rate: '', batchSize: '100', status, enqueued: '1', total: String(Object.keys(states).length), smtpNote: '' });
    const counts: Record<string, number> = {};
    for (const line of Object.values(states)) counts[line[0]!] = (counts[line[0]!] ?? 0) + 1;
    if (Object.keys(states).length) await redis.hset(keys.state, states);
    if (Object.keys(counts).length) await redis.hset(keys.counts, counts);
  }

  const cli = (args: string[], cwd?: string) => runCli(args, { killAfterMs: 60_000, ...(cwd ? { cwd } : {}) });

  beforeAll(async () => {
    server = await startRedis({ password: PASSWORD });
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    shown = parseQueueUrl(server.url).display;
  });
  beforeEach(async () => {
    await redis.flushdb();
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  describe('cancel needs --campaign', () => {
    it('without it: EUSAGE listing the campaigns, newest first, and nothing is cancelled', async () => {
      await seed('older', 1_000);
      await seed('newer', 2_000);
      const r = await cli(['cancel', '--queue', server.url]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`✖ cancel needs --campaign: it is final, so it does not default to the newest campaign. Campaigns in Redis at ${shown} (newest first): newer, older`);
      expect(r.stderr).toMatch(/fix: Name the one to cancel, e\.g\. `newsletter cancel --queue URL --campaign newer`/);
      expect(await redis.hget(campaignKeys('newer').meta, 'status')).toBe('active');
    });

    it('its help says --campaign is required', async () => {
      const r = await cli(['cancel', '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('cancel --queue URL --campaign ID');
      expect(r.stdout).not.toContain('[--campaign ID]');
      expect(r.stdout).toMatch(/--campaign ID +The campaign \(required: it is never guessed/);
    });
  });

  describe('hints with a password-protected URL', () => {
    it('pause and cancel print the next command with *** and say so once; the password is never printed', async () => {
      await seed('c1', 1_000);
      for (const [args, next] of [
        [['pause', '--queue', server.url], `resume: newsletter resume --queue '${shown}' --campaign c1 ${HIDDEN}`],
        [['cancel', '--queue', server.url, '--campaign', 'c1'], `what was sent: newsletter status --queue '${shown}' --campaign c1 ${HIDDEN}`],
      ] as const) {
        const r = await cli([...args]);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(next);
        expect(r.stdout.split(HIDDEN)).toHaveLength(2);
        expect(r.stdout + r.stderr).not.toContain(PASSWORD);
      }
    });

    it('status says so after its hint, and not without a password', async () => {
      await seed('c1', 1_000, 'active', { 'a@example.com': 'q||0|0|' });
      const s = await campaignStatus(redis, 'c1');
      expect(formatStatus(s, { queue: shown, passwordHidden: true })).toMatch(new RegExp(`^→ no worker is running: .*\\. \\${HIDDEN.slice(0, -1)}\\)$`, 'm'));
      expect(formatStatus(s, { queue: 'redis://127.0.0.1:6379/0' })).not.toContain('password hidden');
      const r = await cli(['status', '--queue', server.url]);
      expect(r.stdout).toContain(HIDDEN);
      expect(r.stdout).not.toContain(PASSWORD);
    });

    it('send --queue: the next-step line', { timeout: 60_000 }, async () => {
      const p = await project(3);
      const r = await enqueue(p, server.url);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`next: run \`newsletter worker --queue '${shown.replaceAll('*', '\\*')}'\` .* \\(password hidden: put yours back\\)\\n`));
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    });
  });

  describe('after a cancel', () => {
    const STATES = {
      'queued@example.com': 'q||0|0|',
      'retry@example.com': 'p|w1|1|0|451 try later',
      'claimed-dead@example.com': 'c|dead|0|0|',
      'sending-dead@example.com': 's|dead|0|0|',
      'sent@example.com': 'S|w1|1|0|250 ok',
      'failed@example.com': 'F|w1|1|0|{}',
      'claimed-live@example.com': 'c|live|0|0|',
    };

    it('the advice says a new campaign of the issue mails everyone again, and how to reach only the unsent', async () => {
      await seed('c1', 1_000, 'cancelled', STATES);
      const text = formatStatus(await campaignStatus(redis, 'c1'), { queue: shown, passwordHidden: true });
      const hint = text.split('\n').at(-1)!;
      expect(hint).toMatch(/^→ cancelled \(final\): 5 recipients were not sent the issue/);
      expect(hint).toContain('would mail everyone on the list again, including those already sent');
      expect(hint).toContain(`newsletter status --queue '${shown}' --campaign c1 --unsent unsent.csv`);
      expect(hint).not.toMatch(/to reach them, enqueue the issue as a new campaign/);
      expect(hint.endsWith(HIDDEN)).toBe(true);
    });

    it('resume of a cancelled campaign: the fix warns the same way', async () => {
      await seed('c1', 1_000, 'cancelled');
      const r = await cli(['resume', '--queue', server.url, '--campaign', 'c1']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('would mail everyone on the list again, including those already sent');
      expect(r.stderr).toContain('--unsent unsent.csv');
    });

    it('status --unsent writes the addresses not sent (queued, retrying, claimed by a gone worker), not while a live worker holds some', async () => {
      await seed('c1', 1_000, 'cancelled', STATES);
      await redis.set(aliveKey('live'), '1', 'EX', 60);
      const dir = await tempDir();
      const file = join(dir, 'unsent.csv');

      let r = await cli(['status', '--queue', server.url, '--campaign', 'c1', '--unsent', file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('1 recipients are still in flight with live workers');
      await expect(readFile(file, 'utf8')).rejects.toThrow(/ENOENT/);

      await redis.del(aliveKey('live'));
      r = await cli(['status', '--queue', server.url, '--campaign', 'c1', '--unsent', file]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(await readFile(file, 'utf8')).toBe('email\nclaimed-dead@example.com\nclaimed-live@example.com\nqueued@example.com\nretry@example.com\n');
      expect(r.stdout).toContain(`✔ Wrote 4 addresses campaign c1 did not send to ${file}.`);
      expect(r.stdout).toContain('left out: 1 that were being sent when their worker died');
      expect(r.stdout).toContain(`newsletter send ISSUE --to ${file} --queue '${shown}'\` sends the issue to only them, as a new campaign ${HIDDEN}`);
      expect(r.stdout).not.toContain(PASSWORD);
    });

    it('status --unsent refuses a campaign that is not cancelled: its workers would send them too', async () => {
      await seed('c1', 1_000, 'active', STATES);
      const file = join(await tempDir(), 'unsent.csv');
      const r = await cli(['status', '--queue', server.url, '--campaign', 'c1', '--unsent', file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('Campaign c1 is active, not cancelled');
      await expect(readFile(file, 'utf8')).rejects.toThrow(/ENOENT/);
    });
  });
});

describe('a stop’s fix', () => {
  const summary = (stop: Stop): SendSummary => ({
    mode: 'send',
    issue: { slug: 's', number: 1, subject: 'S', file: undefined },
    list: undefined,
    tally: emptyTally(),
    stats: emptyDeliveryStats(),
    durationMs: 1000,
    stop,
    retriesWaiting: 0,
    journal: undefined,
    failuresCsv: undefined,
    outbox: undefined,
    sampleSecret: false,
  });
  const fixLine = (stop: Stop) => formatSummary(summary(stop)).find((l) => l.startsWith('  fix: '));

  it('a worker’s Redis record problem prints its own fix, not the local journal’s', () => {
    const error = new NewsletterError('EQUEUE', 'Cannot record in Redis (redis://127.0.0.1:6379/0): Connection is closed.', { where: '--queue', fix: 'Check Redis (running, reachable, not out of memory), then start the worker again.' });
    expect(fixLine({ reason: 'journal', message: error.message, error })).toBe('  fix: Check Redis (running, reachable, not out of memory), then start the worker again.');
  });

  it('the local journal’s own errors keep the local text', () => {
    const error = new NewsletterError('ESEND', 'Cannot write the send journal: ENOSPC', { fix: 'Free disk space or fix permissions, then run the same command again to resume.' });
    expect(fixLine({ reason: 'journal', message: error.message, error })).toBe('  fix: Fix the journal problem (disk space, permissions), then run the same command again to resume.');
  });
});
