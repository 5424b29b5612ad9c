import type { NewsletterConfig } from '../../src/content/index.ts';

/**
 * The colours the template draws. Light mode: newsletter.yml's `colors` plus
 * LIGHT (what the config has no field for); dark mode: DARK. The template
 * writes only these, and `check` tests their contrast from the same objects,
 * so a change here is checked as soon as it is made.
 */
/** `buttonText`: the button label, on colors.brand; `rule`: rules between sections and the border of story cards. */
export type LightPalette = Readonly<Record<'buttonText' | 'rule', string>>;
export type DarkPalette = Readonly<Record<'background' | 'surface' | 'text' | 'muted' | 'brand' | 'buttonText' | 'rule', string>>;

export const LIGHT: LightPalette = {
  buttonText: '#ffffff',
  rule: '#d8dee4',
};

/** Dark palette used by clients that honour prefers-color-scheme; chosen to keep AA contrast. */
export const DARK: DarkPalette = {
  background: '#0d1117',
  surface: '#161b22',
  text: '#e6edf3',
  muted: '#9da7b3',
  brand: '#6cb6ff',
  buttonText: '#0d1117',
  rule: '#30363d',
};

export const FONT_SERIF = "Georgia, 'Times New Roman', Times, serif";
export const FONT_SANS = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

export type Colors = NewsletterConfig['colors'];

/**
 * Head CSS. Inline styles carry the light design for every client; this adds
 * what only a stylesheet can: the phone layout and dark-mode overrides
 * (Apple Mail, iOS, Outlook for Mac honour the media query; Outlook.com uses [data-ogsc]).
 */
export function headCss(colors: Colors): string {
  const overrides: [string, string][] = [
    ['.nl-bg', `background-color:${DARK.background}`],
    ['.nl-surface', `background-color:${DARK.surface}`],
    ['.nl-text', `color:${DARK.text}`],
    ['.nl-muted', `color:${DARK.muted}`],
    ['.nl-link', `color:${DARK.brand}`],
    ['.nl-btn', `background-color:${DARK.brand}!important;color:${DARK.buttonText}!important;border-color:${DARK.surface}`],
    ['.nl-rule', `border-color:${DARK.rule}`],
    ['.nl-quote', `border-color:${DARK.brand}`],
  ];
  const rules = (prefix: string) => overrides.map(([sel, decl]) => `${prefix}${sel}{${decl}!important}`).join('');
  return [
    ':root{color-scheme:light dark;supported-color-schemes:light dark}',
    'body{margin:0;padding:0;-webkit-text-size-adjust:100%;-ms-text-size-adjust:100%}',
    'img{border:0;outline:none;text-decoration:none;-ms-interpolation-mode:bicubic}',
    `a{color:${colors.brand}}`,
    '@media only screen and (max-width:620px){',
    '.nl-outer{padding:12px 0!important}',
    '.nl-pad{padding-left:20px!important;padding-right:20px!important}',
    // The card fills a phone screen edge to edge: square corners, or they look clipped.
    '.nl-surface{border-radius:0!important}',
    '.nl-h1{font-size:25px!important;line-height:1.25!important}',
    '.nl-btn{display:block!important;text-align:center!important}',
    '}',
    `@media (prefers-color-scheme:dark){${rules('')}}`,
    rules('[data-ogsc] '),
  ].join('');
}
