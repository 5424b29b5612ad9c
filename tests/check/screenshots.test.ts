import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBrowserStep, type BrowserModule } from '../../src/check/index.ts';
import { chromiumPath } from '../../src/browser/launch.ts';
import { tempDir } from '../helpers/cli.ts';
import { fixtureHtml } from './fixtures.ts';

const fake = (overflowing: boolean, scrollWidth: number): (() => Promise<BrowserModule>) => () =>
  Promise.resolve({
    browserPass: ({ outDir }) => Promise.resolve({ files: [`${outDir}/375-light.png`], overflow375: { overflowing, scrollWidth } }),
  });
const runScreenshots = (html: string, outDir: string, load?: () => Promise<BrowserModule>) => runBrowserStep({ html, outDir }, load);

const chromium = chromiumPath();
if (!chromium) console.warn('real screenshot test skipped: chromium is not installed (sudo apt-get install chromium)');

describe('--screenshots', () => {
  it('turns sideways overflow at 375 px into an error', async () => {
    const { findings } = await runScreenshots('<p>x</p>', '/tmp/unused', fake(true, 812));
    expect(findings.map((f) => [f.id, f.severity])).toEqual([
      ['screenshots.overflow', 'error'],
      ['screenshots.files', 'info'],
    ]);
    expect(findings[0]?.message).toContain('812 px');
  });

  it('passes a page that fits', async () => {
    const { findings, files } = await runScreenshots('<p>x</p>', '/tmp/unused', fake(false, 375));
    expect(findings.map((f) => f.severity)).toEqual(['info']);
    expect(files).toEqual(['/tmp/unused/375-light.png']);
  });

  it('reports a missing screenshots module as a warning, not a crash', async () => {
    const { findings } = await runScreenshots('<p>x</p>', '/tmp/unused', () => Promise.reject(new Error('Cannot find module')));
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['screenshots.unavailable', 'warning']]);
  });

  it('notes axe-core as skipped too when the browser module is missing and both were asked for', async () => {
    const missing = () => Promise.reject(new Error('Cannot find module'));
    const { findings } = await runBrowserStep({ html: '<p>x</p>', outDir: '/tmp/unused', axe: true }, missing);
    expect(findings.map((f) => [f.id, f.severity])).toEqual([
      ['accessibility.axe-skipped', 'info'],
      ['screenshots.unavailable', 'warning'],
    ]);
  });

  it('fails in CI when chromium is missing', () => {
    expect(process.env.CI === 'true' && !chromium).toBe(false);
  });

  it.skipIf(!chromium)('finds the overflow of an 800 px fixed-width table with the real browser', async () => {
    const dir = await tempDir();
    // Two browsers at once, each writing to a folder of its own.
    const [wide, good] = await Promise.all([runScreenshots(fixtureHtml('wide-table.html'), join(dir, 'wide')), runScreenshots(fixtureHtml('good.html'), join(dir, 'good'))]);
    expect(wide.findings.map((f) => [f.id, f.severity])).toContainEqual(['screenshots.overflow', 'error']);
    expect(good.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});
