/**
 * Evolution (WebKitGTK, the engine family of Apple Mail) showing the message as a reader who opened
 * it sees it: its message window, its header block, then the message. Evolution has no headless
 * mode and no automation API, so each mode runs it in a private X server (Xvfb) and D-Bus session
 * with a private HOME, drives it with key presses (xdotool) and captures the window (ImageMagick).
 * No account is configured and remote images are never loaded: nothing goes to the network.
 */
import { closeSync, openSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NewsletterError } from '../errors.ts';
import { writeMailbox, writeSettings } from './evolution-home.ts';
import { blankBand, cutBlank, parsePpm, writePng } from './ppm.ts';
import { killByEnvironment, missingPrograms, run, sleep, spawnGroup, type GroupProcess } from './processes.ts';
import type { ClientMode, ClientShot } from './types.ts';
import { captureWhenStill, findWindows, startXvfb, titlePattern, waitForWindow, xdotool, type Xvfb } from './xvfb.ts';

export const EVOLUTION_INSTALL = 'sudo apt-get install --no-install-recommends evolution xvfb xdotool imagemagick dbus-daemon';

/** Every program a render runs (Xvfb from xvfb, import and convert from imagemagick, dbus-run-session from dbus). */
const PROGRAMS = ['evolution', 'Xvfb', 'xdotool', 'dbus-run-session', 'import', 'convert'] as const;

/** Undefined when Evolution can render here, else why not ("evolution, xdotool are not installed"). */
export function evolutionMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const missing = missingPrograms(PROGRAMS, env);
  if (missing.length === 0) return undefined;
  return `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed`;
}

export interface EvolutionOptions {
  /** The message exactly as a subscriber receives it. */
  eml: Buffer;
  /** Where `evolution-<width>-<scheme>.png` go (made if missing). */
  outDir: string;
  modes: ClientMode[];
  /** The message's subject: Evolution titles the message window with it. */
  subject: string;
  /** How long to wait for each window to open (default 20 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 20_000;
/** Modes rendered at once: two Evolutions fit on a 2-core machine (each mostly waits on X and D-Bus). */
const PARALLEL = 2;
/** The message window's height: taller than any newsletter, so the message never scrolls; the blank is cut. */
const WINDOW_HEIGHT = 5000;

/** Render the message in Evolution at each mode; the PNGs go to outDir. */
export async function renderInEvolution(options: EvolutionOptions): Promise<ClientShot[]> {
  const missing = evolutionMissing();
  if (missing) throw new NewsletterError('ECHECK', `Evolution cannot render the message: ${missing}.`, { fix: `Install them: ${EVOLUTION_INSTALL}` });
  await mkdir(options.outDir, { recursive: true });
  const shots: ClientShot[] = [];
  // One batch at a time; every mode of a batch is finished (and cleaned up) before an error is thrown.
  for (let start = 0; start < options.modes.length; start += PARALLEL) {
    const batch = options.modes.slice(start, start + PARALLEL);
    const results = await Promise.allSettled(batch.map((mode) => renderModeTwice(mode, options)));
    for (const result of results) if (result.status === 'rejected') throw result.reason;
    for (const result of results) if (result.status === 'fulfilled') shots.push(result.value);
  }
  return shots;
}

/**
 * A mode that failed is tried once more from scratch: on a loaded machine (a CI run with other
 * tests beside it) Evolution now and then paints late; a second failure is reported.
 */
async function renderModeTwice(mode: ClientMode, options: EvolutionOptions): Promise<ClientShot> {
  try {
    return await renderMode(mode, options);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const shot = await renderMode(mode, options);
    // The first try's log and screen capture are about a failure that did not last.
    const name = `evolution-${mode.width}-${mode.scheme}`;
    await Promise.all([`${name}.log`, `${name}-failed.png`].map((file) => rm(join(options.outDir, file), { force: true })));
    return shot;
  }
}

/** One run of Evolution: its own temp folder, X server and D-Bus session, all gone when it returns. */
async function renderMode(mode: ClientMode, options: EvolutionOptions): Promise<ClientShot> {
  options.signal?.throwIfAborted();
  const name = `evolution-${mode.width}-${mode.scheme}`;
  const dir = await mkdtemp(join(tmpdir(), 'newsletter-evolution-'));
  const home = join(dir, 'home');
  const log = join(dir, 'evolution.log');
  // Aborted by the caller, or by us when Evolution exits early: every wait below then stops at once.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let xvfb: Xvfb | undefined;
  let session: GroupProcess | undefined;
  try {
    await writeSettings(home, mode.width, WINDOW_HEIGHT);
    await writeMailbox(home, options.eml);
    const env = sessionEnv(dir, home, mode);
    xvfb = await startXvfb(Math.max(1400, mode.width + 100), WINDOW_HEIGHT + 200, env);
    signal.throwIfAborted();
    session = startEvolution({ ...env, DISPLAY: xvfb.display }, log);
    void session.exited.then(() => stop.abort(new Error(`Evolution exited (${exitStatus(session?.child.exitCode, session?.child.signalCode)}) before its message window was captured`)));
    const file = join(options.outDir, `${name}.png`);
    await showAndCapture(xvfb.display, options, file, signal);
    return { client: 'evolution', width: mode.width, scheme: mode.scheme, file };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    // When Evolution exited early, the wait that noticed reports an abort: the exit is the cause.
    throw await failure(stop.signal.aborted ? stop.signal.reason : error, { name, log, outDir: options.outDir, display: xvfb?.display });
  } finally {
    await session?.kill();
    await xvfb?.process.kill(2000);
    // Anything that left the process groups still carries the private HOME (Xvfb too: stopped first, gently).
    await killByEnvironment(`HOME=${home}`);
    await rm(dir, { recursive: true, force: true });
  }
}

/** The environment of one run: private HOME and XDG folders, settings from a keyfile, the scheme's GTK theme. */
function sessionEnv(dir: string, home: string, mode: ClientMode): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_RUNTIME_DIR: dir,
    GSETTINGS_BACKEND: 'keyfile',
    NO_AT_BRIDGE: '1',
    // X11 even where the user runs Wayland: the window must open on our Xvfb.
    GDK_BACKEND: 'x11',
    // Dark as a reader who switched the desktop to dark gets it: Evolution then tells the message prefers-color-scheme: dark.
    GTK_THEME: mode.scheme === 'dark' ? 'Adwaita:dark' : 'Adwaita',
  };
  // dbus-run-session gives the session its own bus; nothing must reach the user's desktop.
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.WAYLAND_DISPLAY;
  return env;
}

function startEvolution(env: NodeJS.ProcessEnv, log: string): GroupProcess {
  const fd = openSync(log, 'w');
  try {
    // folder://local/Inbox opens the Inbox of "On This Computer", where the message waits in new/.
    return spawnGroup('dbus-run-session', ['--', 'evolution', 'folder://local/Inbox'], env, ['ignore', fd, fd]);
  } finally {
    closeSync(fd);
  }
}

/** Open the message in its own window, wait until it is painted, cut the blank below it, write the PNG. */
async function showAndCapture(display: string, options: EvolutionOptions, file: string, signal: AbortSignal): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const main = await waitForWindow(display, '^Inbox', timeoutMs, signal);
  if (!main) throw new Error(`Evolution did not open its main window (Inbox) within ${timeoutMs / 1000} s`);
  const window = await openMessageWindow(display, main, options.subject, timeoutMs, signal);
  const { ppm } = await captureWhenStill(display, window, { intervalMs: 500, capMs: CAPTURE_CAP_MS, still: 2, ready: painted, signal });
  if (!painted(ppm)) throw new Error(`Evolution's message window stayed empty for ${CAPTURE_CAP_MS / 1000} s`);
  await writePng(cutBlank(parsePpm(ppm)), file, process.env, signal);
}

/** How long the message window may take to paint and settle once it is open. */
const CAPTURE_CAP_MS = 15_000;
/**
 * Below the toolbar (~120 px) and the header block (From … Date, to ~210 px) comes the message:
 * a capture whose blank band starts higher has not painted the message yet.
 */
const PAINTED_BELOW = 250;

function painted(ppm: Buffer): boolean {
  const band = blankBand(parsePpm(ppm));
  return band === undefined || band.top >= PAINTED_BELOW;
}

/**
 * A fresh local store shows an empty Inbox until Send/Receive (F12) reads it; the message then
 * appears, selected, and Ctrl+O opens it in a window titled with its subject. Ctrl+O is repeated
 * until that window exists (the message may not be listed yet), and never after.
 */
async function openMessageWindow(display: string, main: string, subject: string, timeoutMs: number, signal: AbortSignal): Promise<string> {
  const pattern = titlePattern(subject);
  const deadline = Date.now() + timeoutMs;
  await xdotool(display, ['windowfocus', main], signal);
  await xdotool(display, ['key', '--clearmodifiers', 'F12'], signal);
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    await sleep(500, signal);
    const [window] = (await findWindows(display, pattern, { visible: true, signal })).filter((id) => id !== main);
    if (window) return window;
    await xdotool(display, ['windowfocus', main], signal);
    // Every 3 s without the message, read the folder again, in case the first F12 came too early.
    await xdotool(display, ['key', '--clearmodifiers', attempt % 6 === 0 ? 'F12' : 'ctrl+o'], signal);
  }
  throw new Error(`Evolution did not open the message window ("${subject}") within ${timeoutMs / 1000} s`);
}

function exitStatus(code: number | null | undefined, signal: string | null | undefined): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

/** A NewsletterError for a failed run, with the log's tail; the log and a capture of the screen are kept in outDir. */
async function failure(error: unknown, run: { name: string; log: string; outDir: string; display: string | undefined }): Promise<NewsletterError> {
  const kept = join(run.outDir, `${run.name}.log`);
  const text = await readFile(run.log, 'utf8').catch(() => '');
  await copyFile(run.log, kept).catch(() => writeFile(kept, '(no log)\n').catch(() => undefined));
  const screen = join(run.outDir, `${run.name}-failed.png`);
  const captured = run.display ? await captureScreen(run.display, screen) : false;
  const tail = text.trim().split('\n').slice(-8).join('\n');
  const message = `${(error as Error).message ?? String(error)} (${run.name}).${tail ? `\nThe end of Evolution's log:\n${tail}` : ''}`;
  return new NewsletterError('ECHECK', message, {
    where: kept,
    fix: `See Evolution's log in ${kept}${captured ? ` and what the screen showed in ${screen}` : ''}; if Evolution or its helpers are missing or broken, install them: ${EVOLUTION_INSTALL}`,
    cause: error,
  });
}

/** The whole screen as a PNG, to show what stood in the way (a dialog, an empty Inbox); false when it cannot be taken. */
async function captureScreen(display: string, file: string): Promise<boolean> {
  const result = await run('import', ['-window', 'root', file], { env: { ...process.env, DISPLAY: display }, timeoutMs: 10_000 }).catch(() => undefined);
  return result?.code === 0;
}
