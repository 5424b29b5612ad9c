import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { NewsletterError } from '../../src/errors.ts';
import { Journal, journalPath } from '../../src/send/index.ts';
import { runCli, tempDir, type CliResult } from '../helpers/cli.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server.ts';
import { addressOf, cliEnv, CONTENT, ISSUE, writeList } from './helpers.ts';

const SLUG = '2026-03-01-send-fixture';
/** Above Linux's default pid_max (2^22): no process can have it, so a lock naming it is provably stale. */
const DEAD_PID = 4194305;

let server: SmtpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Preloaded to make every write to a lock file slow (see there): widens the race windows. */
const SLOW_DISK = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${pathToFileURL(join(import.meta.dirname, 'slow-lock-disk.mjs')).href}`.trim() };

async function setup(n: number, extraEnv: Record<string, string> = {}) {
  server = await startSmtpTestServer({ countOnly: true });
  const dir = await tempDir();
  const list = await writeList(dir, n);
  const state = join(dir, 'state');
  const args = ['send', ISSUE, '--content', CONTENT, '--to', list, '--state', state, '--concurrency', '2'];
  const run = () => runCli(args, { cwd: dir, env: cliEnv(server!.port, extraEnv) });
  return { dir, list, state, run, lock: `${journalPath(state, SLUG, list)}.lock` };
}

/** Every run either sent (exit 0) or was refused because another one held the lock (exit 1). */
function expectSentOrBusy(results: CliResult[]): void {
  for (const r of results) {
    expect(r.stderr).not.toMatch(/Internal error/);
    if (r.code !== 0) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/is already sending this issue to this list/);
    }
  }
}

function expectOneCopyEach(n: number): void {
  const counts = Array.from({ length: n }, (_, i) => server!.count(addressOf(i)));
  expect(counts.filter((c) => c !== 1).length, `copies per address: ${counts.join(',')}`).toBe(0);
}

describe('one sender at a time (the send lock)', () => {
  const disks = [
    ['as it is', {}],
    ['on a slow disk (every lock write takes 1 s)', SLOW_DISK],
  ] as const;

  it.each(disks)('six `send` processes started at the same moment, then one more run: every subscriber gets exactly one copy (disk %s)', async (_disk, extraEnv) => {
    const N = 150;
    const { run } = await setup(N, extraEnv);
    const results = await Promise.all(Array.from({ length: 6 }, run));
    expectSentOrBusy(results);
    expect(results.some((r) => r.code === 0)).toBe(true);
    const again = await run();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/in earlier runs/);
    expectOneCopyEach(N);
  }, 180_000);

  it.each(disks)('a lock left by a dead process, then several senders at once: it is taken over by one of them only (disk %s)', async (_disk, extraEnv) => {
    const N = 150;
    const { run, state, lock } = await setup(N, extraEnv);
    await mkdir(state, { recursive: true });
    await writeFile(lock, `${DEAD_PID}\n`);
    const results = await Promise.all(Array.from({ length: 5 }, run));
    expectSentOrBusy(results);
    expect(results.some((r) => r.code === 0)).toBe(true);
    const again = await run();
    expect(again.code, again.stderr).toBe(0);
    expectOneCopyEach(N);
  }, 180_000);

  it('an empty lock file is busy, never stale: refused (exit 1), nothing sent, and the fix says how to remove it', async () => {
    const { run, state, lock } = await setup(5);
    await mkdir(state, { recursive: true });
    await writeFile(lock, '');
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/lock/i);
    expect(r.stderr).toContain(lock);
    expect(r.stderr).toMatch(/fix: .*no `newsletter send` is running.*rm /);
    expect(server!.total()).toBe(0);
    // Left in place: it may belong to a send that is starting right now.
    expect(await readFile(lock, 'utf8')).toBe('');
  });

  it('a symlink planted as the lock is refused by name (exit 1): nothing sent, its target untouched', async () => {
    const { dir, run, state, lock } = await setup(5);
    await mkdir(state, { recursive: true });
    const target = join(dir, 'precious.txt');
    await writeFile(target, 'precious\n');
    await symlink(target, lock);
    const r = await run();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(lock);
    expect(r.stderr).toMatch(/symbolic link/);
    expect(server!.total()).toBe(0);
    expect(await readFile(target, 'utf8')).toBe('precious\n');
    expect((await stat(target)).mode & 0o777).toBe(0o644);
  });
});

describe('the takeover guard', () => {
  it('a takeover left half-done by a dead process is refused by name, with how to clear it; the stale lock stays', async () => {
    const dir = await tempDir();
    const path = join(dir, 'j.journal.jsonl');
    await writeFile(`${path}.lock`, `${DEAD_PID}\n`);
    await writeFile(`${path}.lock.takeover`, `${DEAD_PID + 1}\n`);
    const error = await Journal.open(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NewsletterError);
    expect((error as NewsletterError).where).toBe(`${path}.lock.takeover`);
    expect((error as NewsletterError).fix).toMatch(/no `newsletter send` .* is running, remove it \(rm /);
    expect(await readFile(`${path}.lock`, 'utf8')).toBe(`${DEAD_PID}\n`);
  });
});
