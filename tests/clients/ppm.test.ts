import { describe, expect, it } from 'vitest';
import { blankBand, cutBlank, parsePpm, type Pixmap } from '../../src/clients/ppm.ts';
import { titlePattern } from '../../src/clients/xvfb.ts';

const WIDTH = 8;

/** A pixmap whose rows are given as one grey level each. */
function pixmap(rows: number[]): Pixmap {
  return { width: WIDTH, height: rows.length, pixels: Buffer.concat(rows.map((grey) => Buffer.alloc(WIDTH * 3, grey))) };
}

function rowsOf(image: Pixmap): number[] {
  return Array.from({ length: image.height }, (_, y) => image.pixels[y * WIDTH * 3] as number);
}

/** `content` rows of varied greys, `blank` rows of 245, then a window frame: 200, 250, 200. */
function window(content: number, blank: number): number[] {
  return [...Array.from({ length: content }, (_, y) => y % 200), ...Array<number>(blank).fill(245), 200, 250, 200];
}

describe('cutBlank', () => {
  it('cuts the blank band under the message to 24 rows and keeps the window’s bottom frame', () => {
    const cut = cutBlank(pixmap(window(300, 4000)));
    expect(cut.height).toBe(300 + 24 + 3);
    expect(rowsOf(cut).slice(0, 300)).toEqual(window(300, 0).slice(0, 300));
    expect(rowsOf(cut).slice(300)).toEqual([...Array<number>(24).fill(245), 200, 250, 200]);
  });

  it('leaves a window the message fills (under 100 blank rows) as it is', () => {
    const full = pixmap(window(4900, 60));
    expect(blankBand(full)).toBeUndefined();
    expect(cutBlank(full)).toBe(full);
  });

  it('finds where the band starts: a window still blank has it at the top', () => {
    expect(blankBand(pixmap(window(0, 5000)))).toEqual({ top: 0, bottom: 4999 });
    expect(blankBand(pixmap(window(420, 4000)))?.top).toBe(420);
  });
});

describe('parsePpm', () => {
  it('reads an 8-bit binary PPM, comments included', () => {
    const ppm = Buffer.concat([Buffer.from('P6\n# made by import\n2 1\n255\n'), Buffer.from([1, 2, 3, 4, 5, 6])]);
    expect(parsePpm(ppm)).toEqual({ width: 2, height: 1, pixels: Buffer.from([1, 2, 3, 4, 5, 6]) });
  });

  it.each([
    ['16-bit samples (ImageMagick Q16 without -depth 8)', Buffer.concat([Buffer.from('P6\n1 1\n65535\n'), Buffer.alloc(6)]), /not an 8-bit binary PPM/],
    ['a short file', Buffer.concat([Buffer.from('P6\n2 2\n255\n'), Buffer.alloc(6)]), /holds 6 bytes of pixels, not 12/],
    ['a PNG', Buffer.from('\x89PNG\r\n\x1a\n'), /not an 8-bit binary PPM/],
  ])('refuses %s', (_name, ppm, message) => {
    expect(() => parsePpm(ppm)).toThrow(message);
  });
});

describe('titlePattern', () => {
  it('escapes regex characters and lets non-ASCII match anything', () => {
    expect(titlePattern('Issue #3: (a+b)? [draft] $5 ^_^ | a.b\\c')).toBe('Issue #3: \\(a\\+b\\)\\? \\[draft\\] \\$5 \\^_\\^ \\| a\\.b\\\\c');
    expect(titlePattern('Trump and Petro’s meeting 🇺🇸🇨🇴')).toBe('Trump and Petro.*s meeting .*');
  });
});
