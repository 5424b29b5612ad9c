/**
 * The failure paths crash safety depends on, driven in this process (so coverage sees
 * deliver.ts, journal.ts and run.ts run them) against the real loopback SMTP server,
 * with the real journal on disk: a second Ctrl-C, giving up on a server that keeps
 * throttling, a login refused mid-run, the server gone mid-run, a value unsafe for
 * its header (skipped), and a journal that cannot be written. Each ends with a resume
 * and a count of what arrived (parsed To headers): nobody recorded as sent is mailed
 * again, and a second copy only ever goes to someone the journal shows in flight.
 */
import { execFileSync, spawn } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NewsletterError } from '../../src/errors.ts';
import { exitCodeOf, sendIssue, type SendOptions } from '../../src/send/index.ts';
import { BIN, runCli, tempDir } from '../helpers/cli.ts';
import { deliveredCounts, journalIn, journalRecords, lastStates, until, withState } from '../helpers/delivery.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server.ts';
import { addressOf, CLEAN_ENV, cliEnv, CONTENT, envFor, fixtureIssue, ISSUE, writeList } from './helpers.ts';

const servers: SmtpTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(plan: Parameters<typeof startSmtpTestServer>[0] = {}): Promise<SmtpTestServer> {
  const s = await startSmtpTestServer(plan);
  servers.push(s);
  return s;
}

/** Retries and throttle pauses in milliseconds. */
const FAST = { retrySchedule: [5, 5, 5], throttleBaseMs: 1, throttleMaxMs: 5, minRate: 1000 };

async function setup(n: number): Promise<Pick<SendOptions, 'built' | 'listPath' | 'stateDir'> & { all: string[] }> {
  const dir = await tempDir();
  return { built: await fixtureIssue(), listPath: await writeList(dir, n), stateDir: join(dir, 'state'), all: Array.from({ length: n }, (_, i) => addressOf(i)) };
}

/**
 * What a resume must leave: everyone has exactly one copy, except that someone the
 * journal showed in flight (`sending`, no outcome) when the run stopped may have two.
 */
function expectEveryoneOnce(all: string[], counts: Map<string, number>, inFlightAtStop: string[] = []): void {
  for (const e of all) {
    const c = counts.get(e) ?? 0;
    if (inFlightAtStop.includes(e)) expect(c, e).toBeGreaterThanOrEqual(1);
    else expect(c, e).toBe(1);
  }
  expect([...counts.keys()].filter((e) => !all.includes(e))).toEqual([]);
}

describe('Ctrl-C during a send', () => {
  it('once: the messages in flight finish and are recorded, nothing stays `sending`, and the resume sends the rest once', async () => {
    const { all, ...base } = await setup(30);
    const smtp = await server({ delayMs: 5 });
    const stopping = new AbortController();
    const run = sendIssue({ ...base, env: envFor(smtp.port), concurrency: 3, signal: stopping.signal });
    await until(() => smtp.total() >= 5);
    stopping.abort();
    const first = await run;
    expect(first.stop).toMatchObject({ reason: 'interrupted', message: expect.stringMatching(/^Interrupted \(Ctrl-C\); the messages in flight were finished and recorded/) as unknown });
    expect(exitCodeOf(first)).toBe(3);
    // Graceful: everything the server accepted is recorded as sent; nothing is left in flight.
    const states = lastStates(await journalRecords(first.journal!));
    expect(first.stats.sent).toBe(smtp.total());
    expect(withState(states, 'sent')).toHaveLength(smtp.total());
    expect(withState(states, 'sending')).toEqual([]);
    expect(smtp.total()).toBeLessThan(30);

    const second = await sendIssue({ ...base, env: envFor(smtp.port), concurrency: 3 });
    expect(exitCodeOf(second)).toBe(0);
    expect(second.tally).toMatchObject({ sentEarlier: first.stats.sent, inFlightAtLastStop: 0 });
    expectEveryoneOnce(all, deliveredCounts(smtp));
  });

  it('twice: connections close at once, the messages in flight stay `sending` and the summary says so; the resume sends each of them once', async () => {
    const { all, ...base } = await setup(12);
    let stalling = true;
    // Message attempts after the 5th get no reply (and are not stored): three workers wait on them.
    const smtp = await server({ stallData: (n) => stalling && n > 5 });
    const stopping = new AbortController();
    const forcing = new AbortController();
    const run = sendIssue({ ...base, env: envFor(smtp.port), concurrency: 3, signal: stopping.signal, forceSignal: forcing.signal });
    await until(() => smtp.stalled() === 3);
    stopping.abort();
    forcing.abort();
    const first = await run;
    expect(exitCodeOf(first)).toBe(3);
    expect(first.stop?.reason).toBe('interrupted');
    expect(first.stats.sent).toBe(5);
    const states = lastStates(await journalRecords(first.journal!));
    const inFlight = withState(states, 'sending');
    expect(inFlight).toHaveLength(3);
    expect(withState(states, 'sent')).toHaveLength(5);

    stalling = false;
    const second = await sendIssue({ ...base, env: envFor(smtp.port), concurrency: 3 });
    expect(exitCodeOf(second)).toBe(0);
    expect(second.tally).toMatchObject({ sentEarlier: 5, inFlightAtLastStop: 3 });
    expect(second.stats.sent).toBe(7);
    // The stalled copies were never accepted: the resend is their only copy.
    expectEveryoneOnce(all, deliveredCounts(smtp));
    // Last, as it fails today: the first Ctrl-C's words ("finished and recorded") are false now, three stayed in flight.
    expect(first.stop?.message).toMatch(/^Interrupted twice/);
  });
});

describe('Ctrl-C twice, through the CLI', () => {
  it('the second SIGINT ends a send whose messages hang: exit 3, the summary says they stay in flight, the resume sends each of them once', async () => {
    const { all, listPath, stateDir } = await setup(12);
    let stalling = true;
    const smtp = await server({ stallData: (n) => stalling && n > 5 });
    const args = ['send', ISSUE, '--content', CONTENT, '--to', listPath, '--state', stateDir, '--concurrency', '3'];
    const env = { ...CLEAN_ENV, ...cliEnv(smtp.port) };
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await until(() => smtp.stalled() === 3 || child.exitCode !== null);
      child.kill('SIGINT');
      // The second only once the first was handled: two signals sent together can arrive as one.
      await until(() => stderr.includes('Ctrl-C again to stop at once') || child.exitCode !== null);
      child.kill('SIGINT');
      expect(await exited, stderr).toBe(3);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(stdout).toMatch(/^\s+sent\s+5\b/m);
    expect(stdout).toMatch(/resume: newsletter send /);

    stalling = false;
    const rerun = await runCli(args, { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/were in flight\s+3 \(when the last run stopped/);
    expectEveryoneOnce(all, deliveredCounts(smtp));
    // Last, as it fails today: the summary must not repeat the first Ctrl-C's "finished and recorded".
    expect(stdout).toMatch(/Stopped early: Interrupted twice/);
  });
});

describe('a server that keeps throttling', () => {
  it('gives up on each message after maxThrottles (failed transiently, exit 2, no stop); --retry-failed sends them once the server recovers', async () => {
    const { all, ...base } = await setup(4);
    let throttling = true;
    // Microsoft's "server busy" at MAIL FROM: a throttle of the whole sender (README, "How replies are read").
    const smtp = await server({ replyFor: (stage) => (throttling && stage === 'MAIL' ? '451 4.7.500 Server busy. Please try again later.' : undefined) });
    const first = await sendIssue({ ...base, env: envFor(smtp.port), concurrency: 1, tuning: { ...FAST, maxThrottles: 2 } });
    expect(first.stop).toBeUndefined();
    expect(exitCodeOf(first)).toBe(2);
    expect(first.stats).toMatchObject({ sent: 0, failedTransient: 4, failedPermanent: 0, throttled: 12 });
    const failed = (await journalRecords(first.journal!)).filter((r) => r.s === 'failed');
    expect(failed.map((r) => r.e).sort()).toEqual([...all].sort());
    for (const r of failed) expect(r).toMatchObject({ k: 'transient', rc: 451, m: expect.stringMatching(/kept throttling; gave up after 2 tries/) as unknown });
    expect(smtp.total()).toBe(0);

    throttling = false;
    const without = await sendIssue({ ...base, env: envFor(smtp.port), concurrency: 1 });
    expect(without.tally.failedEarlierTransient).toBe(4);
    expect(smtp.total()).toBe(0);
    const retried = await sendIssue({ ...base, env: envFor(smtp.port), concurrency: 1, retryFailed: 'transient' });
    expect(exitCodeOf(retried)).toBe(0);
    expectEveryoneOnce(all, deliveredCounts(smtp));
  });
});

describe('the server fails mid-run', () => {
  it('login refused on a later connection: stops (exit 3) naming the login, the recipient held pending, nobody failed; the resume sends each remaining one once', async () => {
    const { all, ...base } = await setup(12);
    const creds = { user: 'sender', pass: 'right-password' };
    // Logins work for the first 6 messages; the pool opens a new connection every 3 messages.
    const smtp = await server({ requireAuth: creds, rejectAuthAfter: 6 });
    const url = (port: number) => envFor(port, { SMTP_URL: `smtp://${creds.user}:${creds.pass}@127.0.0.1:${port}` });
    const first = await sendIssue({ ...base, env: url(smtp.port), concurrency: 1, tuning: FAST, transportOverrides: { maxMessages: 3 } });
    expect(exitCodeOf(first)).toBe(3);
    expect(first.stop).toMatchObject({ reason: 'refused', failure: { responseCode: 535 } });
    expect(first.stop?.message).toMatch(/refused the login.*535.*the recipients stay pending/);
    expect(first.stats).toMatchObject({ sent: 6, failedPermanent: 0, failedTransient: 0 });
    const states = lastStates(await journalRecords(first.journal!));
    expect(withState(states, 'sent')).toHaveLength(6);
    expect(withState(states, 'pending')).toHaveLength(1);
    expect(withState(states, 'sending')).toEqual([]);
    expect(smtp.replies.filter((r) => r.command === 'AUTH')).toHaveLength(1);
    expect(smtp.total()).toBe(6);

    const fixed = await server({ requireAuth: creds });
    const second = await sendIssue({ ...base, env: url(fixed.port), concurrency: 1, tuning: FAST, transportOverrides: { maxMessages: 3 } });
    expect(exitCodeOf(second)).toBe(0);
    expect(second.tally.sentEarlier).toBe(6);
    expect(fixed.total()).toBe(6);
    expectEveryoneOnce(all, deliveredCounts(smtp, fixed));
  });

  it('server gone (stops listening): stops as unreachable (exit 3) after the retries, nobody failed; the resume reaches everyone, a second copy only for one in flight', async () => {
    const { all, ...base } = await setup(20);
    let closed: Promise<void> | undefined;
    // At the 8th MAIL FROM the server closes: no new connections, the open ones end.
    const smtp: SmtpTestServer = await server({
      replyFor: (stage, _rcpt, n) => {
        if (stage === 'MAIL' && n === 8) closed = smtp.close();
        return undefined;
      },
    });
    const first = await sendIssue({ ...base, env: envFor(smtp.port), concurrency: 2, tuning: { ...FAST, retrySchedule: Array.from({ length: 10 }, () => 5) } });
    await closed;
    expect(exitCodeOf(first)).toBe(3);
    expect(first.stop).toMatchObject({ reason: 'unreachable', message: expect.stringMatching(/^Cannot reach the SMTP server: .*ECONNREFUSED|nothing accepts connections/) as unknown });
    expect(first.stats.failedPermanent + first.stats.failedTransient).toBe(0);
    const records = await journalRecords(first.journal!);
    expect(records.filter((r) => r.s === 'failed')).toEqual([]);
    const states = lastStates(records);
    // Everything the server accepted is in the journal as sent or (reply lost) in flight.
    const counts = deliveredCounts(smtp);
    for (const e of counts.keys()) expect(['sent', 'sending'], e).toContain(states.get(e));
    expect(first.stats.sent).toBe(withState(states, 'sent').length);
    expect(first.stats.sent).toBeLessThan(20);
    const inFlight = withState(states, 'sending');
    expect(inFlight.length).toBeLessThanOrEqual(2);

    const back = await server();
    const second = await sendIssue({ ...base, env: envFor(back.port), concurrency: 2, tuning: FAST });
    expect(exitCodeOf(second)).toBe(0);
    expect(second.tally).toMatchObject({ sentEarlier: first.stats.sent, inFlightAtLastStop: inFlight.length });
    expectEveryoneOnce(all, deliveredCounts(smtp, back), inFlight);
  });
});

describe('a value unsafe for its place', () => {
  it('skips that recipient with the reason in the journal (exit 0), sends the others, and skips it again on resume', async () => {
    const dir = await tempDir();
    // 600 characters of UNSUBSCRIBE_URL (the most allowed) and an address of 240 "+" (each %2B in the link): the List-Unsubscribe line cannot fit.
    const odd = `${'+'.repeat(240)}@example.com`;
    const listPath = join(dir, 'list.csv');
    await writeFile(listPath, `email,first_name\nfirst@example.com,Ann\n${odd},Odd\nlast@example.com,Bo\n`);
    const smtp = await server();
    const opts = { built: await fixtureIssue(), listPath, stateDir: join(dir, 'state'), env: envFor(smtp.port, { UNSUBSCRIBE_URL: `https://example.com/${'u'.repeat(580)}` }) };
    const first = await sendIssue(opts);
    expect(first.stop).toBeUndefined();
    expect(exitCodeOf(first)).toBe(0);
    expect(first.stats).toMatchObject({ sent: 2, skippedInvalid: 1, failedPermanent: 0 });
    const skipped = (await journalRecords(first.journal!)).filter((r) => r.s === 'skipped');
    expect(skipped).toEqual([expect.objectContaining({ e: odd, why: expect.stringMatching(/^invalid: The unsubscribe URL for \+{240}@example\.com is \d+ characters/) as unknown })]);
    expect(first.failuresCsv).toBeUndefined();

    const second = await sendIssue(opts);
    expect(exitCodeOf(second)).toBe(0);
    expect(second.stats).toMatchObject({ sent: 0, skippedInvalid: 1 });
    expect(second.tally.sentEarlier).toBe(2);
    expectEveryoneOnce(['first@example.com', 'last@example.com'], deliveredCounts(smtp));
  });
});

/**
 * The journal's file may grow to `bytes` for the duration of `fn` (RLIMIT_FSIZE on this test
 * process, soft limit only, restored after): a write past it fails with EFBIG, as a full disk
 * fails with ENOSPC. Node ignores SIGXFSZ, so the write returns the error instead of killing us.
 */
async function withFileSizeLimit<T>(bytes: number, fn: () => Promise<T>): Promise<T> {
  execFileSync('prlimit', ['--pid', String(process.pid), `--fsize=${bytes}:`]);
  try {
    return await fn();
  } finally {
    execFileSync('prlimit', ['--pid', String(process.pid), '--fsize=unlimited:']);
  }
}

describe('the journal cannot be written (file size limit: EFBIG, as a full disk)', () => {
  it('stops with ESEND exit 3 and the fix, no message is accepted unrecorded, and the resume after the limit is lifted reaches everyone, a second copy only for one in flight', async () => {
    const N = 40;
    const { all, ...base } = await setup(N);
    const smtp = await server();
    // A first run of 5 creates the journal; then it may grow ~1.5 KB more (about a dozen messages).
    await sendIssue({ ...base, env: envFor(smtp.port), concurrency: 2, limit: 5 });
    const journal = await journalIn(base.stateDir);
    const { size } = await stat(journal);
    const failed = await withFileSizeLimit(size + 1500, () => sendIssue({ ...base, env: envFor(smtp.port), concurrency: 2 }).then(() => undefined, (error: unknown) => error));
    expect(failed).toBeInstanceOf(NewsletterError);
    expect(failed).toMatchObject({ code: 'ESEND', exitCode: 3, message: expect.stringMatching(/^Cannot write the send journal: .*EFBIG|file too large/i) as unknown });
    expect((failed as NewsletterError).fix).toMatch(/run the same command again to resume/);

    const states = lastStates(await journalRecords(journal, { tornTail: 'drop' }));
    const counts = deliveredCounts(smtp);
    // The crash-safety rule: the server accepted nothing the journal does not show as sent or in flight.
    for (const e of counts.keys()) expect(['sent', 'sending'], e).toContain(states.get(e));
    const sent = withState(states, 'sent');
    const inFlight = withState(states, 'sending').filter((e) => counts.has(e));
    expect(sent.length).toBeGreaterThan(5);
    expect(sent.length).toBeLessThan(N);
    expect(inFlight.length).toBeLessThanOrEqual(2);

    const resumed = await sendIssue({ ...base, env: envFor(smtp.port), concurrency: 2 });
    expect(exitCodeOf(resumed)).toBe(0);
    expect(resumed.tally.sentEarlier).toBe(sent.length);
    expectEveryoneOnce(all, deliveredCounts(smtp), inFlight);
    // Recorded as sent before the failure: never a second copy.
    for (const e of sent) expect(deliveredCounts(smtp).get(e), e).toBe(1);
  });
});
