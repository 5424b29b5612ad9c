/**
 * Issue 15: with --queue the suppression list lives in Redis, shared by every worker. The endpoint
 * server (one-click, webhooks) and `newsletter bounces` write each suppression there first, then to
 * the local suppression.csv; when Redis cannot be written the request fails (5xx, retried by its
 * sender) and nothing is written locally either.
 */
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { unsubscribeUrl } from '../../src/audience/index.ts';
import { connectRedis, parseQueueUrl, RedisSuppression, SUPPRESSED_KEY, type SuppressedEntry } from '../../src/redis/index.ts';
import { startUnsubscribeServer, type UnsubscribeEvent, type UnsubscribeServer } from '../../src/unsubscribe/index.ts';
import { BIN, runCli, tempDir } from '../helpers/cli.ts';
import { FIXTURES } from '../helpers/content.ts';
import { freePort } from '../helpers/postfix.ts';
import { SKIP_REDIS, startRedis, type RedisServer } from '../helpers/redis.ts';
import { CLEAN_ENV, CONTENT } from '../send/helpers.ts';

const SECRET = 'mirror-test-secret-0123456789abcdef0123456789';
const LIST = 'brief.example.com';
const MAILGUN = { signingKey: 'key-0123456789abcdef0123456789abcdef' };

let redis: RedisServer;
let client: Redis;

beforeAll(async () => {
  if (SKIP_REDIS) return;
  redis = await startRedis();
  // Short, so the Redis-down test answers quickly; the CLI uses seconds.
  client = await connectRedis(parseQueueUrl(redis.url), { name: 'mirror-test', commandTimeout: 500 });
});
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});
beforeEach(async () => {
  if (!SKIP_REDIS) await client.flushdb();
});

/** The shared list's entry for an address, as a worker would read it. */
async function inRedis(email: string): Promise<SuppressedEntry | undefined> {
  const raw = await client.hget(SUPPRESSED_KEY, email.toLowerCase());
  return raw === null ? undefined : (JSON.parse(raw) as SuppressedEntry);
}

const csvLines = async (state: string) => (await readFile(join(state, 'suppression.csv'), 'utf8').catch(() => '')).split('\n').filter(Boolean).slice(1);

describe.skipIf(SKIP_REDIS)('RedisSuppression', () => {
  it('hasMany answers per address, whatever the case, in order', async () => {
    const list = new RedisSuppression(client);
    await list.add('Ada@Example.com', 'unsubscribed', 'test');
    expect(await list.hasMany(['bob@example.com', 'ADA@example.COM', ' ada@example.com '])).toEqual([false, true, true]);
    expect(await list.hasMany([])).toEqual([]);
  });

  it('add twice keeps the first reason and says the second was no change', async () => {
    const list = new RedisSuppression(client);
    expect(await list.add('ada@example.com', 'unsubscribed', 'one-click')).toBe(true);
    expect(await list.add('ADA@example.com', 'bounced', 'bounce 5.1.1')).toBe(false);
    expect(await inRedis('ada@example.com')).toMatchObject({ reason: 'unsubscribed', source: 'one-click' });
    expect(await list.size()).toBe(1);
  });

  it('addMany counts only the new ones, across several pipelines, and keeps earlier reasons', async () => {
    const list = new RedisSuppression(client);
    await list.add('a7@example.com', 'complained', 'complaint');
    const entries = Array.from({ length: 2500 }, (_, i) => ({ email: `a${i}@example.com`, reason: 'bounced' as const, source: 'suppression.csv' }));
    // a7 was there already; the last entry repeats the first in another case.
    expect(await list.addMany([...entries, { email: 'A0@EXAMPLE.COM', reason: 'unsubscribed', source: 'again' }])).toBe(2499);
    expect(await list.size()).toBe(2500);
    expect(await inRedis('a7@example.com')).toMatchObject({ reason: 'complained' });
    expect(await inRedis('a0@example.com')).toMatchObject({ reason: 'bounced', source: 'suppression.csv' });
  });
});

describe.skipIf(SKIP_REDIS)('the endpoint server with a Redis mirror', () => {
  let state: string;
  let server: UnsubscribeServer;
  let events: UnsubscribeEvent[];

  beforeEach(async () => {
    state = join(await tempDir(), 'state');
    events = [];
    const mirror = { redis: new RedisSuppression(client), display: parseQueueUrl(redis.url).display };
    server = await startUnsubscribeServer({ port: 0, stateDir: state, secret: SECRET, listId: LIST, listName: 'The Brief', onEvent: (e) => events.push(e), webhooks: { mailgun: MAILGUN }, mirror });
  });
  afterEach(async () => {
    await server.close();
  });

  const oneClick = (email: string) =>
    fetch(unsubscribeUrl(`${server.url}unsubscribe`, email, LIST, SECRET), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });

  it('a followed unsubscribe link puts the address in Redis and in suppression.csv', async () => {
    const res = await oneClick('Ada@Example.com');
    expect(res.status).toBe(200);
    expect(await inRedis('ada@example.com')).toMatchObject({ reason: 'unsubscribed', source: 'unsubscribe-server (one-click)' });
    expect(await csvLines(state)).toEqual([expect.stringMatching(/^Ada@Example\.com,unsubscribed,unsubscribe-server \(one-click\),/)]);
    expect(events).toEqual([{ kind: 'unsubscribed', email: 'Ada@Example.com' }]);
  });

  it('an address already in Redis (suppressed on another machine) is still recorded locally; Redis keeps its first entry', async () => {
    await new RedisSuppression(client).add('bob@example.com', 'bounced', 'bounces on host B');
    expect((await oneClick('bob@example.com')).status).toBe(200);
    expect(await inRedis('bob@example.com')).toMatchObject({ reason: 'bounced', source: 'bounces on host B' });
    expect(await csvLines(state)).toEqual([expect.stringMatching(/^bob@example\.com,unsubscribed,/)]);
  });

  it("a webhook's hard bounce reaches Redis through the feedback ledger", async () => {
    const res = await fetch(`${server.url}webhooks/mailgun`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: mailgunFailure('jane@example.com') });
    expect(res.status).toBe(200);
    expect(await inRedis('jane@example.com')).toMatchObject({ reason: 'bounced' });
    expect(await csvLines(state)).toEqual([expect.stringMatching(/^jane@example\.com,bounced,/)]);
  });

  it('Redis down: the one-click POST and the webhook answer 500 and nothing is written locally; once Redis is back the retries are recorded', async () => {
    await redis.kill();
    try {
      const res = await oneClick('cy@example.com');
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('Could not record the unsubscribe; please try again.\n');
      const hook = await fetch(`${server.url}webhooks/mailgun`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: mailgunFailure('dee@example.com') });
      expect(hook.status).toBe(500);
      expect(await csvLines(state)).toEqual([]);
      expect(server.suppression.has('cy@example.com')).toBe(false);
      expect(events.filter((e) => e.kind === 'error')).toHaveLength(2);
      expect(String((events.find((e) => e.kind === 'error') as { error: unknown }).error)).toMatch(/Redis/);
      // The feedback ledger recorded nothing either, so the ESP's retry is applied, not taken for a duplicate.
      expect(await readFile(join(state, 'feedback.jsonl'), 'utf8').catch(() => '')).toBe('');
    } finally {
      await redis.restart();
    }
    await waitForRedis();
    // The retries, as the mail client and the ESP would make them.
    expect((await oneClick('cy@example.com')).status).toBe(200);
    const hook = await fetch(`${server.url}webhooks/mailgun`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: mailgunFailure('dee@example.com') });
    expect(hook.status).toBe(200);
    expect(await inRedis('cy@example.com')).toMatchObject({ reason: 'unsubscribed' });
    expect(await inRedis('dee@example.com')).toMatchObject({ reason: 'bounced' });
    expect(await csvLines(state)).toEqual([expect.stringMatching(/^cy@example\.com,unsubscribed,/), expect.stringMatching(/^dee@example\.com,bounced,/)]);
  });
});

/** A signed Mailgun "failed / permanent" event for `recipient` (a hard bounce). */
function mailgunFailure(recipient: string): string {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const token = randomBytes(25).toString('hex');
  const signature = createHmac('sha256', MAILGUN.signingKey).update(timestamp + token).digest('hex');
  const id = `evt-${recipient}`;
  return JSON.stringify({ signature: { timestamp, token, signature }, 'event-data': { event: 'failed', id, severity: 'permanent', recipient, 'delivery-status': { code: 550, 'enhanced-code': '5.1.1', message: 'no such user' } } });
}

/** Until the test's client has reconnected to the restarted server (ioredis retries every ≤ 2 s). */
async function waitForRedis(): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await client.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

describe.skipIf(SKIP_REDIS)('newsletter bounces --queue', () => {
  const HARD_BOUNCE = join(FIXTURES, 'bounces', 'dsn-postfix-user-unknown.eml');

  /** A state folder whose journal mailed nobody@example.org, and a Maildir holding that address's hard bounce. */
  async function setup() {
    const dir = await tempDir();
    const state = join(dir, 'state');
    await mkdir(state);
    const journal = [{ s: 'run', t: 1, issue: '2026-03-01-send-fixture', list: '/l.csv', pid: 1, concurrency: 1, rate: null }, { s: 'sent', e: 'nobody@example.org', r: '250 ok', t: 2 }];
    await writeFile(join(state, '2026-03-01-send-fixture--l-0123456789.journal.jsonl'), journal.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const maildir = join(dir, 'bounces');
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(maildir, sub), { recursive: true });
    await writeFile(join(maildir, 'new', '1700000000.1.host'), await readFile(HARD_BOUNCE));
    const bounces = (queue: string) => runCli(['bounces', '--content', CONTENT, '--state', state, '--maildir', maildir, '--queue', queue], { cwd: dir, env: CLEAN_ENV, killAfterMs: 30_000 });
    return { state, maildir, bounces };
  }

  it('a hard bounce read from a Maildir suppresses the address in Redis and in suppression.csv', async () => {
    const { state, bounces } = await setup();
    const result = await bounces(redis.url);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/hard bounces\s+1/);
    expect(result.stdout).toContain(`and the shared one in Redis at ${redis.url}`);
    expect(await inRedis('nobody@example.org')).toMatchObject({ reason: 'bounced' });
    expect(await csvLines(state)).toEqual([expect.stringMatching(/^nobody@example\.org,bounced,/i)]);
  });

  it('copies the local suppression.csv into Redis first: an address the ledger finds suppressed locally still reaches the workers', async () => {
    const { state, bounces } = await setup();
    await writeFile(join(state, 'suppression.csv'), 'email,reason,source,added_at\nlocal-only@example.org,complained,webhook,2026-01-01T00:00:00.000Z\n');
    const result = await bounces(redis.url);
    expect(result.code, result.stderr).toBe(0);
    expect(await inRedis('local-only@example.org')).toMatchObject({ reason: 'complained' });
  });

  it.each([
    ['a URL that is not redis://', () => 'http://127.0.0.1:6379/0', 1, /--queue must be a redis:\/\/ or rediss:\/\/ URL/],
    ['a Redis nobody answers on', async () => `redis://127.0.0.1:${await freePort()}/0`, 3, /Cannot use the Redis queue at redis:\/\/127\.0\.0\.1:\d+\/0/],
  ])('%s: an error before the mailbox is read; nothing suppressed, the message left in new/', async (_, url, code, message) => {
    const { state, maildir, bounces } = await setup();
    const result = await bounces(await url());
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(await readdir(join(maildir, 'new'))).toEqual(['1700000000.1.host']);
    expect(await csvLines(state)).toEqual([]);
  });
});

describe.skipIf(SKIP_REDIS)('newsletter server --queue', () => {
  const env = { ...CLEAN_ENV, UNSUBSCRIBE_SECRET: SECRET };

  it('says where suppressions go (the URL without its password), records a one-click in the Redis it names, and stops on Ctrl+C', async () => {
    const locked = await startRedis({ password: 's3cret-pass' });
    const dir = await tempDir();
    const child = spawn(process.execPath, [BIN, 'server', '--port', '0', '--state', join(dir, 'state'), '--content', CONTENT, '--queue', locked.url], { cwd: dir, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const banner = await waitForOutput(() => out, /Ctrl\+C to stop/, child);
      expect(banner).toContain(`shared suppression list: Redis at redis://:***@127.0.0.1:${locked.port}/0 (0 addresses)`);
      expect(banner).not.toContain('s3cret-pass');
      const base = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(banner)![1]!;
      const listId = /\(([^()]+)\) at http/.exec(banner)![1]!;
      const res = await fetch(unsubscribeUrl(`${base}u`, 'ada@example.com', listId, SECRET), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      expect(res.status).toBe(200);
      const own = await connectRedis(parseQueueUrl(locked.url), { name: 'mirror-test-check' });
      try {
        expect(await own.hget(SUPPRESSED_KEY, 'ada@example.com')).toMatch(/"reason":"unsubscribed"/);
      } finally {
        own.disconnect();
      }
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await locked.stop();
    }
  });

  it('a Redis nobody answers on is an error before listening', async () => {
    const dir = await tempDir();
    const result = await runCli(['server', '--port', '0', '--content', CONTENT, '--queue', `redis://127.0.0.1:${await freePort()}/0`], { cwd: dir, env, killAfterMs: 30_000 });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/Cannot use the Redis queue at redis:\/\/127\.0\.0\.1:\d+\/0/);
    expect(result.stdout).not.toMatch(/Endpoint for/);
  });
});

/** What the child printed, once it matches `pattern` (or an error if it exits first). */
async function waitForOutput(read: () => string, pattern: RegExp, child: { exitCode: number | null }): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (!pattern.test(read())) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${pattern} in:\n${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return read();
}
