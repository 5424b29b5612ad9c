/**
 * The rule that says when a capture of Evolution's message window shows the message, on drawn
 * windows laid out like the real ones (Evolution 3.46, Adwaita light, 440 px: window edges 5 px,
 * toolbar to row 118, header block to ~257, the message frame inset 13 px left and 27 px right).
 */
import { describe, expect, it } from 'vitest';
import { captureState, messageFrame } from '../../src/clients/evolution-capture.ts';
import type { Pixmap } from '../../src/clients/ppm.ts';

const WIDTH = 450;
const WINDOW = 0xf6f5f4;
const EDGE = 0xcdc7c2;
const FRAME = 0xc4c4c3;
const MESSAGE = 0xf3f4f6;
const TEXT = 0x2e3436;

/** A window being drawn: every row starts as the window's background between its edges. */
class Drawing {
  readonly pixels: Buffer;
  constructor(readonly height: number) {
    this.pixels = Buffer.alloc(WIDTH * height * 3);
    this.fill(0, height, 0, WIDTH, EDGE);
    this.fill(0, height, 5, WIDTH - 5, WINDOW);
  }

  fill(top: number, bottom: number, left: number, right: number, colour: number): this {
    for (let y = top; y < bottom; y++)
      for (let x = left; x < right; x++) this.pixels.writeUIntBE(colour, (y * WIDTH + x) * 3, 3);
    return this;
  }

  /** Title bar, menus, toolbar (text and icons), and the separator under them across the whole window. */
  toolbar(): this {
    for (let y = 10; y < 110; y += 12) this.text(y, 20, 300);
    return this.fill(118, 119, 0, WIDTH, EDGE);
  }

  /** "From: …" to "Date: …": lines of text on the window's background, a long underlined link among them. */
  headers(bottom: number): this {
    for (let y = 130; y + 10 < bottom; y += 19) this.text(y, 15, 400);
    // A Reply-To link's underline: one colour over two thirds of the row, background on both sides.
    return this.fill(160, 161, 100, 400, 0x3278cf);
  }

  /** Glyph-like pixels: every third pixel dark for 8 rows. */
  text(top: number, left: number, right: number): this {
    for (let y = top; y < top + 8; y++) for (let x = left; x < right; x += 3) this.fill(y, y + 1, x, x + 1, TEXT);
    return this;
  }

  /** The message frame from `top` to `bottom` (its last row), its border drawn, text inside every 40 rows. */
  frame(top: number, bottom: number, options: { bottomBorder?: boolean } = {}): this {
    this.fill(top, bottom + 1, 13, WIDTH - 27, FRAME).fill(top + 1, bottom + (options.bottomBorder === false ? 1 : 0), 14, WIDTH - 28, MESSAGE);
    for (let y = top + 20; y + 8 < bottom; y += 40) this.text(y, 30, 380);
    return this;
  }

  /** The window's own bottom edge: its last 5 rows. */
  bottomEdge(): Pixmap {
    this.fill(this.height - 5, this.height, 0, WIDTH, EDGE);
    return { width: WIDTH, height: this.height, pixels: this.pixels };
  }
}

describe('captureState', () => {
  it('takes the header block over an empty 12 px frame for not painted, though its blank band starts below 250 px', () => {
    const image = new Drawing(5056).toolbar().headers(258).frame(260, 271).bottomEdge();
    expect(messageFrame(image)).toEqual({ top: 260, bottom: 271, left: 13 });
    expect(captureState(image)).toBe('empty');
  });

  it('sees the whole message when the frame is tall and the window’s background follows it to the bottom', () => {
    const image = new Drawing(5056).toolbar().headers(258).frame(258, 3525).bottomEdge();
    expect(messageFrame(image)).toEqual({ top: 258, bottom: 3525, left: 13 });
    expect(captureState(image)).toBe('complete');
  });

  it('says truncated when the frame runs into the window’s bottom edge', () => {
    const image = new Drawing(9056).toolbar().headers(205).frame(205, 9013, { bottomBorder: false }).bottomEdge();
    expect(captureState(image)).toBe('truncated');
  });

  it.each([
    ['a view not painted at all: one flat colour under the toolbar', new Drawing(5056).toolbar().fill(119, 5013, 5, WIDTH - 5, 0x2d2d2d).bottomEdge()],
    ['a view still blank under the toolbar', new Drawing(5056).toolbar().bottomEdge()],
    ['the header block alone', new Drawing(5056).toolbar().headers(258).bottomEdge()],
    ['a frame of 100 px (a line or two: taken for one still being laid out)', new Drawing(5056).toolbar().headers(258).frame(258, 357).bottomEdge()],
    ['a frame that stops above an unpainted area, with no blank band', new Drawing(5056).toolbar().headers(258).frame(258, 700).fill(701, 5051, 5, WIDTH - 5, 0x2d2d2d).bottomEdge()],
  ])('takes %s for not painted', (_name, image) => {
    expect(captureState(image)).toBe('empty');
  });

  it('does not take a long link underline in the header block for the frame', () => {
    const image = new Drawing(5056).toolbar().headers(258).frame(258, 1000).bottomEdge();
    expect(messageFrame(image)?.top).toBe(258);
  });
});
