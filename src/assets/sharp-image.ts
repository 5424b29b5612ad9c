import type { Metadata } from 'sharp';
import type { ImageSlot } from '../content/index.ts';
import { JPEG, MAX_WIDTH, PNG } from './recipe.ts';

/** A processed image: what the cache stores and an asset is made of. */
export interface ProcessedImage {
  data: Buffer;
  width: number;
  height: number;
  type: 'image/jpeg' | 'image/png';
}

/** Why a file cannot become an email image, in the author's words (the caller adds file:line). */
export interface ImageRefusal {
  message: string;
  fix: string;
}

type Sharp = typeof import('sharp').default;

let loaded: Promise<Sharp> | undefined;
/** sharp (native libvips) is loaded on the first local image only: most commands and issues never need it. */
export function loadSharp(): Promise<Sharp> {
  loaded ??= import('sharp').then((m) => m.default);
  return loaded;
}

/** What the cache key must change with besides the recipe: the libvips and sharp builds that ran it. */
export async function sharpVersions(): Promise<string> {
  const sharp = await loadSharp();
  return `vips ${sharp.versions.vips} sharp ${sharp.versions.sharp ?? ''}`;
}

/**
 * The most pixels an input may have: sharp's own default (0x3FFF × 0x3FFF), named so the check
 * below and the pipeline use the same figure. Decoding past it takes gigabytes of memory.
 */
const PIXEL_LIMIT = 0x3fff * 0x3fff;

const EXPORT_FIX = 'Export it as a PNG (graphics, transparency) or JPEG (photos), or host it and use its https:// URL.';

/**
 * Orient, resize, strip and re-encode one image for email. Only JPEG and PNG come out: every
 * mail client shows them, while WebP and AVIF are missing in some (Outlook for Windows among
 * them). Metadata (EXIF with GPS, XMP, ICC) is dropped by sharp's default, with the colours
 * converted to sRGB, because nothing here calls keepMetadata/withMetadata.
 */
export async function processImage(source: Buffer, slot: ImageSlot): Promise<ProcessedImage | ImageRefusal> {
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    // Only the header is read here, so no limit is needed: the size is checked below with a message of its own.
    meta = await sharp(source, { limitInputPixels: false }).metadata();
  } catch (cause) {
    return { message: `is not an image sharp can read (${(cause as Error).message})`, fix: `Check the file opens in an image viewer; ${EXPORT_FIX}` };
  }
  const refusal = unusableKind(meta);
  if (refusal) return refusal;
  const png = meta.format === 'png' || (meta.format !== 'jpeg' && meta.hasAlpha);
  try {
    const pipeline = sharp(source, { limitInputPixels: PIXEL_LIMIT }).autoOrient().resize({ width: MAX_WIDTH[slot], withoutEnlargement: true });
    const { data, info } = await (png ? pipeline.png(PNG) : pipeline.jpeg(JPEG)).toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, type: png ? 'image/png' : 'image/jpeg' };
  } catch (cause) {
    return { message: `cannot be processed (${(cause as Error).message}); the file may be damaged`, fix: `Open and re-save it in an image editor; ${EXPORT_FIX}` };
  }
}

/** Why a readable image still cannot be one email image: an SVG, several pages or frames, or too many pixels to decode. */
function unusableKind(meta: Metadata): ImageRefusal | undefined {
  const pages = meta.pages ?? 1;
  if (meta.format === 'svg') return { message: 'is an SVG, which Gmail and Outlook do not show', fix: EXPORT_FIX };
  if ((meta.format === 'gif' || meta.format === 'webp') && pages > 1)
    return { message: `is an animated ${meta.format.toUpperCase()} (${String(pages)} frames); mail clients do not reliably play it (Outlook for Windows shows only the first frame)`, fix: `Export the frame to show as a PNG or JPEG, or host the animation and use its https:// URL.` };
  // Any other file of several pages (a TIFF scan, a HEIF sequence) would silently become its first page.
  if (pages > 1) return { message: `is a multi-page ${meta.format.toUpperCase()} (${String(pages)} pages); an email image is one picture, and only its first page would be shown`, fix: 'Export the page to show as a PNG (graphics) or JPEG (photos).' };
  const { width = 0, height = 0 } = meta;
  if (width * height > PIXEL_LIMIT)
    return { message: `is too large in pixels: ${width}×${height} (${Math.round((width * height) / 1e6)} megapixels; at most ${Math.floor(PIXEL_LIMIT / 1e6)} can be read)`, fix: `Resize it first (an email shows at most 1,200 px across), e.g. to 2,400 px wide in an image editor; ${EXPORT_FIX}` };
  return undefined;
}
