/**
 * Making literal text inert for a platform's template engine. Content may
 * contain `{{`, `{%`, `*|` … as plain characters (an author writes `\{{` for
 * literal braces); in an export they must reach the reader as written and
 * never be read as a tag. Each platform picks the escapes below that its
 * engine understands.
 */

/** U+2060 WORD JOINER: invisible, zero-width, and it breaks a two-character opener apart. */
export const WORD_JOINER = '\u2060';

/** `&#123;` for `{`: decoded by every HTML parser (text, attribute values, <title>). */
export function htmlEntity(ch: string): string {
  return `&#${ch.codePointAt(0)};`;
}

// <style> and comments are raw text: entities are not decoded there. Content never lands in them.
const RAW_TEXT = /(<style\b[\s\S]*?<\/style\s*>|<!--[\s\S]*?-->)/i;

function outsideRawText(html: string, fn: (part: string) => string): string {
  return html
    .split(RAW_TEXT)
    .map((part, i) => (i % 2 === 1 ? part : fn(part)))
    .join('');
}

/**
 * HTML: write the first character of every opener as a numeric entity, so the
 * source never contains the opener but the reader still sees it. `opener`
 * matches that first character only (with a lookahead for the rest), so runs
 * like `{{{` are broken at every pair.
 */
export function entityBreaker(opener: RegExp): (html: string) => string {
  return (html) => outsideRawText(html, (part) => part.replace(opener, htmlEntity));
}

/** Plain text without an escape syntax: a word joiner after the first character of each opener. */
export function joinerBreaker(opener: RegExp): (text: string) => string {
  return (text) => text.replace(opener, (c) => c + WORD_JOINER);
}

/** Handlebars: `\{{` prints `{{` literally (handlebarsjs.com/guide/expressions.html#escaping-handlebars-expressions). */
export function handlebarsText(text: string): string {
  return text.replace(/\{\{/g, '\\{{');
}

/**
 * Liquid, Go templates and Django-style languages: print the opener from a
 * string literal, `{{ "{{" }}`. Each pair is replaced, so `{{{{` stays inert.
 */
export function stringLiteralText(openers: RegExp): (text: string) => string {
  return (text) => text.replace(openers, (pair) => `{{ "${pair}" }}`);
}

/** Both parts unchanged: for platforms (and the web version) whose engine ignores these characters. */
export const keepLiteral = { html: (s: string) => s, text: (s: string) => s };
