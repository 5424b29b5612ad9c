import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeScreenshots, type ScreenshotResult } from '../../src/check/browser-pass.ts';
import { buildIssue } from '../../src/render/build.ts';
import { FIXTURES, ROOT } from '../helpers/content.ts';
import { personalizeBuilt } from '../helpers/render.ts';
import { pngWidth, SKIP_BROWSER } from './chromium.ts';

describe.skipIf(SKIP_BROWSER)('takeScreenshots', () => {
  // Both runs start together in beforeAll (each launches its own Chromium) and the tests only
  // read their results: the two browsers overlap instead of taking turns.
  let dir: string;
  let seed: ScreenshotResult;
  let wide: ScreenshotResult;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'newsletter-test-'));
    const built = await buildIssue({ cwd: ROOT });
    const seedHtml = personalizeBuilt(built, { email: 'reader@example.com' }).html;
    const wideHtml = await readFile(join(FIXTURES, 'preview', 'wide-table.html'), 'utf8');
    [seed, wide] = await Promise.all([takeScreenshots({ html: seedHtml, outDir: join(dir, 'shots') }), takeScreenshots({ html: wideHtml, outDir: join(dir, 'wide') })]);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes full-page PNGs of the seed issue at 375 and 1024 px, light and dark, and finds no overflow', async () => {
    const { files, overflow375 } = seed;
    expect(files.map((f) => basename(f))).toEqual(['375-light.png', '375-dark.png', '1024-light.png', '1024-dark.png']);
    for (const file of files) expect(pngWidth(await readFile(file))).toBe(basename(file).startsWith('375') ? 375 : 1024);
    expect(overflow375).toEqual({ overflowing: false, scrollWidth: 375 });
    // Light and dark pictures differ: the dark rules took effect.
    expect((await readFile(files[0]!)).equals(await readFile(files[1]!))).toBe(false);
  });

  it('reports an 800 px fixed-width table as overflowing sideways at 375 px', () => {
    const { overflow375 } = wide;
    expect(overflow375.overflowing).toBe(true);
    expect(overflow375.scrollWidth).toBeGreaterThanOrEqual(800);
  });
});
