import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal, journalPath } from '../../src/send/index.ts';
import { BIN, runCli, tempDir, type CliResult } from '../helpers/cli.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server.ts';
import { addressOf, cliEnv, CONTENT, ISSUE, writeList } from './helpers.ts';

const SLUG = '2026-03-01-send-fixture';

let server: SmtpTestServer;
beforeEach(async () => {
  server = await startSmtpTestServer({ countOnly: true });
});
afterEach(async () => {
  await server.close();
});

async function setup(n = 5) {
  const dir = await tempDir();
  const list = await writeList(dir, n);
  const state = join(dir, 'state');
  const args = ['send', ISSUE, '--content', CONTENT, '--to', list, '--state', state];
  return { dir, list, state, args, journal: journalPath(state, SLUG, list), run: () => runCli(args, { cwd: dir, env: cliEnv(server.port) }) };
}

const sent = (e: string) => JSON.stringify({ s: 'sent', e, r: '250 OK', t: 0 });

describe('state files are never followed through a symlink', () => {
  it('a symlink planted as the journal: clear error naming it, exit 1, nothing sent, the target untouched', async () => {
    const { dir, state, journal, run } = await setup();
    await mkdir(state, { recursive: true });
    const target = join(dir, 'precious.txt');
    await writeFile(target, 'precious\n');
    await symlink(target, journal);
    const r = await run();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(journal);
    expect(r.stderr).toMatch(/symbolic link/);
    expect(server.total()).toBe(0);
    expect(await readFile(target, 'utf8')).toBe('precious\n');
  });

  it('creates the state folder 0700, and the journal and its lock 0600', async () => {
    const dir = await tempDir();
    const state = join(dir, 'new', 'state');
    const path = journalPath(state, SLUG, join(dir, 'list.csv'));
    const j = await Journal.open(path);
    try {
      await j.record(JSON.parse(sent('a@example.com')) as Parameters<Journal['record']>[0]);
      expect((await stat(state)).mode & 0o777).toBe(0o700);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await stat(`${path}.lock`)).mode & 0o777).toBe(0o600);
    } finally {
      await j.close();
    }
  });
});

describe('a damaged journal stops the run (exit 3) and says which line and how to repair it', () => {
  it.each([
    ['a line that is not JSON', 'not json'],
    ['a record with no address', '{"s":"sent","e":null}'],
    ['a record of an unknown kind', '{"s":"delivered","e":"user9@example.com","t":0}'],
    ['a JSON value that is not a record', '[1,2,3]'],
  ])('%s in the middle', async (_what, line) => {
    const { state, journal, run } = await setup();
    await mkdir(state, { recursive: true });
    await writeFile(journal, `${sent(addressOf(0))}\n${line}\n${sent(addressOf(1))}\n`);
    const r = await run();
    expect(r.stderr).not.toMatch(/Internal error/);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`${journal}:2`);
    expect(r.stderr).toMatch(/fix: .*(move|restore)/i);
    expect(server.total()).toBe(0);
  });

  it('a well-formed JSON line of the wrong shape at the end is damage too, not a torn write to drop', async () => {
    const { state, journal, run } = await setup();
    await mkdir(state, { recursive: true });
    const text = `${sent(addressOf(0))}\n{"s":"sent","e":null}\n`;
    await writeFile(journal, text);
    const r = await run();
    expect(r.stderr).not.toMatch(/Internal error/);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`${journal}:2`);
    expect(server.total()).toBe(0);
    expect(await readFile(journal, 'utf8')).toBe(text);
  });
});

/** Run the CLI as another user (root ignores file modes, so a read-only folder needs someone else). */
function runAs(uid: number, args: string[], cwd: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, uid, gid: uid, env: { ...process.env, NO_COLOR: '1', HOME: cwd, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('a read-only --state folder', () => {
  it('is a clean state error naming the folder (exit 3), not an internal error; nothing sent', async () => {
    const { dir, state, args } = await setup();
    await mkdir(state, { recursive: true });
    const isRoot = process.getuid?.() === 0;
    let r: CliResult;
    if (isRoot) {
      // nobody (65534) may read the temp folder and the list, but not write the state folder (root's, 0755).
      await chmod(dir, 0o755);
      await chmod(state, 0o755);
      r = await runAs(65534, args, dir, cliEnv(server.port));
    } else {
      await chmod(state, 0o500);
      r = await runCli(args, { cwd: dir, env: cliEnv(server.port) });
      await chmod(state, 0o700);
    }
    expect(r.stderr).not.toMatch(/Internal error/);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(state);
    expect(r.stderr).toMatch(/permission denied/);
    expect(r.stderr).toMatch(/fix: .*writable/);
    expect(server.total()).toBe(0);
  });
});
