import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { contentError, type ContentProblem, type ImageSlot, type LocalImage, type NewsletterProps } from '../content/index.ts';
import { CACHE_DIR, cacheKey, readCached, sha256, writeCached } from './cache.ts';
import { withHostedImages } from './hosted-props.ts';
import { recipeText } from './recipe.ts';
import { processImage, sharpVersions, type ImageRefusal, type ProcessedImage } from './sharp-image.ts';
import type { ImageAsset } from './types.ts';

type Outcome = ProcessedImage | ImageRefusal;
const refused = (o: Outcome): o is ImageRefusal => 'fix' in o;

/** Processed images of this process by cache key, so each distinct source is processed once per run (an archive of many issues, a preview's rebuilds). */
export type ImageMemo = Map<string, Promise<Outcome>>;
const MEMO_LIMIT = 64;
const processMemo: ImageMemo = new Map();

export interface ProcessOptions {
  /** The working folder: the cache is out/.cache/images/ under it (default: process.cwd()). */
  cwd?: string;
  /** Default: one memo for the whole process. A new Map is a new run (tests). */
  memo?: ImageMemo;
}

export interface ProcessedIssue {
  /** The props with hosted URLs and sizes in place of the relative paths. */
  props: NewsletterProps;
  /** Each distinct asset once, in the order the email shows them. */
  assets: ImageAsset[];
  /** How many images sharp processed, and how many came from the cache (on disk or this run's). */
  counts: { processed: number; cached: number };
}

interface Run {
  cacheDir: string;
  memo: ImageMemo;
  versions: string;
  counts: ProcessedIssue['counts'];
}

/**
 * Turn an issue's local images into hosted assets: each file is oriented, resized for its
 * column, stripped of metadata and re-encoded (sharp-image.ts), named by the hash of the
 * result, and its URL (assetsBaseUrl, else siteUrl, + assets/<hash>.<ext>) put in the props.
 * Every image that cannot be used is reported in one ECONTENT error, at its line in the issue.
 */
export async function processLocalImages(issue: { props: NewsletterProps; file: string; localImages: readonly LocalImage[] }, options: ProcessOptions = {}): Promise<ProcessedIssue> {
  const counts = { processed: 0, cached: 0 };
  if (!issue.localImages.length) return { props: issue.props, assets: [], counts };
  const { newsletter } = issue.props;
  const base = newsletter.assetsBaseUrl ?? newsletter.siteUrl;
  if (!base) throw new Error('local images passed validation with neither assetsBaseUrl nor siteUrl (content/local-images.ts hostingProblems): a bug');
  const run: Run = { cacheDir: join(options.cwd ?? process.cwd(), CACHE_DIR), memo: options.memo ?? processMemo, versions: await sharpVersions(), counts };

  const jobs = new Map<string, Promise<Outcome>>();
  const jobOf = (image: LocalImage) => {
    const id = `${image.slot}\0${image.path}`;
    if (!jobs.has(id)) jobs.set(id, processFile(image.path, image.slot, run));
    return jobs.get(id)!;
  };
  const outcomes = await Promise.all(issue.localImages.map(jobOf));

  const problems: ContentProblem[] = [];
  const bySrc = new Map<string, ImageAsset>();
  const assets = new Map<string, ImageAsset>();
  issue.localImages.forEach((image, i) => {
    const outcome = outcomes[i]!;
    if (refused(outcome)) {
      problems.push({ severity: 'error', file: issue.file, line: image.line, field: image.field, message: `the image ${image.source} ${outcome.message}`, received: JSON.stringify(image.src), fix: outcome.fix });
      return;
    }
    const asset = assetOf(outcome, image.source, base);
    const key = `${image.slot}\0${image.src}`;
    // The props name an image by its src, so one src must mean one file: the front matter takes it
    // as a file path, the body as a URL (%20 decoded), and "a%20b.png" can be two files.
    const other = bySrc.get(key);
    if (other && other.source !== image.source) {
      problems.push({ severity: 'error', file: issue.file, line: image.line, field: image.field, message: `"${image.src}" names ${image.source} here but ${other.source} elsewhere in the issue (front matter takes a path as written, the body decodes its %-escapes)`, received: JSON.stringify(image.src), fix: 'Rename one of the two files, or write the same path the same way in both places.' });
      return;
    }
    bySrc.set(key, asset);
    if (!assets.has(asset.name)) assets.set(asset.name, asset);
  });
  if (problems.length) throw contentError({ ok: false, errors: problems, warnings: [] });
  const props = withHostedImages(issue.props, (src: string, slot: ImageSlot) => bySrc.get(`${slot}\0${src}`));
  return { props, assets: [...assets.values()], counts };
}

function assetOf(image: ProcessedImage, source: string, base: string): ImageAsset {
  const name = `assets/${sha256(image.data).slice(0, 16)}.${image.type === 'image/png' ? 'png' : 'jpg'}`;
  return { name, data: image.data, bytes: image.data.length, width: image.width, height: image.height, type: image.type, source, url: base + name };
}

/** One source file for one slot: this run's result, else the disk cache, else sharp. */
async function processFile(path: string, slot: ImageSlot, run: Run): Promise<Outcome> {
  let source: Buffer;
  try {
    source = await readFile(path);
  } catch (cause) {
    return { message: `cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, fix: 'Check the file permissions.' };
  }
  const key = cacheKey(source, recipeText(slot), run.versions);
  const known = run.memo.get(key);
  if (known) {
    run.counts.cached++;
    return known;
  }
  const outcome = fromCacheOrSharp(source, slot, key, run);
  run.memo.set(key, outcome);
  if (run.memo.size > MEMO_LIMIT) run.memo.delete(run.memo.keys().next().value!);
  return outcome;
}

async function fromCacheOrSharp(source: Buffer, slot: ImageSlot, key: string, run: Run): Promise<Outcome> {
  const cached = await readCached(run.cacheDir, key);
  if (cached) {
    run.counts.cached++;
    return cached;
  }
  run.counts.processed++;
  const outcome = await processImage(source, slot);
  if (!refused(outcome)) await writeCached(run.cacheDir, key, outcome);
  return outcome;
}
