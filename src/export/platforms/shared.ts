import { escapeHtml } from '../../content/index.ts';
import { entityBreaker } from '../literal.ts';
import type { TagContext, TagTable } from './types.ts';

/** `{{`, `{%` and `{#` open tags in the curly-brace languages (Handlebars, Mustache, Liquid, Go, Django). */
export const curlyHtml = entityBreaker(/\{(?=[{%#])/g);

/**
 * A value in Handlebars or Mustachio, which HTML-escape `{{x}}`: a plain-text part wants it as is,
 * `{{{x}}}` (else `D'Arcy` reads `D&#x27;Arcy` and `&` in a URL `&amp;`). `spaced` writes
 * `{{ x }}`, as Postmark's documentation does.
 */
export function tripleInText(name: string, ctx: TagContext, { spaced = false } = {}): string {
  const inner = spaced ? ` ${name} ` : name;
  return ctx === 'text' ? `{{{${inner}}}}` : `{{${inner}}}`;
}

/**
 * The contact fields in the Handlebars targets (SendGrid's both, SES), whose data keys are
 * first_name, last_name and email. `{{#if}}` rather than a quoted default, so the tag holds no `"`
 * and is valid inside href="…"; the fallback is written raw, so it is only ever plain words
 * (checked before export).
 */
export function handlebarsContactTags(fallback: string): Pick<TagTable, 'firstName' | 'lastName' | 'email'> {
  return {
    firstName: (ctx) => `{{#if first_name}}${tripleInText('first_name', ctx)}{{else}}${fallback}{{/if}}`,
    lastName: (ctx) => tripleInText('last_name', ctx),
    email: (ctx) => tripleInText('email', ctx),
  };
}

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
