import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { ROOT } from './content.ts';

/**
 * The CLI entry. Under vitest it runs the bundle tests/global-setup.ts built (NEWSLETTER_BUNDLE,
 * inherited by every child): one code path whatever the timestamps of dist/ and src/.
 */
export const BIN = join(ROOT, 'bin', 'newsletter.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run the real CLI as a child process. `input` is written to its stdin, which is then closed;
 * `killAfterMs` kills a child that hangs (a regression), so it does not outlive its test.
 */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string; killAfterMs?: number } = {}): Promise<CliResult> {
  if (!process.env.NEWSLETTER_BUNDLE) return Promise.reject(new Error('NEWSLETTER_BUNDLE is not set: run the tests with vitest.config.ts, whose globalSetup builds the CLI bundle'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, NO_COLOR: '1', ...options.env }, ...(options.killAfterMs ? { timeout: options.killAfterMs, killSignal: 'SIGKILL' as const } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    // A child that exits without reading its input closes the pipe (EPIPE): not the test's failure.
    if (options.input !== undefined) child.stdin.on('error', () => {}).end(options.input);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A temp folder removed after the test; optionally seeded with a copy of a folder. */
export async function tempDir(copyFrom?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'newsletter-test-'));
  temps.push(dir);
  if (copyFrom) await cp(copyFrom, dir, { recursive: true });
  return dir;
}
