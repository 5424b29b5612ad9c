import type { NewsletterConfig } from '../content/index.ts';
import { DARK, LIGHT, type DarkPalette, type LightPalette } from '../render/index.ts';
import { finding, type Finding } from './report.ts';

/** WCAG 2.x relative luminance of an sRGB colour "#rrggbb". */
export function relativeLuminance(hex: string): number {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  if (!m) throw new RangeError(`not a 6-digit hex colour: ${hex}`);
  const [r, g, b] = [m[1]!, m[2]!, m[3]!].map((h) => {
    const c = parseInt(h, 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio, from 1 (same colour) to 21 (black on white). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** WCAG AA: 4.5:1 for body text, 3:1 for large text (24 px and up, or bold from 18.66 px). */
export function requiredRatio(px: number, bold = false): number {
  return px >= 24 || (bold && px >= 18.66) ? 3 : 4.5;
}

export interface ColourPair {
  /** What uses the pair, e.g. "body text on the card". */
  use: string;
  scheme: 'light' | 'dark';
  fg: string;
  bg: string;
  /** Smallest text size drawn with the pair, in px. */
  px: number;
  bold?: boolean;
  /** The config key (or DARK palette key) to change. */
  keys: string;
}

type Colors = NewsletterConfig['colors'];
/** The palette colours text is drawn with or on (rules carry no text). */
type Dark = Omit<DarkPalette, 'rule'>;
type Light = Omit<LightPalette, 'rule'>;

const NAMED: Readonly<Record<string, string>> = { '#ffffff': 'white', '#000000': 'black' };
const colourName = (hex: string) => NAMED[hex.toLowerCase()] ?? hex;

/**
 * Every text/background pair the template draws: light mode from the config's
 * colours and the theme's LIGHT, dark mode from its DARK (the palettes the
 * template itself reads, so the check follows any change to them).
 */
export function templatePairs(c: Colors, dark: Dark = DARK, light: Light = LIGHT): ColourPair[] {
  return [
    { use: 'body text on the card', scheme: 'light', fg: c.text, bg: c.surface, px: 16, keys: 'colors.text / colors.surface' },
    { use: 'newsletter name on the page', scheme: 'light', fg: c.text, bg: c.background, px: 22, bold: true, keys: 'colors.text / colors.background' },
    { use: 'muted text on the card', scheme: 'light', fg: c.muted, bg: c.surface, px: 13, keys: 'colors.muted / colors.surface' },
    { use: 'muted header and footer text on the page', scheme: 'light', fg: c.muted, bg: c.background, px: 13, keys: 'colors.muted / colors.background' },
    { use: 'links on the card', scheme: 'light', fg: c.brand, bg: c.surface, px: 16, keys: 'colors.brand / colors.surface' },
    { use: 'footer links on the page', scheme: 'light', fg: c.brand, bg: c.background, px: 13, keys: 'colors.brand / colors.background' },
    { use: 'button label on the button', scheme: 'light', fg: light.buttonText, bg: c.brand, px: 16, bold: true, keys: `colors.brand (the label is ${colourName(light.buttonText)})` },
    { use: 'body text on the card', scheme: 'dark', fg: dark.text, bg: dark.surface, px: 16, keys: 'DARK.text / DARK.surface' },
    { use: 'newsletter name on the page', scheme: 'dark', fg: dark.text, bg: dark.background, px: 22, bold: true, keys: 'DARK.text / DARK.background' },
    { use: 'muted text on the card', scheme: 'dark', fg: dark.muted, bg: dark.surface, px: 13, keys: 'DARK.muted / DARK.surface' },
    { use: 'muted header and footer text on the page', scheme: 'dark', fg: dark.muted, bg: dark.background, px: 13, keys: 'DARK.muted / DARK.background' },
    { use: 'links on the card', scheme: 'dark', fg: dark.brand, bg: dark.surface, px: 16, keys: 'DARK.brand / DARK.surface' },
    { use: 'footer links on the page', scheme: 'dark', fg: dark.brand, bg: dark.background, px: 13, keys: 'DARK.brand / DARK.background' },
    { use: 'button label on the button', scheme: 'dark', fg: dark.buttonText, bg: dark.brand, px: 16, bold: true, keys: 'DARK.buttonText / DARK.brand' },
  ];
}

/** WCAG AA contrast of the template's colour pairs; one error per failing pair. */
export function checkContrast(colors: Colors, dark: Dark = DARK, light: Light = LIGHT): Finding[] {
  const findings: Finding[] = [];
  let worst: { ratio: number; pair: ColourPair } | undefined;
  const pairs = templatePairs(colors, dark, light);
  for (const pair of pairs) {
    const ratio = contrastRatio(pair.fg, pair.bg);
    const need = requiredRatio(pair.px, pair.bold);
    const data = { scheme: pair.scheme, fg: pair.fg, bg: pair.bg, ratio: Math.round(ratio * 100) / 100, required: need };
    if (!worst || ratio / need < worst.ratio) worst = { ratio: ratio / need, pair };
    if (ratio < need)
      findings.push(
        finding('accessibility', 'error', 'contrast', `${pair.scheme} mode: ${pair.use} (${pair.fg} on ${pair.bg}) has contrast ${ratio.toFixed(2)}:1; WCAG AA needs ${need}:1`, {
          where: pair.keys,
          fix: pair.scheme === 'light' ? `Change ${pair.keys} in newsletter.yml: darken the text or lighten the background until it reaches ${need}:1.` : `Change ${pair.keys} in emails/components/theme.ts until it reaches ${need}:1.`,
          data,
        }),
      );
  }
  if (!findings.length && worst) {
    const r = contrastRatio(worst.pair.fg, worst.pair.bg);
    findings.push(finding('accessibility', 'info', 'contrast-ok', `All ${pairs.length} colour pairs meet WCAG AA in light and dark; the tightest is ${worst.pair.scheme} ${worst.pair.use} at ${r.toFixed(2)}:1`));
  }
  return findings;
}
