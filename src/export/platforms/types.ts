import type { MergeField } from '../../content/index.ts';

/**
 * Where a tag lands: HTML text (also <title>), inside an HTML attribute value
 * (always double-quoted by React, so a tag there must not contain `"`), or a
 * plain-text part (email.txt, subject.txt, preheader.txt).
 */
export type TagContext = 'html' | 'attr' | 'text';

/** What a platform needs to write its tags: the newsletter's own values. */
export interface TagInput {
  /** greetingFallback ("there"), already checked to be free of template syntax characters. */
  fallback: string;
  /** This view-in-browser URL (the `html` export hosted at config webVersionUrl). */
  webVersionUrl: string;
}

/** One tag writer per internal merge field. */
export type TagTable = Record<MergeField, (ctx: TagContext) => string>;

/** Markup-only extras a platform may require in its footer. */
export interface FooterTags {
  /** Replaces the rendered postal address (HTML part only), e.g. Mailchimp's list address. */
  postalAddress?: string;
}

export interface Platform {
  /** The --platform name and folder name. */
  name: string;
  /** Human name, e.g. "Mailchimp". */
  title: string;
  /** The template language the platform evaluates, for IMPORT.md. */
  syntax: string;
  /** The engine family: decides which escapes are legitimate in its output (Handlebars keeps `\{{`). */
  engine: 'none' | 'mailchimp' | 'handlebars' | 'mailgun' | 'mustache' | 'django' | 'resend' | 'go' | 'liquid';
  /** Documentation each tag was checked against: label → URL. */
  docs: Record<string, string>;
  tags(input: TagInput): TagTable;
  footer?: FooterTags;
  /**
   * Make literal text (everything that is not one of our tags) inert for the
   * platform's template engine: `{{`, `{%`, `*|`, `%recipient.` … written in
   * content must reach the reader as written and never become a tag.
   */
  escapeLiteral: { html: (text: string) => string; text: (text: string) => string };
  /** Steps to bring the files into the platform (Markdown list items, without bullets). */
  importSteps(input: TagInput): string[];
  /** Anything the sender must know: data the tags expect, deviations from common advice. */
  notes(input: TagInput): string[];
}
