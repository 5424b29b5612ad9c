/**
 * Dark-mode emulation for the preview's iframe.
 *
 * A browser decides `prefers-color-scheme` from the operating system (and,
 * in Chromium and Firefox, an iframe from its element's `color-scheme`),
 * so the page cannot reliably force it on one iframe. Instead the email gets
 * a copy of its own `@media (prefers-color-scheme: dark)` rules appended
 * unconditionally, plus `color-scheme: dark`: exactly what Apple Mail, iOS
 * Mail and Outlook for Mac show when they honour the media query, in any
 * browser and whatever the OS setting. It does not imitate the Gmail apps'
 * forced colour inversion, which no stylesheet controls.
 */

const STYLE_ELEMENT = /<style\b[^>]*>([\s\S]*?)<\/style>/gi;
const DARK_MEDIA = /@media[^{]*prefers-color-scheme\s*:\s*dark[^{]*\{/gi;

/** The rules inside every dark-scheme media block of a stylesheet (nested braces respected). */
export function darkMediaRules(css: string): string[] {
  const rules: string[] = [];
  for (const m of css.matchAll(DARK_MEDIA)) {
    const start = m.index + m[0].length;
    let depth = 1;
    let i = start;
    for (; i < css.length && depth > 0; i++) {
      if (css[i] === '{') depth++;
      else if (css[i] === '}') depth--;
    }
    if (depth === 0) rules.push(css.slice(start, i - 1).trim());
  }
  return rules;
}

/** The email with its dark-mode rules always on. */
export function forceDarkScheme(html: string): string {
  const rules = [...html.matchAll(STYLE_ELEMENT)].flatMap((m) => darkMediaRules(m[1] ?? ''));
  const style = `<style data-preview="dark-emulation">:root{color-scheme:dark}\n${rules.join('\n')}</style>`;
  const headEnd = html.search(/<\/head>/i);
  if (headEnd >= 0) return html.slice(0, headEnd) + style + html.slice(headEnd);
  const bodyStart = html.search(/<body\b[^>]*>/i);
  return bodyStart >= 0 ? html.replace(/<body\b[^>]*>/i, (tag) => tag + style) : style + html;
}
