import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateNewsletter } from '../../src/content/index.ts';
import { checkContrast, checkSize, contrastRatio, GMAIL_CLIP_BYTES, relativeLuminance, requiredRatio, SIZE_WARNING_BYTES } from '../../src/check/index.ts';
import { CHECK_FIXTURES } from './fixtures.ts';

const html = (bytes: number) => `<p>${'x'.repeat(bytes - 7)}</p>`;

describe('size', () => {
  it.each([
    [SIZE_WARNING_BYTES - 1, 'size.bytes', 'info'],
    [SIZE_WARNING_BYTES, 'size.near-clip', 'warning'],
    [GMAIL_CLIP_BYTES - 1, 'size.near-clip', 'warning'],
    [GMAIL_CLIP_BYTES, 'size.clipped', 'error'],
  ])('%i bytes → %s (%s)', (bytes, id, severity) => {
    const [f] = checkSize(html(bytes));
    expect([f?.id, f?.severity, f?.data?.bytes]).toEqual([id, severity, bytes]);
  });

  it('counts bytes, not characters', () => {
    const [f] = checkSize('é'.repeat(GMAIL_CLIP_BYTES / 2));
    expect(f?.id).toBe('size.clipped');
  });
});

describe('WCAG contrast', () => {
  it('computes relative luminance and ratios as WCAG defines them', () => {
    expect(relativeLuminance('#ffffff')).toBeCloseTo(1, 5);
    expect(relativeLuminance('#000000')).toBe(0);
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(contrastRatio('#ffffff', '#0b5cad')).toBeCloseTo(contrastRatio('#0b5cad', '#ffffff'), 10);
  });

  it('asks 3:1 from large text only', () => {
    expect([requiredRatio(16), requiredRatio(24), requiredRatio(20, true), requiredRatio(18)]).toEqual([4.5, 3, 3, 4.5]);
  });

  it('finds the pale pairs of a newsletter.yml with bad colours, in light mode only', () => {
    const file = join(CHECK_FIXTURES, 'low-contrast', 'newsletter.yml');
    const config = validateNewsletter(readFileSync(file, 'utf8'), file);
    if (!config.ok) throw new Error('fixture config should be valid');
    const errors = checkContrast(config.value.colors);
    expect(errors.every((f) => f.id === 'accessibility.contrast' && f.severity === 'error')).toBe(true);
    expect(errors.map((f) => f.where)).toEqual([
      'colors.muted / colors.surface',
      'colors.muted / colors.background',
      'colors.brand / colors.surface',
      'colors.brand / colors.background',
      'colors.brand (the label is white)',
    ]);
    expect(errors.every((f) => f.data?.scheme === 'light' && (f.data.ratio as number) < 4.5)).toBe(true);
  });

  it('checks the dark palette too', () => {
    const light = { brand: '#0b5cad', text: '#1f2328', muted: '#57606a', background: '#f3f4f6', surface: '#ffffff' };
    const dark = { background: '#0d1117', surface: '#161b22', text: '#e6edf3', muted: '#30363d', brand: '#6cb6ff', buttonText: '#0d1117' };
    const errors = checkContrast(light, dark);
    expect(errors.map((f) => [f.id, f.severity, f.data?.scheme, f.where])).toEqual([
      ['accessibility.contrast', 'error', 'dark', 'DARK.muted / DARK.surface'],
      ['accessibility.contrast', 'error', 'dark', 'DARK.muted / DARK.background'],
    ]);
  });
});
