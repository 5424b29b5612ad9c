import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unsubscribeUrl } from '../../src/audience/token.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/newsletter.js');
const CONTENT = join(ROOT, 'content');
// listId in content/newsletter.yml
const LIST = 'hemisphere-brief.hemispherebrief.example.com';
const SECRET = 'cli-test-secret-0123456789abcdef0123456789abcdef';

let cwd: string;
let child: ChildProcess | undefined;
beforeEach(async () => {
  // A folder of its own: no .env from the developer's checkout leaks in.
  cwd = await mkdtemp(join(tmpdir(), 'newsletter-unsubscribe-cli-'));
});
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  child = undefined;
  await rm(cwd, { recursive: true, force: true });
});

function cli(args: string[], env: NodeJS.ProcessEnv) {
  const { UNSUBSCRIBE_SECRET: _drop, ...base } = process.env;
  const proc = spawn(process.execPath, [BIN, 'unsubscribe-server', ...args], { cwd, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { proc, out: () => stdout, err: () => stderr };
}

async function waitFor(read: () => string, pattern: RegExp, proc: ChildProcess): Promise<RegExpExecArray> {
  for (;;) {
    const match = pattern.exec(read());
    if (match) return match;
    if (proc.exitCode !== null) throw new Error(`exited ${proc.exitCode} before printing ${pattern}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('newsletter unsubscribe-server', () => {
  it('serves one-click unsubscribes on 127.0.0.1 with the secret from .env, logs them masked, and stops on Ctrl+C', async () => {
    await writeFile(join(cwd, '.env'), `UNSUBSCRIBE_SECRET=${SECRET}\n`);
    const run = cli(['--port', '0', '--state', 'state', '--content', CONTENT], {});
    child = run.proc;
    const [, base] = await waitFor(run.out, /at (http:\/\/127\.0\.0\.1:\d+\/)/, run.proc);
    // The banner's lines can arrive in separate chunks: wait for the last one before reading them all.
    await waitFor(run.out, /suppression\.csv \(/, run.proc);
    expect(run.out()).toContain(`Endpoint for The Hemisphere Brief (${LIST})`);
    // The ESP webhook routes are listed, each off until its setting is there.
    await waitFor(run.out, /Ctrl\+C to stop/, run.proc);
    expect(run.out()).toMatch(/webhooks\/sendgrid +SendGrid: off \(set SENDGRID_WEBHOOK_PUBLIC_KEY\)/);
    expect(run.out()).toContain(`${join('state', 'suppression.csv')} (0 addresses)`);

    const url = unsubscribeUrl(`${base}unsubscribe`, 'ada@example.com', LIST, SECRET);
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    expect(await readFile(join(cwd, 'state', 'suppression.csv'), 'utf8')).toMatch(/^ada@example\.com,unsubscribed,/m);
    await waitFor(run.out, /✔ unsubscribed ad…@example\.com/, run.proc);
    expect(run.out()).not.toContain('ada@example.com');
    expect(run.out()).not.toContain(SECRET);

    run.proc.kill('SIGINT');
    const [code] = (await once(run.proc, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('without UNSUBSCRIBE_SECRET: exit 1, naming the variable and .env.example', async () => {
    const run = cli(['--port', '0', '--content', CONTENT], {});
    child = run.proc;
    const [code] = (await once(run.proc, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(run.err()).toContain('UNSUBSCRIBE_SECRET is not set');
    expect(run.err()).toContain('.env.example');
    expect(run.out()).toBe('');
  });

  it('with a secret too short to be safe: exit 1, without printing the secret', async () => {
    const run = cli(['--port', '0', '--content', CONTENT], { UNSUBSCRIBE_SECRET: 'short-secret' });
    child = run.proc;
    const [code] = (await once(run.proc, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(run.err()).toMatch(/UNSUBSCRIBE_SECRET must be at least 32 characters/);
    expect(run.err()).not.toContain('short-secret');
  });

  it('--help lists the options with examples', async () => {
    const run = cli(['--help'], {});
    child = run.proc;
    const [code] = (await once(run.proc, 'exit')) as [number | null];
    expect(code).toBe(0);
    for (const flag of ['--port N', '--host HOST', '--state DIR', '--content DIR']) expect(run.out()).toContain(flag);
    expect(run.out()).toContain('newsletter unsubscribe-server --port 8080');
  });
});
