import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from '../helpers/cli.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server.ts';
import { addressOf, cliEnv, CONTENT, ISSUE, writeList } from './helpers.ts';

let server: SmtpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('kill -9 in the middle of a send', () => {
  it('resumes after SIGKILL: everyone delivered, duplicates at most --concurrency, nobody recorded as sent gets a second copy', async () => {
    const N = 1000;
    const CONCURRENCY = 5;
    server = await startSmtpTestServer({ countOnly: true });
    const dir = await tempDir();
    const list = await writeList(dir, N);
    const state = join(dir, 'state');
    const args = ['send', ISSUE, '--content', CONTENT, '--to', list, '--state', state, '--concurrency', String(CONCURRENCY)];
    const env = { ...process.env, NO_COLOR: '1', ...cliEnv(server.port) };

    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal === 'SIGKILL' ? -9 : _code)));
    // Kill once a few hundred messages have arrived: mid-send, whatever the machine's speed.
    while (server.total() < 300 && child.exitCode === null) await sleep(5);
    child.kill('SIGKILL');
    expect(await exited).toBe(-9);
    const before = server.total();
    expect(before).toBeGreaterThanOrEqual(300);
    expect(before).toBeLessThan(N);

    // What the journal says was sent before the crash is a subset of what arrived.
    const journalFile = join(state, (await readdir(state)).find((n) => n.endsWith('.journal.jsonl'))!);
    const text = await readFile(journalFile, 'utf8');
    const records = text.split('\n').filter((l) => l.endsWith('}')).map((l) => JSON.parse(l) as { s: string; e: string });
    const sentBefore = new Set(records.filter((r) => r.s === 'sent').map((r) => r.e));
    for (const e of sentBefore) expect(server.count(e), e).toBe(1);
    // `sending` is on disk before the server can accept the message: whatever arrived is in the journal.
    const recorded = new Set(records.filter((r) => r.s === 'sent' || r.s === 'sending').map((r) => r.e));
    const unrecorded = Array.from({ length: N }, (_, i) => addressOf(i)).filter((e) => server!.count(e) > 0 && !recorded.has(e));
    expect(unrecorded, 'accepted by the server but not in the journal').toEqual([]);

    const rerun = await runCli(args, { cwd: dir, env: cliEnv(server.port) });
    expect(rerun.stderr).not.toMatch(/Internal error/);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(/in earlier runs/);

    let duplicates = 0;
    for (let i = 0; i < N; i++) {
      const c = server.count(addressOf(i));
      expect(c, addressOf(i)).toBeGreaterThanOrEqual(1);
      duplicates += c - 1;
    }
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY);
    // The summary's count is what the journal proves: every duplicate is in it, and no more than were in flight.
    const inFlight = Number(/were in flight\s+(\d+) \(when the last run stopped/.exec(rerun.stdout)?.[1] ?? 0);
    expect(inFlight, rerun.stdout).toBeGreaterThanOrEqual(duplicates);
    expect(inFlight).toBeLessThanOrEqual(CONCURRENCY);
    // Recorded as sent before the crash: never sent again.
    for (const e of sentBefore) expect(server.count(e), e).toBe(1);
  }, 180_000);
});

describe('Ctrl-C', () => {
  it('stops gracefully: exit 3, says how to resume, the journal is consistent, and the rerun finishes with nobody twice', async () => {
    const N = 400;
    server = await startSmtpTestServer({ countOnly: true, delayMs: 5 });
    const dir = await tempDir();
    const list = await writeList(dir, N);
    const args = ['send', ISSUE, '--content', CONTENT, '--to', list, '--state', join(dir, 'state'), '--concurrency', '3'];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...cliEnv(server.port) } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    while (server.total() < 50 && child.exitCode === null) await sleep(5);
    child.kill('SIGINT');
    expect(await exited).toBe(3);
    expect(stderr).toContain('Stopping: finishing the messages in flight');
    expect(stdout).toContain('Stopped early: Interrupted (Ctrl-C)');
    expect(stdout).toMatch(/resume: newsletter send /);
    const sentFirst = Number(/^\s+sent\s+(\d+)/m.exec(stdout)?.[1]);
    // Graceful: everything the server accepted was recorded as sent.
    expect(sentFirst).toBe(server.total());

    const rerun = await runCli(args, { cwd: dir, env: cliEnv(server.port) });
    expect(rerun.code).toBe(0);
    for (let i = 0; i < N; i++) expect(server.count(addressOf(i)), addressOf(i)).toBe(1);
  }, 180_000);
});
