import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { checkIssue, type CheckReport } from '../../src/check/index.ts';
import { buildIssue } from '../../src/render/index.ts';
import { LOCAL_ISSUE, LOCAL_ISSUE_TEXT, localImageProject } from '../assets/image-fixtures.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

// Issue 17: check weighs the issue's own images (always known, no --online needed).

const check = (dir: string) => checkIssue({ cwd: dir, file: LOCAL_ISSUE, spam: false, axe: false, env: { PATH: process.env.PATH } });
const withId = (report: CheckReport, id: string) => report.findings.filter((f) => f.id === id);

/** A 1,200 × 800 PNG of seeded noise: PNG compression cannot shrink it, so it stays near 2.9 MB after processing. */
async function noisyPng(): Promise<Buffer> {
  const [width, height] = [1200, 800];
  const random = seededRandom(17);
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.floor(random() * 256);
  return sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

describe('check on an issue with local images', () => {
  it('lists each image (images.asset) with its bytes and source, and the total weight (images.weight) as info under 1 MB', { timeout: 60_000 }, async () => {
    const dir = await localImageProject();
    const { assets } = await buildIssue({ cwd: dir, file: LOCAL_ISSUE });
    const report = await check(dir);
    expect(withId(report, 'images.asset').map((f) => f.data)).toEqual(assets.map((a) => ({ name: a.name, bytes: a.bytes, width: a.width, height: a.height, url: a.url })));
    expect(withId(report, 'images.asset').map((f) => f.where)).toEqual(['content/issues/images/photo.jpg', 'content/issues/images/shape.png']);
    const [weight, ...more] = withId(report, 'images.weight');
    expect(more).toEqual([]);
    expect(weight).toMatchObject({ severity: 'info', data: { totalBytes: assets.reduce((sum, a) => sum + a.bytes, 0), weighed: 2, unweighed: 0 } });
  });

  it('warns when the images weigh over 1 MB together', { timeout: 60_000 }, async () => {
    const noise = await noisyPng();
    const dir = await localImageProject({
      'content/issues/images/noise.png': noise,
      [LOCAL_ISSUE]: LOCAL_ISSUE_TEXT.replace('![A transparent shape](images/shape.png)', '![Static on an old television](images/noise.png)'),
    });
    const report = await check(dir);
    const noiseAsset = withId(report, 'images.asset').find((f) => f.where === 'content/issues/images/noise.png');
    expect(noiseAsset?.data?.bytes).toBeGreaterThan(1_000_000);
    const weight = withId(report, 'images.weight')[0];
    expect(weight?.severity).toBe('warning');
    expect(weight?.message).toMatch(/over 1 MB/);
    expect(weight?.fix).toMatch(/smaller/);
    expect(report.findings.find((f) => f.id === 'images.weight' && f.severity === 'error')).toBeUndefined();
  });
});
