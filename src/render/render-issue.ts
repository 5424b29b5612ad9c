import { createElement } from 'react';
import { Newsletter } from '../../emails/newsletter.tsx';
import type { NewsletterProps } from '../content/index.ts';
import { toHandlebars } from '../personalize/index.ts';
import { renderEmailHtml } from './email-html.ts';
import { plainTextOf } from './plain-text.ts';
import { withUtm } from './utm.ts';

export interface RenderedIssue {
  /** Handlebars template text of the HTML part (merge fields as {{field}}). */
  html: string;
  /** Handlebars template text of the plain-text part. */
  text: string;
}

/**
 * Render an issue once and derive the plain text from that same HTML.
 * Never pretty-printed: reformatting breaks Outlook's conditional comments.
 * Content links get the newsletter's UTM parameters here, so build, send and
 * export all carry them.
 */
export async function renderIssue(props: NewsletterProps): Promise<RenderedIssue> {
  // Props hold marked text (fields as marks, the rest literal), so the render does too.
  const html = await renderEmailHtml(createElement(Newsletter, withUtm(props)));
  const text = plainTextOf(html);
  // Only now does anything become template syntax: the fields, and nothing else.
  return { html: toHandlebars(html, 'html'), text: toHandlebars(text, 'text') };
}
