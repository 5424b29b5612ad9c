import Handlebars from 'handlebars';
import { MERGE_FIELD_NAMES, type MergeField } from '../content/merge-fields.ts';
import type { NewsletterProps } from '../content/model.ts';

/** Values for every merge field of one recipient. */
export type MergeValues = Record<MergeField, string>;

export interface IssueTemplates {
  html: string;
  text: string;
  subject: string;
  preheader: string;
}

export interface CompiledIssue {
  html: (values: MergeValues) => string;
  text: (values: MergeValues) => string;
  subject: (values: MergeValues) => string;
}

export interface Personalized {
  html: string;
  text: string;
  subject: string;
}

// A private environment: no helpers or partials registered elsewhere can leak in.
const hbs = Handlebars.create();

function compile(template: string, escapeHtml: boolean): (values: MergeValues) => string {
  // strict: a field without a value is an error, never a silent blank.
  // knownHelpersOnly: content cannot call helpers (it cannot reach any anyway: its braces are escaped).
  const fn = hbs.compile(template, { strict: true, knownHelpersOnly: true, noEscape: !escapeHtml });
  return (values) => fn(values);
}

/** Compile an issue's rendered templates once; then personalize per recipient. */
export function compileIssue(templates: IssueTemplates): CompiledIssue {
  return {
    // HTML: values are HTML-escaped. Text and subject: values as they are.
    html: compile(templates.html, true),
    text: compile(templates.text, false),
    subject: compile(templates.subject, false),
  };
}

export function personalize(compiled: CompiledIssue, values: MergeValues): Personalized {
  return { html: compiled.html(values), text: compiled.text(values), subject: compiled.subject(values) };
}

export interface RecipientFields {
  email: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
}

/** Merge values for one recipient; a missing first name becomes the greeting fallback ("there"). */
export function mergeValues(
  recipient: RecipientFields,
  urls: { unsubscribeUrl: string; webVersionUrl: string },
  greetingFallback: string,
): MergeValues {
  return {
    firstName: recipient.firstName?.trim() || greetingFallback,
    lastName: recipient.lastName?.trim() ?? '',
    email: recipient.email,
    unsubscribeUrl: urls.unsubscribeUrl,
    webVersionUrl: urls.webVersionUrl,
  };
}

/** Compile an issue's rendered HTML and text together with its own subject and preheader. */
export function compileRendered(props: NewsletterProps, rendered: { html: string; text: string }): CompiledIssue {
  return compileIssue({ html: rendered.html, text: rendered.text, subject: props.issue.subject, preheader: props.issue.preheader });
}

/** Merge values for one reader of this issue: its web-version URL and the newsletter's greeting fallback. */
export function valuesFor(props: NewsletterProps, recipient: RecipientFields, unsubscribeUrl: string): MergeValues {
  return mergeValues(recipient, { unsubscribeUrl, webVersionUrl: props.issue.webVersionUrl }, props.newsletter.greetingFallback);
}

/** Merge fields a template uses (escaped `\{{…}}` are literal text and do not count). */
export function mergeFieldsUsed(...templates: string[]): MergeField[] {
  const used = new Set<string>();
  for (const t of templates) for (const m of t.matchAll(/(?<!\\)\{\{([A-Za-z]+)\}\}/g)) used.add(m[1]!);
  return MERGE_FIELD_NAMES.filter((f) => used.has(f));
}
