import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { processLocalImages, type ImageMemo } from '../../src/assets/index.ts';
import { loadIssue } from '../../src/content/index.ts';
import { buildIssue } from '../../src/render/index.ts';
import { isNewsletterError } from '../../src/errors.ts';
import { animatedGif, BLUE, cameraJpeg, gpsTagCount, hugeJpeg, LOCAL_ISSUE, localImageProject, multiPageTiff, RED, SVG, transparentPng } from './image-fixtures.ts';

const SITE = 'https://hemispherebrief.example.com/issues/';

async function processIn(dir: string, memo: ImageMemo = new Map(), file = LOCAL_ISSUE) {
  const loaded = await loadIssue({ cwd: dir, file });
  return processLocalImages(loaded, { cwd: dir, memo });
}

/**
 * Edit the fixture issue, process it, and return the content error it must give (its message) and
 * `lineOf(needle)`, the 1-based line of the edited issue that holds `needle`.
 */
async function refusalOf(dir: string, edit: (text: string) => string): Promise<{ message: string; lineOf: (needle: string) => number }> {
  const file = join(dir, LOCAL_ISSUE);
  const text = edit(await readFile(file, 'utf8'));
  await writeFile(file, text);
  const error = await processIn(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isNewsletterError(error) && error.code).toBe('ECONTENT');
  return { message: (error as Error).message, lineOf: (needle) => text.split('\n').findIndex((l) => l.includes(needle)) + 1 };
}

/** The colour at (x, y) of an image. */
async function pixel(data: Buffer, x: number, y: number) {
  const { data: raw, info } = await sharp(data).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return { r: raw[at]!, g: raw[at + 1]!, b: raw[at + 2]!, a: info.channels === 4 ? raw[at + 3]! : 255 };
}

const near = (a: { r: number; g: number; b: number }, b: { r: number; g: number; b: number }) => Math.abs(a.r - b.r) + Math.abs(a.g - b.g) + Math.abs(a.b - b.b) < 60;

describe('local images are processed into email-safe assets (sharp)', () => {
  it('the fixture photo really carries GPS EXIF, orientation 6, an ICC profile and XMP', async () => {
    const meta = await sharp(await cameraJpeg()).metadata();
    expect(meta).toMatchObject({ width: 4000, height: 3000, orientation: 6, format: 'jpeg' });
    expect(gpsTagCount(meta.exif)).toBeGreaterThanOrEqual(4);
    expect(meta.icc).toBeDefined();
    expect(meta.xmp).toBeDefined();
  });

  it('a 4,000 px camera JPEG becomes a baseline JPEG ≤ 1,200 px, turned upright, with no EXIF, GPS, ICC or XMP', async () => {
    const dir = await localImageProject();
    const { assets } = await processIn(dir);
    const photo = assets.find((a) => a.source === 'content/issues/images/photo.jpg')!;
    expect(photo.name).toMatch(/^assets\/[0-9a-f]{16}\.jpg$/);
    expect(photo.type).toBe('image/jpeg');
    const meta = await sharp(photo.data).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.isProgressive).toBe(false);
    // Orientation 6 applied: the 4,000 × 3,000 landscape is shown 3,000 × 4,000, so 1,200 × 1,600.
    expect([meta.width, meta.height]).toEqual([1200, 1600]);
    expect([photo.width, photo.height, photo.bytes]).toEqual([1200, 1600, photo.data.length]);
    expect(meta.orientation).toBeUndefined();
    expect(meta.exif).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(gpsTagCount(meta.exif)).toBe(0);
    expect(photo.data.includes('FixtureCam')).toBe(false);
    expect(photo.data.includes('A. Photographer')).toBe(false);
    // Turned clockwise: the red left half is now on top, the blue right half at the bottom.
    expect(near(await pixel(photo.data, 600, 100), RED)).toBe(true);
    expect(near(await pixel(photo.data, 600, 1500), BLUE)).toBe(true);
  });

  it('a transparent PNG stays a PNG with its alpha, and is never enlarged', async () => {
    const dir = await localImageProject();
    const { assets } = await processIn(dir);
    const shape = assets.find((a) => a.source === 'content/issues/images/shape.png')!;
    expect(shape.name).toMatch(/^assets\/[0-9a-f]{16}\.png$/);
    const meta = await sharp(shape.data).metadata();
    expect(meta).toMatchObject({ format: 'png', hasAlpha: true, width: 800, height: 400 });
    expect((await pixel(shape.data, 700, 200)).a).toBe(0);
    expect((await pixel(shape.data, 100, 200)).a).toBe(255);
  });

  it('names each asset by the hash of its bytes, under assetsBaseUrl or else siteUrl, and puts URL and size in the props', async () => {
    const dir = await localImageProject();
    const { props, assets } = await processIn(dir);
    // The photo (hero + lead) and the PNG (section + story) are one asset each, in the order the email shows them.
    expect(assets.map((a) => a.source)).toEqual(['content/issues/images/photo.jpg', 'content/issues/images/shape.png']);
    const [photo, shape] = assets;
    for (const asset of assets) {
      expect(asset.url).toBe(SITE + asset.name);
      expect(asset.name.slice(7, 23)).toBe(sha256(asset.data).slice(0, 16));
    }
    const { issue } = props;
    expect(issue.hero).toMatchObject({ src: photo!.url, width: 520, height: 693 });
    expect(issue.lead.find((b) => b.type === 'image')).toMatchObject({ src: photo!.url, width: 520, height: 693 });
    expect(issue.sections[0]!.blocks.find((b) => b.type === 'image')).toMatchObject({ src: shape!.url, width: 520, height: 260 });
    expect(issue.stories![0]!.image).toMatchObject({ src: expect.stringMatching(/^https:\/\/hemispherebrief\.example\.com\/issues\/assets\/[0-9a-f]{16}\.png$/), width: 482, height: 241 });
    expect(JSON.stringify(props)).not.toMatch(/images\/(photo|shape)/);

    const config = join(dir, 'content', 'newsletter.yml');
    await writeFile(config, (await readFile(config, 'utf8')) + 'assetsBaseUrl: https://cdn.example.com/brief\n');
    const hosted = await processIn(dir);
    expect(hosted.assets[0]!.url).toBe(`https://cdn.example.com/brief/${photo!.name}`);
  });

  it('a percent-escaped body path (my%20photo.jpg) is the file with a space, and its src becomes the hosted URL', async () => {
    const dir = await localImageProject({ 'content/issues/images/my photo.jpg': await cameraJpeg() });
    const file = join(dir, LOCAL_ISSUE);
    await writeFile(file, (await readFile(file, 'utf8')).replace('![The same photo again](images/photo.jpg)', '![The same photo again](images/my%20photo.jpg)'));
    const { props } = await processIn(dir);
    // The same bytes as the hero's photo.jpg: the same asset, at the same hosted URL.
    expect(props.issue.lead.find((b) => b.type === 'image')).toMatchObject({ src: props.issue.hero!.src });
    expect(props.issue.hero!.src).toMatch(/^https:\/\/hemispherebrief\.example\.com\/issues\/assets\/[0-9a-f]{16}\.jpg$/);
  });

  it('one src naming two files (the hero takes "map%20v2.png" as written, the body decodes it) is an error at the second, not the wrong picture', async () => {
    const dir = await localImageProject({ 'content/issues/images/map%20v2.png': await transparentPng(), 'content/issues/images/map v2.png': await cameraJpeg() });
    const { message, lineOf } = await refusalOf(dir, (text) => text.replace('src: images/photo.jpg', 'src: images/map%20v2.png').replace('![The same photo again](images/photo.jpg)', '![The same map](images/map%20v2.png)'));
    expect(message).toContain(`${LOCAL_ISSUE}:${lineOf('![The same map]')}`);
    expect(message).toMatch(/"images\/map%20v2\.png" names content\/issues\/images\/map v2\.png here but content\/issues\/images\/map%20v2\.png elsewhere/);
  });

  it("keeps the author's smaller width and scales the height to the file", async () => {
    const dir = await localImageProject();
    const file = join(dir, LOCAL_ISSUE);
    await writeFile(file, (await readFile(file, 'utf8')).replace('  alt: A red and blue test photo', '  alt: A red and blue test photo\n  width: 300\n  height: 50'));
    const { props } = await processIn(dir);
    expect(props.issue.hero).toMatchObject({ width: 300, height: 400 });
  });
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('processed images are cached (out/.cache/images/) and hashed stably', () => {
  const cacheDir = (dir: string) => join(dir, 'out', '.cache', 'images');
  const names = (r: { assets: { name: string }[] }) => r.assets.map((a) => a.name);

  it('a second run reuses the cache and calls sharp for nothing; clearing it gives the same names', async () => {
    const dir = await localImageProject();
    const first = await processIn(dir);
    // Two files, three recipes: the photo at full width, the PNG at full width and in a story card.
    expect(first.counts).toEqual({ processed: 3, cached: 0 });
    const entries = (await readdir(cacheDir(dir))).sort();
    expect(entries).toHaveLength(3);
    const mtimes = await Promise.all(entries.map(async (e) => (await stat(join(cacheDir(dir), e))).mtimeMs));

    const second = await processIn(dir);
    expect(second.counts).toEqual({ processed: 0, cached: 3 });
    expect(names(second)).toEqual(names(first));
    expect(await Promise.all(entries.map(async (e) => (await stat(join(cacheDir(dir), e))).mtimeMs))).toEqual(mtimes);

    await rm(cacheDir(dir), { recursive: true });
    const third = await processIn(dir);
    expect(third.counts.processed).toBe(3);
    expect(names(third)).toEqual(names(first));
    expect(third.assets.map((a) => a.data)).toEqual(first.assets.map((a) => a.data));
  });

  it('within one run, each distinct source is processed once (the memo), even across issues', async () => {
    const dir = await localImageProject();
    const memo: ImageMemo = new Map();
    await processIn(dir, memo);
    await rm(cacheDir(dir), { recursive: true });
    const again = await processIn(dir, memo);
    expect(again.counts).toEqual({ processed: 0, cached: 3 });
  });

  it('a damaged or truncated cache entry is ignored and rebuilt', async () => {
    const dir = await localImageProject();
    const first = await processIn(dir);
    const [damaged, truncated] = (await readdir(cacheDir(dir))).sort();
    const bytes = await readFile(join(cacheDir(dir), damaged!));
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 10) ^ 0xff, bytes.length - 10);
    await writeFile(join(cacheDir(dir), damaged!), bytes);
    await truncate(join(cacheDir(dir), truncated!), 200);
    const second = await processIn(dir);
    expect(second.counts.processed).toBe(2);
    expect(names(second)).toEqual(names(first));
    const third = await processIn(dir);
    expect(third.counts).toEqual({ processed: 0, cached: 3 });
  });

  it('buildIssue returns the assets and lists them in meta.json', async () => {
    const dir = await localImageProject();
    const built = await buildIssue({ cwd: dir, file: LOCAL_ISSUE });
    expect(built.meta.assets).toEqual(built.assets.map(({ name, bytes, width, height, source, url }) => ({ name, bytes, width, height, source, url })));
    expect(built.meta.assets.map((a) => a.source)).toEqual(['content/issues/images/photo.jpg', 'content/issues/images/shape.png']);
  });
});

describe('images that cannot go into an email are content errors at their line', () => {
  it('an SVG, an animated GIF and a damaged file are reported together, each with file:line and a fix', async () => {
    const dir = await localImageProject({
      'content/issues/images/drawing.svg': SVG,
      'content/issues/images/moving.gif': await animatedGif(),
      'content/issues/images/broken.jpg': Buffer.from('this is not an image, only text with a .jpg name'),
    });
    const { message, lineOf: line } = await refusalOf(dir, (text) =>
      text.replace('src: images/photo.jpg', 'src: images/drawing.svg').replace('![A transparent shape](images/shape.png)', '![Moving](images/moving.gif)\n\n![Broken](images/broken.jpg)'),
    );
    expect(message).toMatch(/3 problems/);
    expect(message).toMatch(new RegExp(`${LOCAL_ISSUE}:${line('drawing.svg')} .*hero\\.src.*drawing\\.svg is an SVG`));
    expect(message).toMatch(new RegExp(`${LOCAL_ISSUE}:${line('moving.gif')} .*moving\\.gif is an animated GIF \\(2 frames\\)`));
    expect(message).toMatch(new RegExp(`${LOCAL_ISSUE}:${line('broken.jpg')} .*broken\\.jpg is not an image sharp can read`));
    expect(message.match(/fix: /g)).toHaveLength(3);
  });

  it('a multi-page TIFF is refused like an animation, and an image over the pixel limit is named with its size', async () => {
    const dir = await localImageProject({
      'content/issues/images/scan.tiff': await multiPageTiff(),
      'content/issues/images/huge.jpg': await hugeJpeg(),
    });
    const { message, lineOf: line } = await refusalOf(dir, (text) => text.replace('![A transparent shape](images/shape.png)', '![A scan](images/scan.tiff)\n\n![Huge](images/huge.jpg)'));
    expect(message).toMatch(new RegExp(`${LOCAL_ISSUE}:${line('scan.tiff')} .*scan\\.tiff is a multi-page TIFF \\(3 pages\\)`));
    expect(message).toMatch(new RegExp(`${LOCAL_ISSUE}:${line('huge.jpg')} .*huge\\.jpg is too large in pixels: 30000×20000`));
    expect(message).toMatch(/fix: Resize it/);
    expect(message).not.toMatch(/may be damaged|sharp can read/);
  });
});
