/**
 * A private X server (Xvfb) for a client that has no headless mode, and the few things done to its
 * windows: find them by title (xdotool), press keys, capture one as pixels (ImageMagick's import).
 */
import { run, sleep, spawnGroup, trackDir, type GroupProcess } from './processes.ts';

const START_MS = 10_000;
const COMMAND_MS = 10_000;

export interface Xvfb {
  /** `:N`, for DISPLAY. */
  display: string;
  /** The caller's environment with DISPLAY set to this server: what every X client below runs with. */
  env: NodeJS.ProcessEnv;
  process: GroupProcess;
}

/**
 * Start Xvfb on the first free display: `-displayfd 3` makes it pick one and write its number to
 * fd 3 once it accepts clients, so two runs at once never race for a fixed `:N`.
 */
export async function startXvfb(width: number, height: number, env: NodeJS.ProcessEnv): Promise<Xvfb> {
  const xvfb = spawnGroup('Xvfb', ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp'], env, ['ignore', 'ignore', 'pipe', 'pipe']);
  let stderr = '';
  xvfb.child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString('utf8');
  });
  const fd3 = xvfb.child.stdio[3];
  const number = new Promise<string>((resolve, reject) => {
    let text = '';
    fd3?.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const match = /^(\d+)\n/.exec(text);
      if (match?.[1]) resolve(match[1]);
    });
    void xvfb.exited.then(() => reject(new Error(`Xvfb exited before it was ready: ${stderr.trim().slice(-600) || '(no output)'}`)));
    setTimeout(() => reject(new Error(`Xvfb did not report a display within ${START_MS / 1000} s`)), START_MS).unref();
  });
  try {
    const n = await number;
    const display = `:${n}`;
    // Xvfb removes its lock and socket when it stops gently; stopEverything's SIGKILL would leave them.
    const untrack = [`/tmp/.X${n}-lock`, `/tmp/.X11-unix/X${n}`].map(trackDir);
    void xvfb.exited.then(() => untrack.forEach((forget) => forget()));
    return { display, env: { ...env, DISPLAY: display }, process: xvfb };
  } catch (error) {
    await xvfb.kill();
    throw error;
  }
}

/** Escape `text` for xdotool's POSIX extended regex; non-ASCII runs match anything (titles may be transcoded). */
export function titlePattern(text: string): string {
  return text
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/[^\x20-\x7e]+/g, '.*');
}

/**
 * The functions below run X clients (xdotool, import) with `x`: the caller's environment with
 * DISPLAY set to the private server (Xvfb.env), so PATH and the like are the caller's, never this
 * process's own.
 */

/** The ids of windows whose title matches `pattern` (a regex), in xdotool's order; [] when none. */
export async function findWindows(x: NodeJS.ProcessEnv, pattern: string, options: { visible?: boolean; signal?: AbortSignal } = {}): Promise<string[]> {
  const args = ['search', ...(options.visible ? ['--onlyvisible'] : []), '--name', pattern];
  // Exit code 1 with no output means "no such window", not a failure.
  const { stdout } = await run('xdotool', args, { env: x, timeoutMs: COMMAND_MS, signal: options.signal });
  return stdout.toString('utf8').split('\n').filter((line) => /^\d+$/.test(line));
}

/** A window's title as UTF-8 text ('' when it has none or is gone). */
export async function windowName(x: NodeJS.ProcessEnv, id: string, signal?: AbortSignal): Promise<string> {
  const { code, stdout } = await run('xdotool', ['getwindowname', id], { env: x, timeoutMs: COMMAND_MS, signal });
  return code === 0 ? stdout.toString('utf8').trim() : '';
}

/** Poll every 250 ms until a window title matches; undefined when timeoutMs passes first. */
export async function waitForWindow(x: NodeJS.ProcessEnv, pattern: string, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [id] = await findWindows(x, pattern, { signal });
    if (id) return id;
    await sleep(250, signal);
  }
  return undefined;
}

/** Run `xdotool <args>`; throws with its stderr when it fails. */
export async function xdotool(x: NodeJS.ProcessEnv, args: readonly string[], signal?: AbortSignal): Promise<void> {
  const result = await run('xdotool', args, { env: x, timeoutMs: COMMAND_MS, signal });
  if (result.code !== 0) throw new Error(`xdotool ${args.join(' ')} failed (exit ${result.code}): ${result.stderr}`);
}

/** The window's pixels as a binary PPM (no timestamps in it, unlike a PNG: equal pixels, equal bytes). */
export async function captureWindow(x: NodeJS.ProcessEnv, id: string, signal?: AbortSignal): Promise<Buffer> {
  const result = await run('import', ['-window', id, '-depth', '8', 'ppm:-'], { env: x, timeoutMs: COMMAND_MS, signal });
  if (result.code !== 0 || result.stdout.length === 0) throw new Error(`import -window ${id} failed (exit ${result.code}): ${result.stderr}`);
  return result.stdout;
}

/**
 * Capture the window every intervalMs until `ready` accepts a capture and the next `still`
 * captures are identical to it (the message has finished laying out and painting), or until capMs
 * has passed; returns the last capture. `ready` guards against a window that has not painted yet
 * (under load it can stay blank for more than one interval, which looks still too).
 */
export async function captureWhenStill(
  x: NodeJS.ProcessEnv,
  id: string,
  options: { intervalMs: number; capMs: number; still: number; ready: (ppm: Buffer) => boolean; signal?: AbortSignal },
): Promise<{ ppm: Buffer; still: boolean }> {
  const deadline = Date.now() + options.capMs;
  let last = await captureWindow(x, id, options.signal);
  let same = 0;
  while (Date.now() < deadline) {
    await sleep(options.intervalMs, options.signal);
    const next = await captureWindow(x, id, options.signal);
    same = next.equals(last) && options.ready(next) ? same + 1 : 0;
    last = next;
    if (same >= options.still) return { ppm: last, still: true };
  }
  return { ppm: last, still: false };
}
