import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NewsletterError } from '../errors.ts';
import { findExecutable } from '../paths.ts';
import { connectMarionette, MarionetteError, type Marionette } from './marionette.ts';
import { MEASURE_MESSAGE, MESSAGE_READY } from './measure-script.ts';
import { shotName } from './names.ts';
import { asCheckError, lastLines, retryOnce, spawnGroup, stopping, withRunFolder, type GroupProcess } from './processes.ts';
import { writeProfile } from './thunderbird-profile.ts';
import type { ClientMode, ClientRun, ClientShot, RenderedMeasure, Scheme } from './types.ts';

export const THUNDERBIRD_INSTALL = 'sudo apt-get install thunderbird (or set THUNDERBIRD_PATH to a Thunderbird executable)';

/** Thunderbird's executable: THUNDERBIRD_PATH, else `thunderbird` on PATH; undefined when there is none. */
export function thunderbirdPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findExecutable('thunderbird', env, env.THUNDERBIRD_PATH);
}

/** Why Thunderbird cannot run here, or undefined when it can. */
export function thunderbirdMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return thunderbirdPath(env) ? undefined : env.THUNDERBIRD_PATH ? `THUNDERBIRD_PATH (${env.THUNDERBIRD_PATH}) is not an executable` : 'thunderbird is not installed';
}

export interface ThunderbirdOptions {
  /** The message as a subscriber receives it (RFC 5322 bytes). */
  eml: Buffer;
  /** Where the PNGs go: `thunderbird-<width>-<scheme>.png`. */
  outDir: string;
  modes: readonly ClientMode[];
  /** Per colour scheme (one Thunderbird each); default 60 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Open the message in Thunderbird, one fresh profile per colour scheme, and screenshot and measure
 * it at each width. A scheme that fails is tried once more from scratch (a loaded machine now and
 * then starts it late); a second failure is reported with its modes, and the other scheme still counts.
 */
export async function renderInThunderbird(options: ThunderbirdOptions): Promise<ClientRun> {
  const run: ClientRun = { shots: [], failures: [] };
  for (const scheme of [...new Set(options.modes.map((m) => m.scheme))]) {
    const modes = options.modes.filter((m) => m.scheme === scheme);
    if (stopping.aborted) break;
    try {
      run.shots.push(...(await retryOnce(() => renderScheme(options, scheme, modes))));
    } catch (error) {
      run.failures.push({ modes, error: asCheckError(error, 'Thunderbird', BY_HAND) });
    }
  }
  return run;
}

/** The fix for a Thunderbird that failed to start or to show the message. */
const BY_HAND = `Run \`thunderbird --headless --marionette\` by hand to see why; reinstall it with ${THUNDERBIRD_INSTALL}.`;

async function renderScheme(options: ThunderbirdOptions, scheme: Scheme, modes: readonly ClientMode[]): Promise<ClientShot[]> {
  const env = options.env ?? process.env;
  const executable = thunderbirdPath(env);
  if (!executable) throw new NewsletterError('ECHECK', `Cannot show the message in Thunderbird: ${thunderbirdMissing(env)}.`, { fix: `Install it: ${THUNDERBIRD_INSTALL}.` });
  // Its own folder, profile and HOME: nothing is read from or written to the user's Thunderbird.
  return withRunFolder('newsletter-thunderbird-', env, async (dir, home) => {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    let group: Thunderbird | undefined;
    let marionette: Marionette | undefined;
    try {
      await writeProfile(join(dir, 'profile'), scheme);
      const eml = join(dir, 'message.eml');
      await writeFile(eml, options.eml);
      const childEnv = { ...env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache'), XDG_DATA_HOME: join(home, '.local', 'share'), MOZ_HEADLESS: '1', MOZ_CRASHREPORTER_DISABLE: '1' };
      // --headless --screenshot does not work in Thunderbird; Marionette does. System access lets it read the message window.
      group = startThunderbird(executable, ['--headless', '--marionette', '-remote-allow-system-access', '--no-remote', '--profile', join(dir, 'profile'), eml], childEnv);
      marionette = await connectWhenUp(join(dir, 'profile'), group, deadline);
      await marionette.command('WebDriver:NewSession', {});
      await marionette.command('Marionette:SetContext', { value: 'chrome' });
      await switchToMessageWindow(marionette, group, deadline);
      const shots: ClientShot[] = [];
      for (const mode of modes) shots.push(await shootMode(marionette, options.outDir, mode, group, deadline));
      return shots;
    } finally {
      marionette?.close();
      await group?.kill(2_000);
    }
  });
}

/** Thunderbird in its own process group (its content and helper processes go with it), with the tail of its output for errors. */
interface Thunderbird extends GroupProcess {
  log(): string;
  hasExited(): boolean;
}

function startThunderbird(executable: string, args: string[], env: NodeJS.ProcessEnv): Thunderbird {
  const started = spawnGroup(executable, args, env, ['ignore', 'pipe', 'pipe']);
  let log = '';
  const keep = (chunk: Buffer) => (log = (log + chunk.toString('utf8')).slice(-8_192));
  started.child.stdout?.on('data', keep);
  started.child.stderr?.on('data', keep);
  started.child.on('error', (error) => keep(Buffer.from(`\n${error.message}\n`)));
  // 'exited' also settles when the program could not be started at all (no exit code then).
  let exited = false;
  void started.exited.then(() => (exited = true));
  return { ...started, log: () => log, hasExited: () => exited };
}

/** One width: size the window, let the message settle, measure it, grow the window to the message's height, screenshot. */
async function shootMode(m: Marionette, outDir: string, mode: ClientMode, group: Thunderbird, deadline: number): Promise<ClientShot> {
  await m.command('WebDriver:SetWindowRect', { width: mode.width, height: 900 });
  const measure = await settledMeasure(m, group, deadline);
  await fitHeight(m, mode.width, group, deadline);
  const { value } = await m.command<{ value: string }>('WebDriver:TakeScreenshot', { full: false });
  const file = join(outDir, `${shotName('thunderbird', mode)}.png`);
  await writeFile(file, Buffer.from(value, 'base64'));
  return { client: 'thunderbird', ...mode, file, measure };
}

/**
 * Make the window as tall as the message, so one screenshot shows all of it: twice, since the
 * header pane can wrap differently at the new height (capped: a runaway height is its own problem).
 */
async function fitHeight(m: Marionette, width: number, group: Thunderbird, deadline: number): Promise<void> {
  for (let pass = 0; pass < 2; pass++) {
    const ready = await until(() => script<Ready | null>(m, MESSAGE_READY), group, deadline, 'the message to show');
    const height = Math.min(16_000, ready.height + ready.docHeight - ready.paneHeight + 2);
    if (Math.abs(height - ready.height) <= 2) return;
    await m.command('WebDriver:SetWindowRect', { width, height });
    await sleep(200);
  }
}

interface Ready {
  height: number;
  paneHeight: number;
  docHeight: number;
}

/** Measure until two readings 250 ms apart agree: the dark reader and the layout for the new width have run. */
async function settledMeasure(m: Marionette, group: Thunderbird, deadline: number): Promise<RenderedMeasure> {
  let last = '';
  for (;;) {
    const measure = await until(() => script<RenderedMeasure | null>(m, MEASURE_MESSAGE), group, deadline, 'the message to show');
    const json = JSON.stringify(measure);
    if (json === last || Date.now() > deadline) return measure;
    last = json;
    await sleep(250);
  }
}

async function script<T>(m: Marionette, body: string): Promise<T> {
  const { value } = await m.command<{ value: T }>('WebDriver:ExecuteScript', { script: body, args: [] });
  return value;
}

async function switchToMessageWindow(m: Marionette, group: Thunderbird, deadline: number): Promise<void> {
  await until(
    async () => {
      for (const handle of await m.command<string[]>('WebDriver:GetWindowHandles')) {
        // A window that closed between the listing and the switch (a start-up window) is skipped.
        const uri = await m
          .command('WebDriver:SwitchToWindow', { handle })
          .then(() => script<string>(m, 'return document.documentURI'))
          .catch((error: unknown) => (error instanceof MarionetteError ? '' : Promise.reject(error as Error)));
        if (uri.includes('messageWindow')) return true;
      }
      return null;
    },
    group,
    deadline,
    'the message window to open',
  );
}

/** Marionette, once Thunderbird has written the port it took to the profile (marionette.port 0) and answers on it. */
async function connectWhenUp(profile: string, group: Thunderbird, deadline: number): Promise<Marionette> {
  return until(
    async () => {
      const port = Number(await readFile(join(profile, 'MarionetteActivePort'), 'utf8').catch(() => ''));
      return port > 0 ? connectMarionette(port, 2_000).catch(() => null) : null;
    },
    group,
    deadline,
    'Thunderbird to start (Marionette)',
  );
}

/** Poll `probe` every 200 ms until it gives a value; fails when Thunderbird exits or the deadline passes. */
async function until<T>(probe: () => Promise<T | null>, group: Thunderbird, deadline: number, what: string): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    const exited = group.hasExited();
    if (exited || Date.now() > deadline)
      throw new NewsletterError('ECHECK', `Thunderbird ${exited ? 'exited' : 'timed out'} while waiting for ${what}.${group.log().trim() ? ` Its last output:\n${lastLines(group.log())}` : ''}`, { fix: BY_HAND });
    await sleep(200);
  }
}

