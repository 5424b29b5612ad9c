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
import type { ClientShot } from '../../src/clients/types.ts';
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

  it('makes renderInEvolution refuse with the install line', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(bin, 'nothing-here');
    try {
      const error = await renderInEvolution({ eml: blockEml(), outDir: join(bin, 'out'), modes: [{ width: 440, scheme: 'light' }], subject: SUBJECT }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NewsletterError);
      expect(error).toMatchObject({ code: 'ECHECK', message: expect.stringMatching(/evolution, Xvfb, .* are not installed/) as string, fix: expect.stringContaining(EVOLUTION_INSTALL) as string });
    } finally {
      process.env.PATH = path;
    }
  });
});

describe.skipIf(SKIP_EVOLUTION)('Evolution shows the message, light and dark', () => {
  let tmp: Awaited<ReturnType<typeof ownTmpdir>>;
  let outDir: string;
  let shots: ClientShot[];
  let seen: Set<number>;

  beforeAll(async () => {
    tmp = await ownTmpdir();
    outDir = join(tmp.dir, 'out');
    const work = renderInEvolution({ eml: blockEml(), outDir, modes: [{ width: 440, scheme: 'light' }, { width: 440, scheme: 'dark' }], subject: SUBJECT });
    const watched = await watchingProcesses(tmp.dir, work);
    if (watched.result.status === 'rejected') throw watched.result.reason;
    shots = watched.result.value;
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
      // The 5000 px tall window is cut below the message, which is ~300 px under the header block.
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
    expect(result.status).toBe('rejected');
    const error = (result as PromiseRejectedResult).reason as NewsletterError;
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
