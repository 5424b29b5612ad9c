import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { takeScreenshots } from '../../src/check/screenshots.ts';
import { buildIssue } from '../../src/render/build.ts';
import { tempDir } from '../helpers/cli.ts';
import { FIXTURES, ROOT } from '../helpers/content.ts';
import { personalizeBuilt } from '../helpers/render.ts';
import { pngWidth, SKIP_BROWSER } from './chromium.ts';

describe.skipIf(SKIP_BROWSER)('takeScreenshots', () => {
  let seedHtml: string;
  beforeAll(async () => {
    const built = await buildIssue({ cwd: ROOT });
    seedHtml = personalizeBuilt(built, { email: 'reader@example.com' }).html;
  });

  it('writes full-page PNGs of the seed issue at 375 and 1024 px, light and dark, and finds no overflow', async () => {
    const outDir = join(await tempDir(), 'shots');
    const { files, overflow375 } = await takeScreenshots({ html: seedHtml, outDir });
    expect(files.map((f) => basename(f))).toEqual(['375-light.png', '375-dark.png', '1024-light.png', '1024-dark.png']);
    for (const file of files) expect(pngWidth(await readFile(file))).toBe(basename(file).startsWith('375') ? 375 : 1024);
    expect(overflow375).toEqual({ overflowing: false, scrollWidth: 375 });
    // Light and dark pictures differ: the dark rules took effect.
    expect((await readFile(files[0]!)).equals(await readFile(files[1]!))).toBe(false);
  });

  it('reports an 800 px fixed-width table as overflowing sideways at 375 px', async () => {
    const html = await readFile(join(FIXTURES, 'preview', 'wide-table.html'), 'utf8');
    const { overflow375 } = await takeScreenshots({ html, outDir: await tempDir() });
    expect(overflow375.overflowing).toBe(true);
    expect(overflow375.scrollWidth).toBeGreaterThanOrEqual(800);
  });
});
