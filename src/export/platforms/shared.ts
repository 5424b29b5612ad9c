import { escapeHtml } from '../../content/index.ts';
import { entityBreaker } from '../literal.ts';
import type { TagContext } from './types.ts';

/** `{{`, `{%` and `{#` open tags in the curly-brace languages (Handlebars, Mustache, Liquid, Go, Django). */
export const curlyHtml = entityBreaker(/\{(?=[{%#])/g);

/** A fixed string in the context a tag lands in: HTML-escaped in the HTML part, raw in text. */
export function literalValue(value: string, ctx: TagContext): string {
  return ctx === 'text' ? value : escapeHtml(value);
}

/**
 * Platforms without a hosted "view in browser" page link to this web
 * version (the `html` export, published at the config's webVersionUrl).
 */
export function staticWebVersion(url: string): (ctx: TagContext) => string {
  return (ctx) => literalValue(url, ctx);
}
