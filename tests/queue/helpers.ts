import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach } from 'vitest';
import { BIN, runCli, tempDir, type CliResult } from '../helpers/cli.ts';
import { trackChild } from '../helpers/children.ts';
import { CLEAN_ENV, CONTENT, ISSUE, SECRET, writeList } from '../send/helpers.ts';
import { campaignKeys, CAMPAIGNS_KEY } from '../../src/redis/index.ts';

export { CONTENT, ISSUE, SECRET };

/** A project folder with a list of n subscribers and a state folder. */
export async function project(n: number): Promise<{ dir: string; list: string; state: string }> {
  const dir = await tempDir();
  return { dir, list: await writeList(dir, n), state: join(dir, 'state') };
}

/** What every CLI child gets: no developer settings, the test secret, the sink as SMTP server. */
export function queueEnv(smtpPort: number | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return { ...CLEAN_ENV, UNSUBSCRIBE_SECRET: SECRET, ...(smtpPort ? { SMTP_URL: `smtp://127.0.0.1:${smtpPort}` } : {}), ...extra };
}

/** `newsletter send ISSUE --to LIST --queue URL …` */
export function enqueue(p: { dir: string; list: string; state: string }, url: string, extra: string[] = [], env: Record<string, string> = queueEnv(undefined)): Promise<CliResult> {
  return runCli(['send', ISSUE, '--to', p.list, '--queue', url, '--content', CONTENT, '--state', p.state, ...extra], { cwd: p.dir, env });
}

export interface WorkerProcess {
  child: ChildProcess;
  done: Promise<CliResult>;
}

/** A `newsletter worker --exit-when-done` child process (killable). */
export function startWorker(cwd: string, url: string, smtpPort: number, extra: string[] = [], env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--exit-when-done', ...extra], { cwd, env: { ...process.env, NO_COLOR: '1', ...queueEnv(smtpPort), ...env } });
  trackChild(child, 'worker');
  started.add(child);
  child.once('exit', () => started.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

const started = new Set<ChildProcess>();
/** Workers a failed test left running: killed after each test (their Redis may be gone; they would retry forever). */
afterEach(() => {
  for (const child of started) child.kill('SIGKILL');
  started.clear();
});

/** The newest campaign's counts hash, as numbers (a state nobody reached is 0). */
export async function campaignCounts(url: string): Promise<Record<string, number>> {
  const redis = new Redis(url);
  try {
    const [id] = await redis.zrevrange(CAMPAIGNS_KEY, 0, 0);
    const counts = await redis.hgetall(campaignKeys(id!).counts);
    const zero = { q: 0, c: 0, s: 0, S: 0, p: 0, F: 0, T: 0, K: 0, dup: 0 };
    return { ...zero, ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)])) };
  } finally {
    redis.disconnect();
  }
}

/**
 * A field of a worker's hash in the newest campaign (its line in `status`): 'sent', 'state'… `worker`
 * is the --id it was started with (its id in Redis adds a random suffix).
 */
export async function workerField(url: string, worker: string, field: string): Promise<string | null> {
  const redis = new Redis(url);
  try {
    const [id] = await redis.zrevrange(CAMPAIGNS_KEY, 0, 0);
    if (!id) return null;
    const keys = campaignKeys(id);
    const owner = (await redis.smembers(keys.workers)).find((w) => w.startsWith(`${worker}.`));
    return owner ? await redis.hget(keys.worker(owner), field) : null;
  } finally {
    redis.disconnect();
  }
}

/** Recipients delivered more than once, and those never delivered, of user0…user(n-1). */
export function deliveryReport(counts: Map<string, number>, n: number): { missing: string[]; duplicates: number; extra: string[] } {
  const missing: string[] = [];
  let duplicates = 0;
  for (let i = 0; i < n; i++) {
    const c = counts.get(`user${i}@example.com`) ?? 0;
    if (c === 0) missing.push(`user${i}@example.com`);
    duplicates += Math.max(0, c - 1);
  }
  const extra = [...counts.keys()].filter((k) => !/^user\d+@example\.com$/.test(k));
  return { missing, duplicates, extra };
}

/** Wait until `condition` holds (polled), or throw after `ms`. */
export async function waitFor(condition: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
