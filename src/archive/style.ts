import type { NewsletterConfig } from '../content/index.ts';
import { DARK, LIGHT } from '../render/index.ts';

const SERIF = "Georgia, 'Times New Roman', Times, serif";
const SANS = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

type Palette = Record<'background' | 'surface' | 'text' | 'muted' | 'brand' | 'buttonText' | 'rule', string>;

/** The colours as CSS custom properties: newsletter.yml's in light mode, the email's DARK palette (checked for AA) in dark. */
function variables(p: Palette): string {
  return Object.entries(p)
    .map(([name, value]) => `--${name}:${value}`)
    .join(';');
}

/**
 * The one stylesheet of every page, inline (no extra request, nothing to get out of step).
 * A fixed string per newsletter.yml, so pages are byte-identical build after build.
 */
export function siteCss(colors: NewsletterConfig['colors']): string {
  const light: Palette = { ...colors, buttonText: LIGHT.buttonText, rule: LIGHT.rule };
  return [
    `:root{color-scheme:light dark;${variables(light)}}`,
    `@media (prefers-color-scheme:dark){:root{${variables(DARK)}}}`,
    '*,*::before,*::after{box-sizing:border-box}',
    `html{-webkit-text-size-adjust:100%;text-size-adjust:100%}`,
    `body{margin:0;background:var(--background);color:var(--text);font:17px/1.6 ${SERIF};overflow-wrap:break-word;word-wrap:break-word}`,
    // Long words and bare URLs wrap instead of pushing the page sideways at 375 px.
    'p,li,h1,h2,h3,a,td,blockquote{overflow-wrap:anywhere}',
    'img{max-width:100%;height:auto;display:block}',
    'a{color:var(--brand);text-decoration-thickness:1px;text-underline-offset:2px}',
    'a:hover{text-decoration-thickness:2px}',
    // Focus always visible, in both schemes: a ring in the brand colour with room around it.
    'a:focus-visible,button:focus-visible{outline:3px solid var(--brand);outline-offset:3px;border-radius:2px}',
    // Visually hidden until focused: clipped to 1 px where it stands, never pushed off-screen
    // (left:-9999px makes a right-to-left page scroll 10,000 px sideways). Logical properties below
    // (inline-start, padding-inline…) put every edge on the reading side in rtl as in ltr.
    `.skip{position:absolute;inset-block-start:0;inset-inline-start:0;width:1px;height:1px;padding:0;overflow:hidden;clip-path:inset(50%);white-space:nowrap;background:var(--surface);color:var(--brand);font:600 16px/1.4 ${SANS}}`,
    '.skip:focus{inset-block-start:12px;inset-inline-start:12px;width:auto;height:auto;padding:8px 14px;overflow:visible;clip-path:none;z-index:1}',
    '.wrap{max-width:40rem;margin:0 auto;padding:0 20px}',
    `.site-header{padding:28px 0 12px;font-family:${SANS}}`,
    `.site-name{font:700 22px/1.3 ${SERIF};color:var(--text);text-decoration:none}`,
    '.site-name:hover{text-decoration:underline}',
    'main{background:var(--surface);border-radius:10px;padding:32px 40px 24px;margin:0 auto}',
    `.meta{font:14px/1.5 ${SANS};color:var(--muted);margin:0 0 12px}`,
    `h1{font:700 clamp(25px,4.5vw,31px)/1.25 ${SERIF};margin:0 0 20px}`,
    `h2{font:700 20px/1.35 ${SANS};margin:0 0 14px}`,
    `h3{font:700 18px/1.35 ${SERIF};margin:24px 0 8px}`,
    `.greeting{font:16px/1.6 ${SANS};margin:0 0 18px}`,
    'p{margin:0 0 18px}',
    'ul,ol{margin:0 0 18px;padding-inline-start:24px}li{margin:0 0 6px}',
    'blockquote{border-inline-start:4px solid var(--brand);margin:0 0 18px;padding-block:2px;padding-inline:18px 0}',
    `code{font-family:Menlo,Consolas,monospace;font-size:.9em}`,
    '.hero{margin:0 0 24px}.hero img,article img{border-radius:6px}',
    'article img{margin:0 0 18px}',
    'section{border-top:1px solid var(--rule);padding-top:28px;margin-top:12px}',
    'hr{border:0;border-top:1px solid var(--rule);margin:24px 0}',
    '.story{border:1px solid var(--rule);border-radius:8px;padding:16px 18px;margin:0 0 14px}',
    `.story h3{font:700 17px/1.35 ${SANS};margin:0 0 6px}.story p{font-size:16px;margin:0}.story img{margin:0 0 12px;border-radius:4px}`,
    '.cta{text-align:center;margin:12px 0 8px}',
    `.button{display:inline-block;min-height:44px;padding:12px 28px;border-radius:6px;background:var(--brand);color:var(--buttonText);font:600 16px/20px ${SANS};text-decoration:none}`,
    '@media (max-width:640px){.button{display:block}}',
    `.issue-nav{font:15px/1.5 ${SANS};margin:24px 0 0}`,
    '.issue-nav ul{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:10px 24px;justify-content:space-between}',
    '.issue-nav li{margin:0;max-width:100%}',
    `.site-footer{padding:24px 0 40px;font:14px/1.5 ${SANS};color:var(--muted)}`,
    '.site-footer p{margin:0 0 10px}',
    `.issues{list-style:none;padding:0;margin:0}`,
    '.issues li{border-top:1px solid var(--rule);padding:18px 0;margin:0}',
    '.issues li:first-child{border-top:0;padding-top:4px}',
    `.issues h2{font:700 20px/1.35 ${SERIF};margin:0 0 6px}`,
    '.issues p{margin:0}',
    `.tagline{font:17px/1.5 ${SERIF};color:var(--muted);margin:0 0 24px}`,
    `.feeds{font:14px/1.5 ${SANS}}`,
    // Last, so it wins over the rules above: a phone gets the column edge to edge, text 20 px in.
    '@media (max-width:640px){.wrap{padding:0}.site-header,.site-footer,.issue-nav{padding-inline:20px}main{border-radius:0;padding:24px 20px}}',
  ].join('\n');
}
