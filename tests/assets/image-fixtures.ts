import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { tempDir } from '../helpers/cli.ts';
import { ROOT } from '../helpers/content.ts';

export const RED = { r: 220, g: 30, b: 30 };
export const BLUE = { r: 30, g: 30, b: 220 };
export const GREEN = { r: 20, g: 160, b: 60 };

/**
 * A 4,000 × 3,000 camera-like JPEG: red left half, blue right half, stored with EXIF Orientation 6
 * (shown turned 90° clockwise: red on top, 3,000 × 4,000), GPS coordinates, a camera make,
 * a Display P3 ICC profile and XMP naming its author.
 */
export async function cameraJpeg(): Promise<Buffer> {
  const blueHalf = await sharp({ create: { width: 2000, height: 3000, channels: 3, background: BLUE } }).png().toBuffer();
  return sharp({ create: { width: 4000, height: 3000, channels: 3, background: RED } })
    .composite([{ input: blueHalf, left: 2000, top: 0 }])
    .withIccProfile('p3')
    .withExif({ IFD0: { Make: 'FixtureCam' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '4/1 36/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '74/1 4/1 0/1' } })
    .withMetadata({ orientation: 6 })
    .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>A. Photographer</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>')
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** An 800 × 400 PNG: opaque green left half, fully transparent right half. */
export async function transparentPng(): Promise<Buffer> {
  const [width, height] = [800, 400];
  const rgba = Buffer.alloc(width * height * 4); // all zero: transparent
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width / 2; x++) rgba.set([GREEN.r, GREEN.g, GREEN.b, 255], (y * width + x) * 4);
  return sharp(rgba, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

export async function animatedGif(): Promise<Buffer> {
  const frame = (r: number) => sharp({ create: { width: 20, height: 20, channels: 3, background: { r, g: 0, b: 0 } } }).png().toBuffer();
  return sharp([await frame(255), await frame(0)], { join: { animated: true } }).gif().toBuffer();
}

/** A TIFF of three 20 × 20 pages (a scan of several sheets, a fax). */
export async function multiPageTiff(): Promise<Buffer> {
  const page = (r: number) => sharp({ create: { width: 20, height: 20, channels: 3, background: { r, g: 0, b: 0 } } }).png().toBuffer();
  return sharp([await page(255), await page(0), await page(90)], { join: { animated: true } }).tiff().toBuffer();
}

/**
 * A JPEG whose header says 30,000 × 20,000 (600 megapixels, over sharp's limit): a 16 px JPEG with
 * its frame header (SOF0) rewritten, so the test does not have to make a 1.8 GB image to get one.
 */
export async function hugeJpeg(): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: RED } }).jpeg().toBuffer();
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  jpeg.writeUInt16BE(20_000, sof + 5);
  jpeg.writeUInt16BE(30_000, sof + 7);
  return jpeg;
}

export const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';

/**
 * How many GPS tags an EXIF block holds: a minimal TIFF reader (IFD0's GPS pointer, tag 0x8825,
 * then the GPS IFD's entry count). sharp's metadata() returns the raw EXIF but does not parse GPS,
 * and no EXIF parser is a dependency of the project.
 */
export function gpsTagCount(exif: Buffer | undefined): number {
  if (!exif) return 0;
  const tiff = exif.subarray(exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? 6 : 0);
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const ifd0 = u32(4);
  for (let i = 0; i < u16(ifd0); i++) {
    const entry = ifd0 + 2 + i * 12;
    if (u16(entry) === 0x8825) return u16(u32(entry + 8));
  }
  return 0;
}

export const LOCAL_ISSUE = 'content/issues/2026-03-01-local-images.md';
export const LOCAL_SLUG = '2026-03-01-local-images';

/** The issue: the photo as hero and again in the lead, the PNG in a section and as a story's image. */
export const LOCAL_ISSUE_TEXT = `---
number: 2
date: 2026-03-01
subject: Local images in an issue
preheader: A fixture issue whose hero, body and story images are files next to it.
hero:
  src: images/photo.jpg
  alt: A red and blue test photo
stories:
  - title: A story with a picture
    summary: Its image is a transparent PNG next to the issue.
    url: https://example.com/story
    image:
      src: images/shape.png
      alt: A green shape on a transparent background
---

# Local images

A lead paragraph.

![The same photo again](images/photo.jpg)

## A section

![A transparent shape](images/shape.png)
`;

/** A copy of the seed content in a temp folder, plus LOCAL_ISSUE and its two images (and any extra files). */
export async function localImageProject(extra: Record<string, string | Buffer> = {}): Promise<string> {
  const dir = await tempDir();
  await cp(join(ROOT, 'content'), join(dir, 'content'), { recursive: true });
  await mkdir(join(dir, 'content', 'issues', 'images'), { recursive: true });
  const files: Record<string, string | Buffer> = {
    'content/issues/images/photo.jpg': await cameraJpeg(),
    'content/issues/images/shape.png': await transparentPng(),
    [LOCAL_ISSUE]: LOCAL_ISSUE_TEXT,
    ...extra,
  };
  for (const [name, data] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), data);
  }
  return dir;
}
