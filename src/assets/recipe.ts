import type { ImageSlot } from '../content/index.ts';

/**
 * How a local image is processed. Everything here goes into the cache key (cache.ts):
 * change a number and every image is processed again; bump VERSION when the code changes
 * what the same numbers produce.
 */
const VERSION = 1;

/** The column each slot is shown at (emails/components: the card's 520 px, a story card's 482 px). */
export const COLUMN: Record<ImageSlot, number> = { full: 520, story: 482 };

/**
 * The widest a processed image may be: about twice its column, for 2× screens (issue 17:
 * 1,200 px for full width). Never enlarged past the source.
 */
export const MAX_WIDTH: Record<ImageSlot, number> = { full: 1200, story: 964 };

/**
 * JPEG: mozjpeg's encoder settings (trellis quantisation, overshoot deringing, its quantisation
 * table) without `mozjpeg: true`, which also turns on optimiseScans and so makes the file
 * progressive: Outlook for Windows (Word's renderer) shows progressive JPEGs badly, and every
 * client shows a baseline one.
 */
export const JPEG = { quality: 80, progressive: false, chromaSubsampling: '4:2:0', trellisQuantisation: true, overshootDeringing: true, quantisationTable: 3, optimiseScans: false } as const;

/** PNG: lossless, smallest (alpha is kept; no palette reduction, which would change colours). */
export const PNG = { compressionLevel: 9, adaptiveFiltering: true, palette: false } as const;

/** The recipe of one slot, as text for the cache key. */
export function recipeText(slot: ImageSlot): string {
  return JSON.stringify({ VERSION, maxWidth: MAX_WIDTH[slot], JPEG, PNG });
}
