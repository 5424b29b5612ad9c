/**
 * Reading a capture of Evolution's message window: is the message painted yet, and did it fit?
 *
 * The window, top to bottom (Evolution 3.46, Adwaita light and dark, at 440 and 860 px): title
 * bar, menus and toolbar; the header block (From … Date, text on the window's background); the
 * message in a frame (a 1 px border inset 8 px from the left and ~22 px from the right, the
 * message's own background inside); then the window's background down to its bottom edge.
 *
 * While it loads, captures of the seed newsletter showed, before the finished window:
 * - the view not painted at all: one flat colour under the toolbar, no frame, no blank band;
 * - the view blank in the window's background, no frame yet;
 * - the header block over an empty frame 12 px tall (the message not laid out yet). Its blank band
 *   starts ~270 px down at 440 px, below a fixed "blank starts under 250 px" threshold, which
 *   therefore took it for painted.
 * So the rule reads the frame itself: painted when the frame is there, at least MIN_MESSAGE px
 * tall, and either followed by the blank band (the whole message shown) or running into the
 * window's bottom edge (the message is taller than the window: truncated). Evolution sizes the
 * frame to the laid-out message, so a frame that tall holds a message, not the 12 px placeholder.
 */
import { blankBand, MIN_BLANK, type Pixmap } from './ppm.ts';

/** 'empty': not painted yet; 'complete': the whole message shows; 'truncated': it runs past the window's bottom. */
export type CaptureState = 'empty' | 'complete' | 'truncated';

/**
 * Frames shorter than this are taken for the placeholder: 12× its 12 px, and below any newsletter
 * (the seed's masthead alone is ~90 px, its whole message ~3270 px at 440). A message under
 * 150 px (a line or two) is never seen as painted and fails with "stayed empty".
 */
const MIN_MESSAGE = 150;
/** The frame's top border spans this share of the window's width at least (0.86 to 0.95 measured, scroll bar included). */
const FRAME_SHARE = 0.8;
/** The window's background on each side of that border, in px at least (8 and ~22 measured; window edges are 1 to 3 px). */
const MARGIN_MIN = 6;

/** The message frame's rows (its top and bottom border) and the column of its left border. */
export interface MessageFrame {
  top: number;
  bottom: number;
  left: number;
}

interface Run {
  start: number;
  length: number;
  colour: number;
}

function pixel(image: Pixmap, x: number, y: number): number {
  const at = (y * image.width + x) * 3;
  return ((image.pixels[at] as number) << 16) | ((image.pixels[at + 1] as number) << 8) | (image.pixels[at + 2] as number);
}

/** A row as runs of one colour, left to right. */
function runs(image: Pixmap, y: number): Run[] {
  const found: Run[] = [];
  for (let x = 0; x < image.width; x++) {
    const colour = pixel(image, x, y);
    const last = found[found.length - 1];
    if (last?.colour === colour) last.length++;
    else found.push({ start: x, length: 1, colour });
  }
  return found;
}

/** The run that is a frame's top border: most of the row in one colour, with the same background beside it on both sides. */
function borderIn(row: Run[], width: number): { border: Run; margin: Run } | undefined {
  for (let i = 1; i + 1 < row.length; i++) {
    const [before, run, after] = [row[i - 1] as Run, row[i] as Run, row[i + 1] as Run];
    const framed = before.colour === after.colour && before.colour !== run.colour && Math.min(before.length, after.length) >= MARGIN_MIN;
    if (framed && run.length >= FRAME_SHARE * width) return { border: run, margin: before };
  }
  return undefined;
}

/**
 * Evolution's message frame: the first row (from the top) holding a frame's top border, then down
 * its left border (the border's colour, the window's background just left of it) to its last row.
 * The header block above it is text: no run of it is most of a row wide.
 */
export function messageFrame(image: Pixmap): MessageFrame | undefined {
  for (let top = 0; top < image.height; top++) {
    const found = borderIn(runs(image, top), image.width);
    if (!found) continue;
    const { border, margin } = found;
    let bottom = top;
    while (bottom + 1 < image.height && pixel(image, border.start, bottom + 1) === border.colour && pixel(image, border.start - 1, bottom + 1) === margin.colour) bottom++;
    return { top, bottom, left: border.start };
  }
  return undefined;
}

/** What a capture shows; see the rule at the top of this file. */
export function captureState(image: Pixmap): CaptureState {
  const frame = messageFrame(image);
  if (!frame || frame.bottom - frame.top + 1 < MIN_MESSAGE) return 'empty';
  const band = blankBand(image);
  // The band must be the window's background (as left of the frame), not a flat area still unpainted.
  const background = pixel(image, frame.left - 1, frame.top);
  if (band) return band.top === frame.bottom + 1 && pixel(image, frame.left, band.top) === background ? 'complete' : 'empty';
  // No blank band: the frame must run (nearly) into the window's bottom edge, not stop short of an unpainted area.
  return image.height - 1 - frame.bottom < MIN_BLANK ? 'truncated' : 'empty';
}
