/**
 * Running the programs a client render needs: short commands (xdotool, import, convert) that
 * return their output, and long-lived ones (Xvfb, a D-Bus session with the client in it) started
 * in a process group of their own, so that killing the group ends everything they started:
 * D-Bus-activated services (evolution-data-server's factories), WebKit's helper processes.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNewsletterError, NewsletterError } from '../errors.ts';
import { findExecutable } from '../paths.ts';

/** The programs of `names` that are not executable files on env.PATH. */
export function missingPrograms(names: readonly string[], env: NodeJS.ProcessEnv): string[] {
  return names.filter((name) => !findExecutable(name, env));
}

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  /** Written to the command's stdin, which is then closed. */
  input?: Buffer;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Run a short command to its end (killed after timeoutMs or on abort) and collect its output. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
      killSignal: 'SIGKILL',
      signal: options.signal,
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (signal === 'SIGKILL' && !options.signal?.aborted) stderr += `\n(killed after ${options.timeoutMs} ms)`;
      resolve({ code, stdout: Buffer.concat(out), stderr: stderr.trim() });
    });
    // EPIPE when the command exits without reading all of it: its exit code tells what happened.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  });
}

/** A long-lived program in a process group of its own. */
export interface GroupProcess {
  child: ChildProcess;
  /** Settles when the program itself (the group's leader) has exited. */
  exited: Promise<void>;
  /**
   * End the whole group and wait for the leader to exit; harmless when already gone. With graceMs,
   * SIGTERM first (Xvfb then removes its socket in /tmp/.X11-unix), SIGKILL after graceMs at most.
   */
  kill(graceMs?: number): Promise<void>;
}

/**
 * What a render has running and on disk right now, so that an interrupted command (Ctrl-C,
 * SIGTERM: Node then skips `finally` blocks, and the groups, being detached, never get the
 * terminal's signal) can end them all and remove the folders before it exits: stopEverything.
 */
const liveGroups = new Set<number>();
const liveDirs = new Set<string>();
const everything = new AbortController();
/**
 * Aborted by stopEverything: the process is going away, so a render must neither retry nor go
 * on to its next mode (spawnGroup refuses to start anything once it is aborted).
 */
export const stopping: AbortSignal = everything.signal;

/** A temp folder (or file) of a render, removed by stopEverything if the process is stopped before the render removes it. */
export function trackDir(dir: string): () => void {
  liveDirs.add(dir);
  return () => liveDirs.delete(dir);
}

/** SIGKILL every process group the renders started and remove their temp folders, synchronously (for exit and signal handlers). */
export function stopEverything(): void {
  everything.abort(new Error('stopped: the command is exiting'));
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  liveGroups.clear();
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
}

export function spawnGroup(command: string, args: readonly string[], env: NodeJS.ProcessEnv, stdio: StdioOptions): GroupProcess {
  stopping.throwIfAborted();
  // detached: the child leads a new process group (setsid), and everything it starts joins it.
  const child = spawn(command, args, { env, stdio, detached: true });
  if (child.pid !== undefined) liveGroups.add(child.pid);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already empty.
    }
  };
  const kill = async (graceMs = 0) => {
    if (graceMs > 0) {
      signalGroup('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    // Also after a graceful exit: what the leader started may outlive it.
    signalGroup('SIGKILL');
    await exited;
    if (child.pid !== undefined) liveGroups.delete(child.pid);
  };
  return { child, exited, kill };
}

/**
 * SIGKILL every process whose environment holds `entry` (e.g. `HOME=/tmp/…/home`, a folder made
 * for one run): a safety net for anything that left the process group (a daemon calling setsid).
 * Only processes this user may read are seen, which are the only ones it could have started.
 */
async function killByEnvironment(entry: string): Promise<number[]> {
  const needle = Buffer.from(`\0${entry}\0`);
  const killed: number[] = [];
  for (const name of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const environ = await readFile(`/proc/${name}/environ`).catch(() => undefined);
    if (!environ || !Buffer.concat([Buffer.from([0]), environ]).includes(needle)) continue;
    try {
      process.kill(Number(name), 'SIGKILL');
      killed.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return killed;
}

/** Resolve after ms, or reject with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Try a render once more from scratch when it fails (a loaded machine now and then starts a
 * client late); not when the caller aborted or the command is exiting (stopEverything).
 */
export async function retryOnce<T>(attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (stopping.aborted || signal?.aborted) throw error;
    return attempt();
  }
}

/**
 * A temp folder for one client run, `<TMPDIR>/<prefix>XXXXXX` with the run's private HOME at
 * `home/`, tracked for stopEverything. Afterwards anything that left the run's process groups
 * (a daemon calling setsid) is found by that HOME and killed, and the folder removed.
 */
export async function withRunFolder<T>(prefix: string, env: NodeJS.ProcessEnv, use: (dir: string, home: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(env.TMPDIR || tmpdir(), prefix));
  const untrack = trackDir(dir);
  const home = join(dir, 'home');
  try {
    return await use(dir, home);
  } finally {
    await killByEnvironment(`HOME=${home}`);
    await rm(dir, { recursive: true, force: true });
    untrack();
  }
}

/** The last lines of a program's output, for an error message. */
export function lastLines(text: string, count = 8): string {
  return text.trim().split('\n').slice(-count).join('\n');
}

/** Whatever went wrong inside a client run (a protocol error, a closed connection, a full disk) as the ECHECK error a report carries. */
export function asCheckError(error: unknown, client: string, fix: string): NewsletterError {
  if (isNewsletterError(error)) return error;
  return new NewsletterError('ECHECK', `${client} failed: ${(error as Error).message ?? String(error)}`, { fix, cause: error });
}
