import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessedImage } from './sharp-image.ts';

/** Where processed images are kept between runs, relative to the working folder. */
export const CACHE_DIR = join('out', '.cache', 'images');

export const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

/** The same source bytes, recipe and sharp/libvips build always give the same processed image. */
export function cacheKey(source: Buffer, recipe: string, versions: string): string {
  return createHash('sha256').update(source).update('\0').update(recipe).update('\0').update(versions).digest('hex');
}

interface EntryHeader {
  type: ProcessedImage['type'];
  width: number;
  height: number;
  sha256: string;
}

/*
 * One cache entry is one file: a JSON header line, then the image bytes. One file is written
 * with one rename, so an entry is never half of one and half of another; the header's sha256
 * of the bytes catches a damaged or truncated entry. Small enough that no cache library is
 * worth its dependency.
 */
export async function readCached(dir: string, key: string): Promise<ProcessedImage | undefined> {
  let raw: Buffer;
  try {
    raw = await readFile(join(dir, key));
  } catch {
    return undefined; // not cached (or unreadable: processed again)
  }
  const newline = raw.indexOf(0x0a);
  if (newline < 0) return undefined;
  let header: Partial<EntryHeader>;
  try {
    header = JSON.parse(raw.subarray(0, newline).toString('utf8')) as Partial<EntryHeader>;
  } catch {
    return undefined;
  }
  const data = raw.subarray(newline + 1);
  const valid = (header.type === 'image/jpeg' || header.type === 'image/png') && Number.isInteger(header.width) && Number.isInteger(header.height) && header.sha256 === sha256(data);
  return valid ? { data: Buffer.from(data), width: header.width!, height: header.height!, type: header.type! } : undefined;
}

/** Store an entry (temp file + rename). A cache that cannot be written only costs time: failures are ignored. */
export async function writeCached(dir: string, key: string, image: ProcessedImage): Promise<void> {
  const header: EntryHeader = { type: image.type, width: image.width, height: image.height, sha256: sha256(image.data) };
  const temp = join(dir, `.${key}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temp, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), image.data]));
    await rename(temp, join(dir, key));
  } catch {
    await rm(temp, { force: true }).catch(() => {});
  }
}
