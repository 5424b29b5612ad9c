/**
 * Window captures as binary PPM (P6, 8 bits): trimming the blank part of a tall window and writing
 * the PNG. A client window is opened far taller than any message so that the message is never
 * scrolled; what is below the message is empty and is cut here.
 */
import { writeFile } from 'node:fs/promises';
import { run } from './processes.ts';

export interface Pixmap {
  width: number;
  height: number;
  /** RGB, 3 bytes a pixel, row after row. */
  pixels: Buffer;
}

export function parsePpm(ppm: Buffer): Pixmap {
  // Header: "P6", width, height, maxval, each separated by whitespace (comments allowed), then one whitespace byte.
  const fields: string[] = [];
  let at = 0;
  while (fields.length < 4 && at < ppm.length) {
    const byte = ppm[at] as number;
    if (byte === 0x23) {
      while (at < ppm.length && ppm[at] !== 0x0a) at++;
    } else if (/\s/.test(String.fromCharCode(byte))) {
      at++;
    } else {
      const start = at;
      while (at < ppm.length && !/\s/.test(String.fromCharCode(ppm[at] as number))) at++;
      fields.push(ppm.toString('latin1', start, at));
    }
  }
  const [magic, width, height, maxval] = [fields[0], Number(fields[1]), Number(fields[2]), Number(fields[3])];
  if (magic !== 'P6' || maxval !== 255 || !(width > 0) || !(height > 0)) throw new Error(`not an 8-bit binary PPM (header ${fields.join(' ')})`);
  const pixels = ppm.subarray(at + 1, at + 1 + width * height * 3);
  if (pixels.length !== width * height * 3) throw new Error(`PPM of ${width}x${height} holds ${pixels.length} bytes of pixels, not ${width * height * 3}`);
  return { width, height, pixels };
}

function row(image: Pixmap, y: number): Buffer {
  const stride = image.width * 3;
  return image.pixels.subarray(y * stride, (y + 1) * stride);
}

/** Rows kept under the message before the window's bottom edge resumes. */
const MARGIN = 24;
/** The empty row is read this far above the window's bottom, past its frame and borders. */
const PROBE = 40;
/** Less empty space than this and nothing is cut: the message may fill the window. */
export const MIN_BLANK = 100;

/**
 * The empty band between the message and the window's bottom edge: the run of rows identical to
 * the row PROBE px above the bottom. Undefined when there is none (the message fills the window).
 */
export function blankBand(image: Pixmap): { top: number; bottom: number } | undefined {
  const probe = image.height - PROBE;
  if (probe <= MIN_BLANK) return undefined;
  const blank = row(image, probe);
  let top = probe;
  while (top > 0 && row(image, top - 1).equals(blank)) top--;
  let bottom = probe;
  while (bottom + 1 < image.height && row(image, bottom + 1).equals(blank)) bottom++;
  return bottom - top + 1 < MIN_BLANK ? undefined : { top, bottom };
}

/**
 * Cut the blank band: kept are everything above it plus MARGIN rows, then the window's own
 * bottom rows (frame, borders), so it still looks like the window.
 */
export function cutBlank(image: Pixmap): Pixmap {
  const band = blankBand(image);
  if (!band) return image;
  const keepTop = Math.min(band.top + MARGIN, band.bottom + 1);
  const stride = image.width * 3;
  const pixels = Buffer.concat([image.pixels.subarray(0, keepTop * stride), image.pixels.subarray((band.bottom + 1) * stride)]);
  return { width: image.width, height: pixels.length / stride, pixels };
}

/** Write the pixmap as a PNG at `file` (ImageMagick; no timestamps, so equal pixels give equal files). */
export async function writePng(image: Pixmap, file: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  const ppm = Buffer.concat([Buffer.from(`P6\n${image.width} ${image.height}\n255\n`, 'latin1'), image.pixels]);
  const result = await run('convert', ['ppm:-', '-define', 'png:exclude-chunks=date,time', 'png:-'], { env, input: ppm, timeoutMs: 20_000, signal });
  if (result.code !== 0 || result.stdout.length === 0) throw new Error(`convert could not write ${file} (exit ${result.code}): ${result.stderr}`);
  await writeFile(file, result.stdout);
}
