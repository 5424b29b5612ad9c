import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from '../helpers/cli.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server.ts';
import { CLEAN_ENV, addressOf, cliEnv, CONTENT, ISSUE } from './helpers.ts';

// Issue 9 §7: the list can come from a pipe, and a device or folder passed as the list is refused.

let server: SmtpTestServer;
beforeEach(async () => {
  server = await startSmtpTestServer();
});
afterEach(async () => {
  await server.close();
});

const N = 7;
const CSV = `email,first_name\n${Array.from({ length: N }, (_, i) => `${addressOf(i)},First${i}`).join('\n')}\n`;
const everyone = Array.from({ length: N }, (_, i) => addressOf(i));

async function send(dir: string, to: string, extra: string[] = [], input?: string) {
  const args = ['send', ISSUE, '--content', CONTENT, '--to', to, '--state', join(dir, 'state'), ...extra];
  // Killed if it hangs (what /dev/zero and a FIFO did), so a regression fails without leaving it running.
  return runCli(args, { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port) }, killAfterMs: 50_000, ...(input !== undefined ? { input } : {}) });
}

describe('newsletter send --to a pipe', () => {
  it('--to /dev/stdin reads the piped list once and sends to everyone on it', async () => {
    const dir = await tempDir();
    const r = await send(dir, '/dev/stdin', [], CSV);
    expect(r.stderr).not.toMatch(/Internal error/);
    expect(r.code).toBe(0);
    for (const a of everyone) expect(server.count(a)).toBe(1);
    expect(server.total()).toBe(N);
  });

  it('--dry-run --to /dev/stdin writes a message for everyone on the piped list', async () => {
    const dir = await tempDir();
    const r = await send(dir, '/dev/stdin', ['--dry-run', '--out', join(dir, 'out')], CSV);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/written\s+7/);
  });

  it('a named pipe (mkfifo) that a writer fills is read once and everyone gets the issue', async () => {
    const dir = await tempDir();
    const fifo = join(dir, 'list.fifo');
    execFileSync('mkfifo', [fifo]);
    const running = send(dir, fifo);
    // Opening for writing waits for the CLI to open the pipe for reading.
    const writer = await open(fifo, 'w');
    await writer.write(CSV);
    await writer.close();
    const r = await running;
    expect(r.stderr).not.toMatch(/Internal error/);
    expect(r.code).toBe(0);
    for (const a of everyone) expect(server.count(a)).toBe(1);
  });

  it('a named pipe nobody writes to waits, and Ctrl-C ends the wait (exit 3, nothing sent)', async () => {
    const dir = await tempDir();
    const fifo = join(dir, 'list.fifo');
    execFileSync('mkfifo', [fifo]);
    const args = ['send', ISSUE, '--content', CONTENT, '--to', fifo, '--state', join(dir, 'state')];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...CLEAN_ENV, ...cliEnv(server.port) }, timeout: 50_000, killSignal: 'SIGKILL' });
    let stderr = '';
    // The line naming the issue is printed once the Ctrl-C handler is in place, just before the list is opened.
    const started = new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('Sending issue')) resolve();
      }),
    );
    const exited = once(child, 'close');
    await started;
    child.kill('SIGINT');
    const [code] = (await exited) as [number | null];
    expect(stderr).toContain(`Stopped while waiting for a program to write the list to ${fifo}`);
    expect(code).toBe(3);
    expect(server.total()).toBe(0);
  });

  it('--strict with a pipe is refused with the fix (it would have to read the list twice), nothing sent', async () => {
    const dir = await tempDir();
    const r = await send(dir, '/dev/stdin', ['--strict'], CSV);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--strict/);
    expect(r.stderr).toMatch(/fix: .*save the list to a file/i);
    expect(server.total()).toBe(0);
  });
});

describe('newsletter send --to something that is not a list file', () => {
  it.each([
    ['/dev/zero', /is a device, not a file/],
    ['/dev/urandom', /is a device, not a file/],
  ])('--to %s is refused at once (exit 1), nothing sent', async (path, message) => {
    const dir = await tempDir();
    const r = await send(dir, path);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/fix: /);
    expect(server.total()).toBe(0);
  });

  it('--test ADDR --to /dev/zero is refused too (the list is read for the names)', async () => {
    const dir = await tempDir();
    const r = await send(dir, '/dev/zero', ['--test', 'me@example.com']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is a device, not a file/);
    expect(server.total()).toBe(0);
  });

  it('a folder is refused (exit 1), nothing sent', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'lists'));
    const r = await send(dir, join(dir, 'lists'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is a folder/);
    expect(server.total()).toBe(0);
  });
});

describe('newsletter send --to a file that is not a subscriber list', () => {
  it('never prints the values of a file without an email header (a .env passed by mistake)', async () => {
    const dir = await tempDir();
    // In a folder of its own, so the CLI does not load it as its own .env.
    await mkdir(join(dir, 'app'));
    await writeFile(join(dir, 'app', '.env'), 'SMTP_URL=smtp://u:hunter2@h\nUNSUBSCRIBE_SECRET=another-secret-value-0123456789abcdef\n');
    const r = await send(dir, join(dir, 'app', '.env'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no "email" column/);
    expect(r.stderr).toMatch(/does not look like a header row/);
    expect(r.stdout + r.stderr).not.toContain('hunter2');
    expect(r.stdout + r.stderr).not.toContain('SMTP_URL=');
    expect(r.stdout + r.stderr).not.toContain('another-secret-value');
    expect(server.total()).toBe(0);
  });
});
