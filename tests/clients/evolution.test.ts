/**
 * Evolution, for real: Xvfb, a D-Bus session and Evolution 3.x with a private HOME, driven by
 * xdotool and captured with ImageMagick. Skipped with a note where they are not installed; under
 * CI=true (where .ci/run installs them) the tests run and fail instead.
 */
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVOLUTION_INSTALL, evolutionMissing, renderInEvolution } from '../../src/clients/evolution.ts';
import { privateBusConfig } from '../../src/clients/evolution-home.ts';
import type { ClientRun, ClientShot } from '../../src/clients/types.ts';
import { NewsletterError } from '../../src/errors.ts';
import { countColour, htmlEml, pngSize, processesWith, SKIP_EVOLUTION } from '../helpers/clients.ts';

const LIGHT = '#FF00FF';
const DARK = '#00FF00';
const SUBJECT = 'A magenta block, green in the dark';

/** A message whose only picture is a 300×200 block: magenta, or green under prefers-color-scheme: dark. */
function blockEml(): Buffer {
  const html = `<!doctype html><html><head><meta charset="utf-8"><meta name="color-scheme" content="light dark"><style>
.block { width: 300px; height: 200px; background-color: ${LIGHT}; }
@media (prefers-color-scheme: dark) { .block { background-color: ${DARK}; } }
</style></head><body><p>Above the block.</p><div class="block"></div><p>Below the block.</p></body></html>`;
  return htmlEml(SUBJECT, html);
}

const BLOCK_PIXELS = 300 * 200;

/** A message taller than Evolution's 9000 px window: a 10000 px magenta column. */
function tallEml(): Buffer {
  return htmlEml('A tall message', `<!doctype html><html><body><p>The top.</p><div style="height:10000px;background-color:${LIGHT}"></div><p>The bottom.</p></body></html>`);
}

/** The block under a subject with no ASCII letter at all: its title pattern is `.* .*`. */
const CYRILLIC = 'Новости недели';
function cyrillicEml(): Buffer {
  return htmlEml(CYRILLIC, `<!doctype html><html><body><p>Привет.</p><div style="width:300px;height:200px;background-color:${LIGHT}"></div><p>Пока.</p></body></html>`);
}

/** The D-Bus sockets in /tmp (`dbus-XXXXXXXX`), where the stock session.conf puts them. */
async function dbusSockets(): Promise<Set<string>> {
  return new Set((await readdir('/tmp')).filter((name) => name.startsWith('dbus-')));
}

/** Point os.tmpdir() at a folder of this test's own, so the run's processes and temp folders can be told from any other run's. */
async function ownTmpdir(): Promise<{ dir: string; restore(): Promise<void> }> {
  const before = process.env.TMPDIR;
  const dir = await mkdtemp(join(tmpdir(), 'newsletter-evolution-test-'));
  process.env.TMPDIR = dir;
  return {
    dir,
    restore: async () => {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Run `work`, noting every process of the render (by its temp folder) seen while it runs. */
async function watchingProcesses<T>(marker: string, work: Promise<T>): Promise<{ result: PromiseSettledResult<T>; seen: Set<number> }> {
  const seen = new Set<number>();
  let done = false;
  const settled = Promise.allSettled([work]).then(([result]) => {
    done = true;
    return result;
  });
  while (!done) {
    for (const pid of await processesWith(marker)) seen.add(pid);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { result: await settled, seen };
}

/** The temp folders of runs (newsletter-evolution-…) still in `dir`. */
async function runFolders(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('newsletter-evolution-'));
}

describe('evolutionMissing', () => {
  let bin: string;
  beforeAll(async () => {
    bin = await mkdtemp(join(tmpdir(), 'newsletter-evolution-path-'));
  });
  afterAll(() => rm(bin, { recursive: true, force: true }));

  it('names every program that is not on PATH', () => {
    expect(evolutionMissing({ PATH: '' })).toBe('evolution, Xvfb, xdotool, dbus-run-session, import, convert are not installed');
  });

  it('names the one missing program, and nothing when all are there', async () => {
    for (const name of ['evolution', 'Xvfb', 'dbus-run-session', 'import', 'convert']) {
      await writeFile(join(bin, name), '#!/bin/sh\n');
      await chmod(join(bin, name), 0o755);
    }
    expect(evolutionMissing({ PATH: bin })).toBe('xdotool is not installed');
    await writeFile(join(bin, 'xdotool'), '#!/bin/sh\n');
    expect(evolutionMissing({ PATH: bin })).toBe('xdotool is not installed'); // not executable yet
    await chmod(join(bin, 'xdotool'), 0o755);
    expect(evolutionMissing({ PATH: bin })).toBeUndefined();
  });

  it('makes renderInEvolution report every mode failed, with the install line, going by the env it is given', async () => {
    const modes = [{ width: 440, scheme: 'light' as const }, { width: 860, scheme: 'dark' as const }];
    const run = await renderInEvolution({ eml: blockEml(), outDir: join(bin, 'out'), modes, subject: SUBJECT, env: { ...process.env, PATH: join(bin, 'nothing-here') } });
    expect(run.shots).toEqual([]);
    expect(run.failures).toHaveLength(1);
    expect(run.failures[0]?.modes).toEqual(modes);
    expect(run.failures[0]?.error).toBeInstanceOf(NewsletterError);
    expect(run.failures[0]?.error).toMatchObject({ code: 'ECHECK', message: expect.stringMatching(/evolution, Xvfb, .* are not installed/) as string, fix: expect.stringContaining(EVOLUTION_INSTALL) as string });
  });
});

describe('privateBusConfig', () => {
  const stock = `<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <include ignore_missing="yes">/etc/dbus-1/session.conf</include>
  <includedir>session.d</includedir>
  <include if_selinux_enabled="yes" selinux_root_relative="yes">contexts/dbus_contexts</include>
</busconfig>`;

  it('listens in the run’s folder instead of /tmp, once, and keeps the rest with relative includes made absolute', () => {
    const config = privateBusConfig(`${stock}\n<listen>tcp:host=localhost</listen>`, '/tmp/run-1', '/usr/share/dbus-1');
    expect(config).toContain('<listen>unix:dir=/tmp/run-1</listen>');
    expect(config?.match(/<listen>/g)).toHaveLength(1);
    expect(config).not.toContain('tmpdir=/tmp');
    expect(config).toContain('<includedir>/usr/share/dbus-1/session.d</includedir>');
    expect(config).toContain('<include ignore_missing="yes">/etc/dbus-1/session.conf</include>');
    expect(config).toContain('selinux_root_relative="yes">contexts/dbus_contexts</include>');
    expect(config).toContain('<auth>EXTERNAL</auth>');
  });

  it('gives nothing for a file without <listen>, so the stock configuration is used', () => {
    expect(privateBusConfig('<busconfig><type>session</type></busconfig>', '/tmp/run-1')).toBeUndefined();
  });
});

describe.skipIf(SKIP_EVOLUTION)('Evolution shows the message, light and dark', () => {
  let tmp: Awaited<ReturnType<typeof ownTmpdir>>;
  let outDir: string;
  let shots: ClientShot[];
  let seen: Set<number>;
  let socketsBefore: Set<string>;
  let socketsAfter: Set<string>;

  beforeAll(async () => {
    tmp = await ownTmpdir();
    outDir = join(tmp.dir, 'out');
    socketsBefore = await dbusSockets();
    const work = renderInEvolution({ eml: blockEml(), outDir, modes: [{ width: 440, scheme: 'light' }, { width: 440, scheme: 'dark' }], subject: SUBJECT });
    const watched = await watchingProcesses(tmp.dir, work);
    socketsAfter = await dbusSockets();
    if (watched.result.status === 'rejected') throw watched.result.reason;
    expect(watched.result.value.failures).toEqual([]);
    shots = watched.result.value.shots;
    seen = watched.seen;
  }, 120_000);
  afterAll(() => tmp?.restore());

  it('returns one shot a mode, each a PNG of Evolution’s narrowest message window', async () => {
    expect(shots).toEqual([
      { client: 'evolution', width: 440, scheme: 'light', file: join(outDir, 'evolution-440-light.png') },
      { client: 'evolution', width: 440, scheme: 'dark', file: join(outDir, 'evolution-440-dark.png') },
    ]);
    for (const shot of shots) {
      const size = await pngSize(shot.file);
      // 440 asked; Evolution's message window does not go below ~450.
      expect(size.width).toBeGreaterThanOrEqual(440);
      expect(size.width).toBeLessThanOrEqual(460);
      // The 9000 px tall window is cut below the message, which is ~300 px under the header block.
      expect(size.height).toBeGreaterThan(350);
      expect(size.height).toBeLessThan(1000);
    }
  });

  it('draws the light palette in light mode and the message’s own dark palette in dark mode', async () => {
    const [light, dark] = shots;
    expect(await countColour(light!.file, LIGHT)).toBe(BLOCK_PIXELS);
    expect(await countColour(light!.file, DARK)).toBe(0);
    expect(await countColour(dark!.file, DARK)).toBe(BLOCK_PIXELS);
    expect(await countColour(dark!.file, LIGHT)).toBe(0);
  });

  it('leaves no process and no temp folder behind', async () => {
    // Xvfb twice, dbus-run-session, dbus-daemon, evolution, WebKit and evolution-data-server helpers.
    expect(seen.size).toBeGreaterThan(6);
    expect(await processesWith(tmp.dir)).toEqual([]);
    expect(await runFolders(tmp.dir)).toEqual([]);
  });

  it('leaves no D-Bus socket in /tmp: the session’s bus listens in the run’s own folder', () => {
    // Sockets another program made meanwhile are not this render's; any of this render's would be new and stay.
    expect([...socketsAfter].filter((name) => !socketsBefore.has(name))).toEqual([]);
  });
});

describe.skipIf(SKIP_EVOLUTION)('partial results, a subject without ASCII, a German user, a message taller than the window', () => {
  let tmp: Awaited<ReturnType<typeof ownTmpdir>>;
  let cyrillic: ClientRun;
  let tall: ClientRun;

  beforeAll(async () => {
    tmp = await ownTmpdir();
    // A German user: under C.UTF-8 gettext follows LANGUAGE, and the main window would be "Eingang", not "Inbox".
    const german = { ...process.env, LANGUAGE: 'de', LC_ALL: 'C.UTF-8', LANG: 'de_DE.UTF-8' };
    // 70000 px is wider than an X screen can be (coordinates are 16-bit): Xvfb refuses it, in that mode only.
    const modes = [{ width: 440, scheme: 'light' as const }, { width: 70_000, scheme: 'light' as const }];
    [cyrillic, tall] = await Promise.all([
      renderInEvolution({ eml: cyrillicEml(), outDir: join(tmp.dir, 'cyrillic'), modes, subject: CYRILLIC, env: german }),
      renderInEvolution({ eml: tallEml(), outDir: join(tmp.dir, 'tall'), modes: [{ width: 440, scheme: 'light' }], subject: 'A tall message' }),
    ]);
  }, 120_000);
  afterAll(() => tmp?.restore());

  it('finds the message window by a subject with no ASCII letter (not the main window, not the Send & Receive dialog), for a German user too', async () => {
    expect(cyrillic.shots).toEqual([{ client: 'evolution', width: 440, scheme: 'light', file: join(tmp.dir, 'cyrillic', 'evolution-440-light.png') }]);
    // The whole block is in the capture: it is the message window, not another window that matched `.* .*`.
    expect(await countColour(cyrillic.shots[0]!.file, LIGHT)).toBe(BLOCK_PIXELS);
  });

  it('returns the mode that rendered and reports the one that failed, with its own error', () => {
    expect(cyrillic.failures).toHaveLength(1);
    const [failure] = cyrillic.failures;
    expect(failure?.modes).toEqual([{ width: 70_000, scheme: 'light' }]);
    expect(failure?.error).toBeInstanceOf(NewsletterError);
    expect(failure?.error).toMatchObject({ code: 'ECHECK', message: expect.stringMatching(/^Xvfb exited before it was ready.*\(evolution-70000-light\)/s) as string });
    expect(failure?.error.fix).toContain(EVOLUTION_INSTALL);
  });

  it('says a message taller than the window is truncated, and keeps the whole window', async () => {
    expect(tall.failures).toEqual([]);
    expect(tall.shots).toEqual([{ client: 'evolution', width: 440, scheme: 'light', file: join(tmp.dir, 'tall', 'evolution-440-light.png'), truncated: true }]);
    const size = await pngSize(tall.shots[0]!.file);
    expect(size.height).toBeGreaterThan(9000);
    // The column runs from under the header block to the window's bottom: ~8800 rows of it are in the shot.
    expect(await countColour(tall.shots[0]!.file, LIGHT)).toBeGreaterThan(8500 * 300);
  });
});

describe.skipIf(SKIP_EVOLUTION)('when a run fails or is stopped', () => {
  let tmp: Awaited<ReturnType<typeof ownTmpdir>>;
  beforeAll(async () => {
    tmp = await ownTmpdir();
  });
  afterAll(() => tmp?.restore());

  it('says which window never opened, keeps the log and the screen, and cleans up', async () => {
    const outDir = join(tmp.dir, 'failed');
    // The message is there, but no window will ever carry this title.
    const work = renderInEvolution({ eml: blockEml(), outDir, modes: [{ width: 440, scheme: 'light' }], subject: 'A subject nobody sent', timeoutMs: 8000 });
    const { result } = await watchingProcesses(tmp.dir, work);
    expect(result.status).toBe('fulfilled');
    const run = (result as PromiseFulfilledResult<ClientRun>).value;
    expect(run.shots).toEqual([]);
    expect(run.failures.map((f) => f.modes)).toEqual([[{ width: 440, scheme: 'light' }]]);
    const error = run.failures[0]?.error as NewsletterError;
    expect(error).toBeInstanceOf(NewsletterError);
    expect(error.code).toBe('ECHECK');
    expect(error.message).toMatch(/^Evolution did not open the message window \("A subject nobody sent"\) within 8 s \(evolution-440-light\)/);
    expect(error.where).toBe(join(outDir, 'evolution-440-light.log'));
    expect(error.fix).toContain(EVOLUTION_INSTALL);
    expect(existsSync(join(outDir, 'evolution-440-light.log'))).toBe(true);
    expect((await pngSize(join(outDir, 'evolution-440-light-failed.png'))).width).toBeGreaterThan(440);
    expect(await processesWith(tmp.dir)).toEqual([]);
    expect(await runFolders(tmp.dir)).toEqual([]);
  });

  it('stops at once on abort, with the abort reason, and cleans up', async () => {
    const outDir = join(tmp.dir, 'aborted');
    await mkdir(outDir);
    const controller = new AbortController();
    const reason = new Error('stopped by the test');
    const work = renderInEvolution({ eml: blockEml(), outDir, modes: [{ width: 440, scheme: 'dark' }], subject: SUBJECT, signal: controller.signal });
    // Abort once Evolution is up (its session is among the processes), mid-run.
    const started = Date.now();
    while (!(await processesWith(tmp.dir)).length && Date.now() - started < 20_000) await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort(reason);
    const error = await work.catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(await processesWith(tmp.dir)).toEqual([]);
    expect(await readdir(outDir)).toEqual([]);
    expect(await runFolders(tmp.dir)).toEqual([]);
  });
});
