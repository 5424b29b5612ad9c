// What the sender does with each kind of reply (issue 10): a deferral waits alone, a throttle
// slows everyone, a refusal of the sender or the message stops with everyone pending, and only
// a refusal of the recipient is that recipient's permanent failure.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exitCodeOf, sendIssue, type JournalRecord, type SendOptions } from '../../src/send/index.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { startSmtpTestServer, type FaultPlan, type SmtpTestServer } from '../helpers/smtp-test-server.ts';
import { journalIn, journalRecords } from '../helpers/delivery.ts';
import { addressOf, CLEAN_ENV, cliEnv, CONTENT, envFor, fixtureIssue, ISSUE, writeList } from './helpers.ts';

let server: SmtpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The records of the one journal in a state folder. */
async function recordsIn(stateDir: string): Promise<JournalRecord[]> {
  return journalRecords(await journalIn(stateDir));
}

/** Retries and throttle pauses in milliseconds, so each test takes seconds. */
const FAST = { retrySchedule: [50, 100, 200], tuning: { throttleBaseMs: 20, throttleMaxMs: 100 } } satisfies Partial<SendOptions>;

async function send(plan: FaultPlan, n: number, extra: Partial<SendOptions> = {}) {
  server = await startSmtpTestServer(plan);
  const dir = await tempDir();
  const list = await writeList(dir, n);
  const stateDir = join(dir, 'state');
  const opts = { built: await fixtureIssue(), listPath: list, env: envFor(server.port), stateDir, ...FAST, ...extra };
  return { summary: await sendIssue(opts), opts, stateDir };
}

const index = (i: number) => server!.received.findIndex((m) => m.envelopeTo[0] === addressOf(i));

describe('a deferral waits alone', () => {
  it('5 of 40 greylisted on their first RCPT: all 40 delivered once, no slowdown, the others not held up', async () => {
    const greylisted = new Set([0, 1, 2, 3, 4].map(addressOf));
    // A first retry after 1 s: the others go on meanwhile (a slowdown would pause them too).
    const { summary } = await send({ replyFor: (stage, rcpt, attempt) => (stage === 'RCPT' && attempt === 1 && greylisted.has(rcpt) ? '451 4.2.0 <' + rcpt + '>: Recipient address rejected: greylisted, try again later' : undefined) }, 40, { retrySchedule: [1000, 2000] });
    expect(summary.stop).toBeUndefined();
    for (let i = 0; i < 40; i++) expect(server!.count(addressOf(i)), addressOf(i)).toBe(1);
    expect(summary.stats.throttled).toBe(0);
    expect(summary.stats.deferred).toBe(5);
    expect(exitCodeOf(summary)).toBe(0);
    // Each greylisted one (first in the list) arrived after recipients further down it.
    for (let i = 0; i < 5; i++) expect(index(i), addressOf(i)).toBeGreaterThan(index(10));
    // nodemailer's pool resets the session (RSET) after a refused RCPT and keeps the connection:
    // 5 pooled connections and the preflight login's own, no reconnect per deferral.
    expect(server!.connections()).toBeLessThanOrEqual(6);
  });

  it('20% of recipients deferred once is no reason to slow down; deferrals of everyone at once are', async () => {
    const some = await send({ replyFor: (stage, rcpt, attempt) => (stage === 'RCPT' && attempt === 1 && Number(/\d+/.exec(rcpt)![0]) % 5 === 0 ? '451 4.3.0 Temporary lookup failure' : undefined) }, 100);
    expect(some.summary.stats.deferred).toBe(20);
    expect(some.summary.stats.throttled).toBe(0);
    expect(server!.total()).toBe(100);
    await server!.close();

    const all = await send({ replyFor: (stage, _rcpt, attempt) => (stage === 'RCPT' && attempt === 1 ? '451 4.3.0 Temporary lookup failure' : undefined) }, 60);
    expect(all.summary.stats.throttled).toBeGreaterThan(0);
    for (let i = 0; i < 60; i++) expect(server!.count(addressOf(i)), addressOf(i)).toBe(1);
    expect(exitCodeOf(all.summary)).toBe(0);
  });

  it('when only retries are left, the CLI shows a countdown and keeps going', async () => {
    server = await startSmtpTestServer({ replyFor: (stage, _rcpt, attempt) => (stage === 'RCPT' && attempt === 1 ? '450 4.2.0 Mailbox busy, try again later' : undefined) });
    const dir = await tempDir();
    const list = await writeList(dir, 3);
    const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', list, '--state', join(dir, 'state'), '--retry-schedule', '300ms,1s'], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port) }, killAfterMs: 60_000 });
    expect(r.stderr).toMatch(/3 deferred recipients waiting; next retry in [\d.]+ ?s — Ctrl-C stops; they stay pending and the same command sends to them/);
    expect(r.code).toBe(0);
    for (let i = 0; i < 3; i++) expect(server.count(addressOf(i))).toBe(1);
    expect(r.stdout).toMatch(/deferred\s+3 /);
  });

  it.each([['soon'], ['5s,,30s'], ['0s'], ['25h'], ['5x']])('--retry-schedule %s is a usage error with an example', async (value) => {
    const dir = await tempDir();
    const list = await writeList(dir, 1);
    const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', list, '--state', join(dir, 'state'), '--retry-schedule', value], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(2525) } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--retry-schedule');
    expect(r.stderr).toContain('--retry-schedule 5s,30s,2m,6m,15m');
  });
});

describe('a throttle slows everyone down', () => {
  it('a 421 storm at connect (anvil-like) for a while: everyone delivered once, no failures, throttled counted', async () => {
    const { summary } = await send({ stormMs: 400 }, 20);
    expect(server!.replies.some((r) => r.command === 'CONN' && r.code === 421)).toBe(true);
    expect(summary.stop).toBeUndefined();
    for (let i = 0; i < 20; i++) expect(server!.count(addressOf(i)), addressOf(i)).toBe(1);
    expect(summary.stats.failedPermanent + summary.stats.failedTransient).toBe(0);
    expect(summary.stats.throttled).toBeGreaterThan(0);
  });
});

describe('a refusal of the sender or of the message stops the run, nobody failed', () => {
  it('530 5.7.0 at MAIL FROM (login required, none set): exit 3 with the server’s words and the fix; nobody failed; with credentials everyone once', async () => {
    server = await startSmtpTestServer({ requireAuth: { user: 'sender', pass: 'right-password' } });
    const dir = await tempDir();
    const list = await writeList(dir, 10);
    const state = join(dir, 'state');
    const args = ['send', ISSUE, '--content', CONTENT, '--to', list, '--state', state];
    const r = await runCli(args, { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port) } });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('530 5.7.0 Authentication required');
    expect(r.stdout).toMatch(/fix: .*SMTP_USER.*SMTP_PASSWORD/);
    const journal = await recordsIn(state);
    expect(journal.filter((x) => x.s === 'failed')).toEqual([]);
    expect(journal.some((x) => x.s === 'pending')).toBe(true);

    const again = await runCli(args, { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port, { SMTP_URL: `smtp://sender:right-password@127.0.0.1:${server.port}` }) } });
    expect(again.code).toBe(0);
    for (let i = 0; i < 10; i++) expect(server.count(addressOf(i)), addressOf(i)).toBe(1);
  });

  it('552 5.3.4 at DATA for everyone: exit 3 after 3 recipients, nobody failed; the rerun on the fixed server sends to all once', async () => {
    const { summary, opts, stateDir } = await send({ replyFor: (stage) => (stage === 'DATA' ? '552 5.3.4 Message size exceeds fixed limit' : undefined) }, 8, { concurrency: 1 });
    expect(exitCodeOf(summary)).toBe(3);
    expect(summary.stop?.reason).toBe('refused');
    expect(summary.stop?.message).toContain('3 recipients in a row');
    expect(summary.stop?.message).toContain('552 5.3.4 Message size exceeds fixed limit');
    expect(server!.replies.filter((r) => r.command === 'DATA')).toHaveLength(3);
    expect(summary.stats.failedPermanent).toBe(0);
    expect((await recordsIn(stateDir)).filter((x) => x.s === 'failed')).toEqual([]);
    await server!.close();

    server = await startSmtpTestServer();
    const fixed = await sendIssue({ ...opts, env: envFor(server.port) });
    expect(exitCodeOf(fixed)).toBe(0);
    for (let i = 0; i < 8; i++) expect(server.count(addressOf(i)), addressOf(i)).toBe(1);
  });

  it('the same reply for one recipient only: that one failed permanently (with its row), everyone else delivered', async () => {
    const { summary, stateDir } = await send({ replyFor: (stage, rcpt) => (stage === 'DATA' && rcpt === addressOf(3) ? '552 5.3.4 Message size exceeds fixed limit' : undefined) }, 12, { concurrency: 2 });
    expect(summary.stop).toBeUndefined();
    expect(exitCodeOf(summary)).toBe(2);
    for (let i = 0; i < 12; i++) expect(server!.count(addressOf(i)), addressOf(i)).toBe(i === 3 ? 0 : 1);
    expect(summary.stats.failedPermanent).toBe(1);
    const failed = (await recordsIn(stateDir)).filter((x) => x.s === 'failed');
    expect(failed).toEqual([expect.objectContaining({ e: addressOf(3), k: 'permanent', rc: 552, row: 5 })]);
  });
});

describe('a refusal of the recipient', () => {
  it('550 5.1.1 at RCPT is that recipient’s permanent failure; deferrals do not count towards the failure-rate stop', async () => {
    const { summary } = await send(
      {
        permanentFail: (rcpt) => rcpt === addressOf(1),
        replyFor: (stage, _rcpt, attempt) => (stage === 'RCPT' && attempt <= 2 ? '450 4.2.0 Mailbox busy, try again later' : undefined),
      },
      30,
    );
    expect(summary.stop).toBeUndefined();
    expect(summary.stats.failedPermanent).toBe(1);
    expect(summary.stats.sent).toBe(29);
  });
});
