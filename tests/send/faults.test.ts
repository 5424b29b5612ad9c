import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exitCodeOf, sendIssue, type JournalRecord } from '../../src/send/index.ts';
import { tempDir } from '../helpers/cli.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server.ts';
import { journalRecords } from '../helpers/delivery.ts';
import { addressOf, envFor, fixtureIssue, writeList } from './helpers.ts';

let server: SmtpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/**
 * Retries and throttle pauses in milliseconds, so a faulty server takes seconds, not minutes. Each
 * attempt here fails about half the time (30% at RCPT, then 30% at DATA, plus drops), and every
 * deferral counts an attempt: 20 retries make running out of them vanishingly rare (120 × 0.55²¹).
 */
const FAST = { retrySchedule: Array.from({ length: 20 }, () => 5), throttleBaseMs: 5, throttleMaxMs: 40, minRate: 50 };

describe('send against a faulty server', () => {
  it('451 on 30% of RCPT/DATA, 550 for chosen addresses, drops mid-DATA, slow replies: everyone deliverable gets exactly one, permanent failures recorded with their code', async () => {
    const N = 120;
    const rejected = new Set(Array.from({ length: N }, (_, i) => i).filter((i) => i % 12 === 5).map(addressOf));
    server = await startSmtpTestServer({
      tempFailRate: 0.3,
      permanentFail: (rcpt) => rejected.has(rcpt),
      dropMidData: (n) => n % 9 === 0,
      delayMs: 15,
      seed: 42,
    });
    const dir = await tempDir();
    const list = await writeList(dir, N);
    const summary = await sendIssue({ built: await fixtureIssue(), listPath: list, env: envFor(server.port), stateDir: join(dir, 'state'), concurrency: 5, tuning: FAST });

    // The server really misbehaved in every way the plan asked for.
    expect(server.replies.some((r) => r.code === 451 && r.command === 'RCPT')).toBe(true);
    expect(server.replies.some((r) => r.code === 451 && r.command === 'DATA')).toBe(true);
    expect(server.replies.some((r) => r.code === 0)).toBe(true);

    expect(summary.stop).toBeUndefined();
    for (let i = 0; i < N; i++) expect(server.count(addressOf(i)), addressOf(i)).toBe(rejected.has(addressOf(i)) ? 0 : 1);
    expect(summary.stats.sent).toBe(N - rejected.size);
    expect(summary.stats.failedPermanent).toBe(rejected.size);
    expect(summary.stats.failedTransient).toBe(0);
    // 451 4.3.0 is a deferral of that message alone: retried, not a failure.
    expect(summary.stats.deferred).toBeGreaterThan(0);
    expect(exitCodeOf(summary)).toBe(2);

    const failed = (await journalRecords(summary.journal!)).filter((r): r is Extract<JournalRecord, { s: 'failed' }> => r.s === 'failed');
    expect(failed.map((r) => r.e).sort()).toEqual([...rejected].sort());
    for (const r of failed) expect(r).toMatchObject({ k: 'permanent', rc: 550, cmd: 'RCPT TO', code: 'EENVELOPE' });

    const csv = (await readFile(summary.failuresCsv!, 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('email,row,outcome,smtp_code,error_code,command,detail');
    expect(csv).toHaveLength(rejected.size + 1);
    for (const line of csv.slice(1)) {
      expect(line).toMatch(/^user\d+@example\.com,\d+,failed permanently,550,EENVELOPE,RCPT TO,.*User unknown/);
      // writeList puts user{i} on row i + 2 (the header is row 1).
      const [, i, row] = /^user(\d+)@example\.com,(\d+),/.exec(line)!;
      expect(Number(row), line).toBe(Number(i) + 2);
    }
  });

  it('records transient failures that run out of retries, and --retry-failed sends them later', async () => {
    server = await startSmtpTestServer({ dropMidData: () => true });
    const dir = await tempDir();
    const list = await writeList(dir, 6);
    const opts = { built: await fixtureIssue(), listPath: list, stateDir: join(dir, 'state'), concurrency: 2, tuning: { ...FAST, retrySchedule: [5], failureRate: 1 } };
    const first = await sendIssue({ ...opts, env: envFor(server.port) });
    expect(first.stats.failedTransient).toBe(6);
    expect(exitCodeOf(first)).toBe(2);
    await server.close();

    server = await startSmtpTestServer();
    const without = await sendIssue({ ...opts, env: envFor(server.port) });
    expect(without.stats.sent).toBe(0);
    expect(without.tally.failedEarlierTransient).toBe(6);
    const retried = await sendIssue({ ...opts, env: envFor(server.port), retryFailed: 'transient' });
    expect(retried.stats.sent).toBe(6);
    expect(exitCodeOf(retried)).toBe(0);
    for (let i = 0; i < 6; i++) expect(server.count(addressOf(i))).toBe(1);
  });

  it('stops early (exit 3) when most attempts fail, leaving the rest resumable', async () => {
    server = await startSmtpTestServer({ permanentFail: () => true });
    const dir = await tempDir();
    const list = await writeList(dir, 100);
    const summary = await sendIssue({ built: await fixtureIssue(), listPath: list, env: envFor(server.port), stateDir: join(dir, 'state'), concurrency: 2, tuning: FAST });
    expect(summary.stop?.reason).toBe('failure-rate');
    expect(exitCodeOf(summary)).toBe(3);
    expect(summary.stats.failedPermanent).toBeLessThan(100);
  });

  it('an auth failure gives a clear error, exit 3, nothing sent, the password nowhere, and a consistent journal', async () => {
    server = await startSmtpTestServer({ requireAuth: { user: 'sender', pass: 'right-password' } });
    const dir = await tempDir();
    const list = await writeList(dir, 10);
    const base = { built: await fixtureIssue(), listPath: list, stateDir: join(dir, 'state') };
    const env = envFor(server.port, { SMTP_URL: `smtp://sender:wrong-p%40ss@127.0.0.1:${server.port}` });
    const summary = await sendIssue({ ...base, env });

    expect(exitCodeOf(summary)).toBe(3);
    expect(summary.stop?.reason).toBe('refused');
    expect(summary.stop?.message).toMatch(/refused the login.*535/);
    expect(summary.stop?.failure).toMatchObject({ code: 'EAUTH', responseCode: 535 });
    expect(server.total()).toBe(0);
    const text = await readFile(summary.journal!, 'utf8');
    expect(text).not.toContain('wrong-p');
    const records = await journalRecords(summary.journal!);
    expect(records.every((r) => r.s === 'run')).toBe(true);
    expect(JSON.stringify(summary.stop?.message)).not.toContain('wrong-p');

    // The right credentials resume and deliver everyone once.
    const ok = await sendIssue({ ...base, env: envFor(server.port, { SMTP_URL: `smtp://sender:right-password@127.0.0.1:${server.port}` }) });
    expect(exitCodeOf(ok)).toBe(0);
    for (let i = 0; i < 10; i++) expect(server.count(addressOf(i))).toBe(1);
  });

  it('an unreachable server stops the run (exit 3) before anything is taken from the list', async () => {
    server = await startSmtpTestServer();
    const port = server.port;
    await server.close();
    server = undefined;
    const dir = await tempDir();
    const list = await writeList(dir, 5);
    const summary = await sendIssue({ built: await fixtureIssue(), listPath: list, env: envFor(port), stateDir: join(dir, 'state') });
    expect(summary.stop?.reason).toBe('unreachable');
    expect(summary.stop?.message).toContain(`127.0.0.1:${port}`);
    expect(exitCodeOf(summary)).toBe(3);
  });
});
