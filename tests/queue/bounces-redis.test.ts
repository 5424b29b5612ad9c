/**
 * Issue 15: a campaign sent with `send --queue` leaves no send journal on any machine; its
 * recipients' states live in Redis. `newsletter bounces --queue URL` matches reports to them as it
 * does to journal recipients (return-path token, our Message-ID, the one mailed address a report
 * names), so a hard bounce of a queue recipient is suppressed in Redis and in suppression.csv.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { returnPaths } from '../../src/audience/index.ts';
import { JournalRecipients } from '../../src/bounces/index.ts';
import { messageIdFor } from '../../src/mail/index.ts';
import { CAMPAIGNS_KEY, campaignKeys, connectRedis, parseQueueUrl, SUPPRESSED_KEY, type SuppressedEntry } from '../../src/redis/index.ts';
import { runCli, tempDir, type CliResult } from '../helpers/cli.ts';
import { FIXTURES } from '../helpers/content.ts';
import { SKIP_REDIS, startRedis, type RedisServer } from '../helpers/redis.ts';
import { startSmtpTestServer } from '../helpers/smtp-test-server.ts';
import { CLEAN_ENV, CONTENT, LIST_ID, SECRET } from '../send/helpers.ts';
import { enqueue, project, queueEnv, startWorker } from './helpers.ts';

const SLUG = '2026-03-01-send-fixture';
const BOUNCE_ADDRESS = 'bounces@news.example.com';
const REAL_DSN = join(FIXTURES, 'bounces', 'postfix-real-dsn.eml');

let server: RedisServer;
let client: Redis;

beforeAll(async () => {
  if (SKIP_REDIS) return;
  server = await startRedis();
  client = await connectRedis(parseQueueUrl(server.url), { name: 'bounces-redis-test' });
});
afterAll(async () => {
  client?.disconnect();
  await server?.stop();
});
beforeEach(async () => {
  if (!SKIP_REDIS) await client.flushdb();
});

/** A campaign as `send --queue` and the workers leave it: listed, its meta naming the issue, each recipient's state line. */
async function writeCampaign(id: string, slug: string | undefined, states: Record<string, string>, created = Date.now()): Promise<void> {
  const keys = campaignKeys(id);
  await client.zadd(CAMPAIGNS_KEY, created, id);
  const meta: Record<string, string> = { id, subject: 'Issue 3', list: 'list.csv', created: new Date(created).toISOString(), status: 'active', enqueued: '1', total: String(Object.keys(states).length) };
  if (slug) meta.issue = slug;
  await client.hset(keys.meta, meta);
  if (Object.keys(states).length) await client.hset(keys.state, states);
}

const sent = (t = 1) => `S|w1|0|${t}|250 2.0.0 Ok`;
const queued = 'q||0|1|';

/** The real Postfix DSN (it names nobody1 and nobody2), delivered to `to`. */
async function dsnTo(to: string): Promise<string> {
  return (await readFile(REAL_DSN, 'latin1')).replaceAll('bounces+t0k3n@news.example.com', to);
}

/** A redacted complaint (ARF) that names nobody and quotes `messageId`. */
function redactedComplaint(messageId: string): string {
  return [
    'From: feedback@fbl.example', 'To: abuse@news.example.com', 'Subject: complaint', `Message-ID: <arf-${messageId.length}@fbl.example>`, 'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'A complaint.', '--b',
    'Content-Type: message/feedback-report', '', 'Feedback-Type: abuse', 'User-Agent: fbl/1.0', 'Version: 1', '', '--b', 'Content-Type: text/rfc822-headers', '',
    'From: news@news.example.com', 'To: redacted@example.com', `Message-ID: ${messageId}`, 'Subject: Issue 3', '', '--b--', '',
  ].join('\r\n');
}

/** A Maildir with these messages in new/, and an empty state folder next to it (no journal). */
async function mailbox(files: Record<string, string>): Promise<{ dir: string; maildir: string; state: string }> {
  const dir = await tempDir();
  const maildir = join(dir, 'Maildir');
  for (const sub of ['new', 'cur', 'tmp']) await mkdir(join(maildir, sub), { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(maildir, 'new', name), text, 'latin1');
  return { dir, maildir, state: join(dir, 'state') };
}

function bounces(box: { dir: string; maildir: string; state: string }, options: { signed: boolean; queue?: string | undefined }): Promise<CliResult> {
  const queue = options.queue === undefined ? ['--queue', server.url] : options.queue ? ['--queue', options.queue] : [];
  const env = { ...CLEAN_ENV, UNSUBSCRIBE_SECRET: SECRET, ...(options.signed ? { BOUNCE_ADDRESS } : {}) };
  return runCli(['bounces', '--maildir', box.maildir, '--content', CONTENT, '--state', box.state, ...queue], { cwd: box.dir, env });
}

async function inRedis(email: string): Promise<SuppressedEntry | undefined> {
  const raw = await client.hget(SUPPRESSED_KEY, email);
  return raw === null ? undefined : (JSON.parse(raw) as SuppressedEntry);
}

/** suppression.csv as "email reason" lines. */
const csvLines = async (state: string) =>
  (await readFile(join(state, 'suppression.csv'), 'utf8').catch(() => ''))
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((line) => line.split(',').slice(0, 2).join(' '));

describe.skipIf(SKIP_REDIS)('newsletter bounces --queue: campaign recipients count as mailed', () => {
  it('with BOUNCE_ADDRESS: the hard bounce of a sent recipient is applied from an empty state folder; the token of one only queued is not', async () => {
    await writeCampaign(`${SLUG}--list`, SLUG, { 'ada@example.com': sent(), 'queued@example.com': queued });
    const pathOf = returnPaths(BOUNCE_ADDRESS, LIST_ID, SLUG, SECRET);
    const box = await mailbox({ 'ada.eml': await dsnTo(pathOf('ada@example.com')), 'queued.eml': await dsnTo(pathOf('queued@example.com')) });
    const result = await bounces(box, { signed: true });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/hard bounces\s+1\b/);
    expect(result.stdout).toMatch(/not applied\s+1\b/);
    expect(result.stdout).toMatch(/queued\.eml: .*matches no recipient in this state folder's send journals or the campaigns in Redis at redis:\/\/127\.0\.0\.1/);
    expect(await inRedis('ada@example.com')).toMatchObject({ reason: 'bounced' });
    expect(await inRedis('queued@example.com')).toBeUndefined();
    expect(await csvLines(box.state)).toEqual(['ada@example.com bounced']);
    // The one not applied stays unprocessed for a later run.
    expect(await readdir(join(box.maildir, 'new'))).toEqual(['queued.eml']);
  });

  it('the same token without --queue is not applied: the campaign is what proves the recipient', async () => {
    await writeCampaign(`${SLUG}--list`, SLUG, { 'ada@example.com': sent() });
    const box = await mailbox({ 'ada.eml': await dsnTo(returnPaths(BOUNCE_ADDRESS, LIST_ID, SLUG, SECRET)('ada@example.com')) });
    // A journal of another issue, so the run gets as far as reading.
    await mkdir(box.state, { recursive: true });
    const run = { s: 'run', t: 1, issue: '2026-02-01-other', list: '/l.csv', pid: 1, concurrency: 1, rate: null };
    await writeFile(join(box.state, '2026-02-01-other--l-0123456789.journal.jsonl'), `${JSON.stringify(run)}\n${JSON.stringify({ s: 'sent', e: 'bob@example.com', r: '250 ok', t: 2 })}\n`);
    const result = await bounces(box, { signed: true, queue: '' });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/not applied\s+1\b/);
    expect(await csvLines(box.state)).toEqual([]);
  });

  it('without BOUNCE_ADDRESS: found by our Message-ID, or as the one mailed address a report names; an address in no campaign stays not applied', async () => {
    // nobody1 was deferred after an attempt (the journal would hold its `sending`); nobody2 was only queued.
    await writeCampaign(`${SLUG}--list`, SLUG, { 'ada@example.com': sent(), 'nobody1@example.com': 'p|w1|1|1|451 4.7.1 greylisted', 'nobody2@example.com': queued });
    const strangers = (await dsnTo(BOUNCE_ADDRESS)).replaceAll('nobody1@', 'stranger1@').replaceAll('nobody2@', 'stranger2@');
    const box = await mailbox({
      'complaint.eml': redactedComplaint(messageIdFor(SLUG, 3, 'ada@example.com', 'news.example.com')),
      'named.eml': await dsnTo(BOUNCE_ADDRESS),
      'strangers.eml': strangers,
    });
    const result = await bounces(box, { signed: false });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/complaints\s+1\b/);
    expect(result.stdout).toMatch(/hard bounces\s+1\b/);
    expect(result.stdout).toMatch(/strangers\.eml: .*stranger1@example\.com was never mailed according to .*campaigns in Redis/);
    expect(await inRedis('ada@example.com')).toMatchObject({ reason: 'complained' });
    expect(await inRedis('nobody1@example.com')).toMatchObject({ reason: 'bounced' });
    expect(await inRedis('nobody2@example.com')).toBeUndefined();
    expect((await csvLines(box.state)).sort()).toEqual(['ada@example.com complained', 'nobody1@example.com bounced']);
    expect(await readdir(join(box.maildir, 'new'))).toEqual(['strangers.eml']);
  });

  it('no journals and no campaigns: nothing is read, and the message names both places and the fix --queue', async () => {
    const box = await mailbox({ 'a.eml': await dsnTo(BOUNCE_ADDRESS) });
    const result = await bounces(box, { signed: false });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/No send journals in .*state and no campaigns in Redis at redis:\/\/127\.0\.0\.1:\d+\/0/);
    expect(result.stderr).toMatch(/--queue with the Redis URL/);
    expect(await readdir(join(box.maildir, 'new'))).toEqual(['a.eml']);
    expect(await client.hlen(SUPPRESSED_KEY)).toBe(0);
  });

  it('an unreachable Redis is named before anything is read', async () => {
    const box = await mailbox({ 'a.eml': await dsnTo(BOUNCE_ADDRESS) });
    const result = await bounces(box, { signed: false, queue: server.url.replace(/:\d+\//, ':1/') });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Cannot use the Redis queue at redis:\/\/127\.0\.0\.1:1\//);
    expect(await readdir(join(box.maildir, 'new'))).toEqual(['a.eml']);
  });
});

describe.skipIf(SKIP_REDIS)('JournalRecipients with a campaign store', () => {
  const store = () => ({ redis: client, display: parseQueueUrl(server.url).display });

  it('reads state hashes of any size page by page, counts only mailed states, and meets journals for issuesOf', async () => {
    // 2,500 recipients: HSCAN answers in pages, the last addresses come in a later one.
    const states: Record<string, string> = {};
    for (let i = 0; i < 2500; i++) states[`user${i}@example.com`] = i % 10 === 9 ? queued : sent(i);
    states['failed@example.com'] = 'F|w2|0|5|{"code":"EENVELOPE","m":"550 no such user"}';
    states['sending@example.com'] = 's|w3|1|5|';
    states['skipped@example.com'] = 'K|w1|0|5|suppressed';
    await writeCampaign('c-big', SLUG, states);
    // Another campaign of another issue, and a journal of a third one, both mailing user0.
    await writeCampaign('c-other', '2026-04-01-next', { 'user0@example.com': sent() });
    await writeCampaign('c-broken', undefined, { 'user1@example.com': sent() });
    const state = join(await tempDir(), 'state');
    await mkdir(state);
    const run = { s: 'run', t: 1, issue: '2026-02-01-older', list: '/l.csv', pid: 1, concurrency: 1, rate: null };
    await writeFile(join(state, '2026-02-01-older--l-0123456789.journal.jsonl'), `${JSON.stringify(run)}\n${JSON.stringify({ s: 'sent', e: 'user2@example.com', r: '250 ok', t: 2 })}\n`);

    const problems: string[] = [];
    const recipients = new JournalRecipients(state, LIST_ID, SECRET, (where, why) => problems.push(`${where}: ${why}`), store());
    expect(await recipients.sourceCounts()).toEqual({ journals: 1, campaigns: 2 });
    expect(problems).toEqual([expect.stringMatching(/^campaign c-broken in redis:.*names no issue/)]);

    expect(await recipients.issuesOf('USER2498@example.com')).toEqual({ mailed: true, slug: SLUG });
    expect(await recipients.issuesOf('user2499@example.com')).toEqual({ mailed: false });
    expect(await recipients.issuesOf('failed@example.com')).toEqual({ mailed: true, slug: SLUG });
    expect(await recipients.issuesOf('sending@example.com')).toEqual({ mailed: true, slug: SLUG });
    expect(await recipients.issuesOf('skipped@example.com')).toEqual({ mailed: false });
    // Mailed for two issues (two campaigns; a campaign and a journal): several, no one slug.
    expect(await recipients.issuesOf('user0@example.com')).toEqual({ mailed: true });
    expect(await recipients.issuesOf('user2@example.com')).toEqual({ mailed: true });
    expect(await recipients.issuesOf('user3@example.com')).toEqual({ mailed: true, slug: SLUG });

    const token = (slug: string, email: string) => /\+([^@]+)@/.exec(returnPaths(BOUNCE_ADDRESS, LIST_ID, slug, SECRET)(email))![1]!;
    expect(await recipients.byToken(token(SLUG, 'user2497@example.com'))).toEqual({ email: 'user2497@example.com', slug: SLUG });
    expect(await recipients.byToken(token('2026-04-01-next', 'user0@example.com'))).toEqual({ email: 'user0@example.com', slug: '2026-04-01-next' });
    expect(await recipients.byToken(token(SLUG, 'user2499@example.com'))).toBeUndefined();
    expect(await recipients.byMessageId(messageIdFor(SLUG, 3, 'user1234@example.com', 'news.example.com'))).toEqual({ email: 'user1234@example.com', slug: SLUG });
    expect(await recipients.byMessageId(messageIdFor('2026-02-01-older', 1, 'user2@example.com', 'news.example.com'))).toEqual({ email: 'user2@example.com', slug: '2026-02-01-older' });
    expect(await recipients.byMessageId(messageIdFor(SLUG, 3, 'user9@example.com', 'news.example.com'))).toBeUndefined();
  });

  it('a Redis that stops answering is an EQUEUE error naming it, not an empty list', async () => {
    const own = await startRedis();
    try {
      const redis = await connectRedis(parseQueueUrl(own.url), { name: 'bounces-redis-down', commandTimeout: 300 });
      try {
        await own.kill();
        const recipients = new JournalRecipients(join(await tempDir(), 'state'), LIST_ID, SECRET, () => {}, { redis, display: parseQueueUrl(own.url).display });
        await expect(recipients.sourceCounts()).rejects.toMatchObject({ code: 'EQUEUE', message: expect.stringMatching(/Cannot read the campaign list from Redis at redis:\/\/127\.0\.0\.1/) });
      } finally {
        redis.disconnect();
      }
    } finally {
      await own.stop();
    }
  });
});

describe.skipIf(SKIP_REDIS)('bounces --queue after a real enqueue and worker', () => {
  it('the DSN to the return path a worker sent with, and a complaint quoting its Message-ID, suppress those recipients', { timeout: 60_000 }, async () => {
    const smtp = await startSmtpTestServer();
    try {
      const p = await project(3);
      const env = queueEnv(smtp.port, { BOUNCE_ADDRESS });
      const enq = await enqueue(p, server.url, [], env);
      expect(enq.code, enq.stderr + enq.stdout).toBe(0);
      const worker = startWorker(p.dir, server.url, smtp.port, ['--id', 'w1'], { BOUNCE_ADDRESS });
      const done = await worker.done;
      expect(done.code, done.stderr + done.stdout).toBe(0);
      const message = (to: string) => smtp.received.find((m) => m.envelopeTo.includes(to))!;
      const user1 = message('user1@example.com');
      const user2 = message('user2@example.com');
      expect(user1.envelopeFrom).toMatch(/^bounces\+[a-z2-7]{24}@news\.example\.com$/);

      // On another machine: an empty state folder, the same Redis.
      const signed = await mailbox({ 'user1.eml': (await dsnTo(user1.envelopeFrom)).replaceAll('nobody1@', 'user1@').replaceAll('nobody2@', 'user1@') });
      const first = await bounces(signed, { signed: true });
      expect(first.code, first.stderr + first.stdout).toBe(0);
      expect(first.stdout).toMatch(/hard bounces\s+1\b/);
      expect(await inRedis('user1@example.com')).toMatchObject({ reason: 'bounced' });
      expect(await csvLines(signed.state)).toEqual(['user1@example.com bounced']);

      const unsigned = await mailbox({ 'complaint.eml': redactedComplaint(user2.parsed.messageId!) });
      const second = await bounces(unsigned, { signed: false });
      expect(second.code, second.stderr + second.stdout).toBe(0);
      expect(second.stdout).toMatch(/complaints\s+1\b/);
      expect(await inRedis('user2@example.com')).toMatchObject({ reason: 'complained' });
      expect(await inRedis('user0@example.com')).toBeUndefined();
    } finally {
      await smtp.close();
    }
  });
});
