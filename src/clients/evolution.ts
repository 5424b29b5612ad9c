/**
 * Evolution (WebKitGTK, the engine family of Apple Mail) showing the message as a reader who opened
 * it sees it: its message window, its header block, then the message. Evolution has no headless
 * mode and no automation API, so each mode runs it in a private X server (Xvfb) and D-Bus session
 * with a private HOME, drives it with key presses (xdotool) and captures the window (ImageMagick).
 * No account is configured and remote images are never loaded: nothing goes to the network.
 */
import { closeSync, openSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NewsletterError } from '../errors.ts';
import { writeBusConfig, writeMailbox, writeSettings } from './evolution-home.ts';
import { shotName } from './names.ts';
import { asCheckError, lastLines, missingPrograms, retryOnce, run, spawnGroup, stopping, withRunFolder, type GroupProcess } from './processes.ts';
import type { ClientMode, ClientRun, ClientShot } from './types.ts';
import { showAndCapture } from './evolution-window.ts';
import { startXvfb, type Xvfb } from './xvfb.ts';

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
  /** The environment the programs run with (PATH, TMPDIR…; default process.env); the run's own HOME, locale and theme are set over it. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 20_000;
/** Modes rendered at once: two Evolutions fit on a 2-core machine (each mostly waits on X and D-Bus). */
const PARALLEL = 2;
/**
 * The message window's height: the message never scrolls, and the blank under it is cut. 9000 px
 * holds the seed (~3600 px at 440) with room; a taller message is shown to the window's end and
 * its shot says `truncated`. Xvfb's screen (1400 × 9200, 32 bits a pixel) is ~52 MB.
 */
const WINDOW_HEIGHT = 9000;

/**
 * Render the message in Evolution at each mode; the PNGs go to outDir. A mode that fails (twice)
 * is reported in `failures` and the others still count; only an abort (options.signal) rejects,
 * with its reason.
 */
export async function renderInEvolution(options: EvolutionOptions): Promise<ClientRun> {
  const missing = evolutionMissing(options.env ?? process.env);
  if (missing) {
    const error = new NewsletterError('ECHECK', `Evolution cannot render the message: ${missing}.`, { fix: `Install them: ${EVOLUTION_INSTALL}` });
    return { shots: [], failures: [{ modes: options.modes, error }] };
  }
  await mkdir(options.outDir, { recursive: true });
  const result: ClientRun = { shots: [], failures: [] };
  // One batch at a time; every mode of a batch is finished (and cleaned up) before the next starts.
  for (let start = 0; start < options.modes.length && !stopping.aborted; start += PARALLEL) {
    const batch = options.modes.slice(start, start + PARALLEL);
    const settled = await Promise.allSettled(batch.map((mode) => renderModeTwice(mode, options)));
    options.signal?.throwIfAborted();
    settled.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') result.shots.push(outcome.value);
      else result.failures.push({ modes: [batch[i] as ClientMode], error: asCheckError(outcome.reason, 'Evolution', REINSTALL) });
    });
  }
  return result;
}

/** Failures of a run are NewsletterErrors already (see failure()); anything else (a full disk at mkdtemp) is wrapped with this fix. */
const REINSTALL = `If Evolution or its helpers are missing or broken, install them: ${EVOLUTION_INSTALL}`;

/** A mode, tried once more from scratch if it fails (Evolution now and then paints late on a loaded machine). */
async function renderModeTwice(mode: ClientMode, options: EvolutionOptions): Promise<ClientShot> {
  const shot = await retryOnce(() => renderMode(mode, options), options.signal);
  // A first try's log and screen capture, if it failed, are about a failure that did not last.
  const name = shotName('evolution', mode);
  await Promise.all([`${name}.log`, `${name}-failed.png`].map((file) => rm(join(options.outDir, file), { force: true })));
  return shot;
}

/** One run of Evolution: its own temp folder, X server and D-Bus session, all gone when it returns. */
async function renderMode(mode: ClientMode, options: EvolutionOptions): Promise<ClientShot> {
  options.signal?.throwIfAborted();
  const name = shotName('evolution', mode);
  const base = options.env ?? process.env;
  return withRunFolder('newsletter-evolution-', base, async (dir, home) => {
    const log = join(dir, 'evolution.log');
    // Aborted by the caller, or by us when Evolution exits early: every wait below then stops at once.
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    let xvfb: Xvfb | undefined;
    let session: GroupProcess | undefined;
    try {
      await writeSettings(home, mode.width, WINDOW_HEIGHT);
      await writeMailbox(home, options.eml);
      const busConfig = await writeBusConfig(dir);
      const env = sessionEnv(base, dir, home, mode);
      xvfb = await startXvfb(Math.max(1400, mode.width + 100), WINDOW_HEIGHT + 200, env);
      signal.throwIfAborted();
      session = startEvolution(xvfb.env, busConfig, log);
      void session.exited.then(() => stop.abort(new Error(`Evolution exited (${exitStatus(session?.child.exitCode, session?.child.signalCode)}) before its message window was captured`)));
      const file = join(options.outDir, `${name}.png`);
      const { truncated } = await showAndCapture(xvfb.env, { subject: options.subject, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS }, file, signal);
      return { client: 'evolution', width: mode.width, scheme: mode.scheme, file, ...(truncated ? { truncated } : {}) };
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      // When Evolution exited early, the wait that noticed reports an abort: the exit is the cause.
      throw await failure(stop.signal.aborted ? stop.signal.reason : error, { name, log, outDir: options.outDir, x: xvfb?.env });
    } finally {
      // SIGTERM first: Evolution and the bus end tidily; SIGKILL after 2 s for whatever is left (Xvfb
      // too, stopped gently); then withRunFolder kills anything that left the groups.
      await session?.kill(2000);
      await xvfb?.process.kill(2000);
    }
  });
}

/**
 * The environment of one run: the caller's, with a private HOME and XDG folders, settings from a
 * keyfile, the scheme's GTK theme and an English C locale.
 */
function sessionEnv(base: NodeJS.ProcessEnv, dir: string, home: string, mode: ClientMode): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
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
    // Overlay scroll bars fade in and out on a message taller than the window, so its captures never settle; classic ones stand still.
    GTK_OVERLAY_SCROLLING: '0',
    // The main window is found by its English title ("Inbox"; a German user's would be "Eingang"). LANGUAGE
    // too: gettext follows it under C.UTF-8 (LANGUAGE=de with LC_ALL=C.UTF-8 gives "Eingang").
    LANGUAGE: 'C',
    LC_ALL: 'C.UTF-8',
    LANG: 'C.UTF-8',
  };
  // dbus-run-session gives the session its own bus; nothing must reach the user's desktop.
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.WAYLAND_DISPLAY;
  return env;
}

/** Evolution in a D-Bus session of its own: with the private bus configuration when there is one (its socket in the run's folder). */
function startEvolution(env: NodeJS.ProcessEnv, busConfig: string | undefined, log: string): GroupProcess {
  const fd = openSync(log, 'w');
  try {
    // folder://local/Inbox opens the Inbox of "On This Computer", where the message waits in new/.
    const args = [...(busConfig ? [`--config-file=${busConfig}`] : []), '--', 'evolution', 'folder://local/Inbox'];
    return spawnGroup('dbus-run-session', args, env, ['ignore', fd, fd]);
  } finally {
    closeSync(fd);
  }
}

function exitStatus(code: number | null | undefined, signal: string | null | undefined): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

/** A NewsletterError for a failed run, with the log's tail; the log and a capture of the screen are kept in outDir. */
async function failure(error: unknown, run: { name: string; log: string; outDir: string; x: NodeJS.ProcessEnv | undefined }): Promise<NewsletterError> {
  const kept = join(run.outDir, `${run.name}.log`);
  const text = await readFile(run.log, 'utf8').catch(() => '');
  await copyFile(run.log, kept).catch(() => writeFile(kept, '(no log)\n').catch(() => undefined));
  const screen = join(run.outDir, `${run.name}-failed.png`);
  const captured = run.x ? await captureScreen(run.x, screen) : false;
  const tail = lastLines(text);
  const message = `${(error as Error).message ?? String(error)} (${run.name}).${tail ? `\nThe end of Evolution's log:\n${tail}` : ''}`;
  return new NewsletterError('ECHECK', message, {
    where: kept,
    fix: `See Evolution's log in ${kept}${captured ? ` and what the screen showed in ${screen}` : ''}; if Evolution or its helpers are missing or broken, install them: ${EVOLUTION_INSTALL}`,
    cause: error,
  });
}

/** The whole screen as a PNG, to show what stood in the way (a dialog, an empty Inbox); false when it cannot be taken. */
async function captureScreen(x: NodeJS.ProcessEnv, file: string): Promise<boolean> {
  const result = await run('import', ['-window', 'root', file], { env: x, timeoutMs: 10_000 }).catch(() => undefined);
  return result?.code === 0;
}
