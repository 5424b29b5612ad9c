import Handlebars from 'handlebars';
import { MERGE_FIELD_NAMES, type MergeField, type Slot, type NewsletterProps } from '../content/index.ts';
import { templatePieces, toHandlebars, type TemplatePieces } from './template.ts';
import { FIELD_ROOM, outgrowsRoom, refitLines } from './text-layout.ts';

export { templatePieces, toHandlebars, URL_HELPER, type TemplatePieces } from './template.ts';
export { displayWidth, layoutText, TEXT_WIDTH } from './text-layout.ts';

/** Values for every merge field of one recipient. */
export type MergeValues = Record<MergeField, string>;

/** The rendered issue as template text (merge fields as `{{field}}`, literal braces as `\{{`). */
export interface IssueTemplates {
  html: string;
  text: string;
  subject: string;
  preheader: string;
}

export interface CompiledIssue {
  html: CompiledPart;
  text: CompiledPart;
  subject: CompiledPart;
}

export interface Personalized {
  html: string;
  text: string;
  subject: string;
}

/** One compiled part: call it with a reader's values; `pieces` are its literal text and fields (send pre-encodes them). */
export interface CompiledPart {
  (values: MergeValues): string;
  readonly pieces: TemplatePieces;
  /**
   * Plain text only: true when one of these values is wider than the room the
   * layout kept for it, so the part must be filled whole (and refitted), not spliced.
   */
  readonly refits?: (values: MergeValues) => boolean;
}

/**
 * A field's value as it lands in a part: percent-encoded inside a URL (so a
 * value cannot add a parameter or change the path), then HTML-escaped in HTML.
 */
export function fillSlot(slot: Slot, values: MergeValues, escapeHtml: boolean): string {
  const value = values[slot.field];
  // A field without a value is a bug, never a silent blank.
  if (typeof value !== 'string') throw new Error(`personalize: no value for {{${slot.field}}}`);
  const encoded = slot.inUrl ? encodeURIComponent(value) : value;
  return escapeHtml ? Handlebars.Utils.escapeExpression(encoded) : encoded;
}

/*
 * Templates are read with Handlebars' parser and filled here: the only
 * statements accepted are our merge fields (templatePieces), so no helper,
 * partial or block can run, whatever a template contains.
 */
function compile(template: string, escapeHtml: boolean): CompiledPart {
  const pieces = templatePieces(template);
  const { literals, slots } = pieces;
  const fn = (values: MergeValues) => {
    let out = literals[0]!;
    for (let i = 0; i < slots.length; i++) out += fillSlot(slots[i]!, values, escapeHtml) + literals[i + 1]!;
    return out;
  };
  return Object.assign(fn, { pieces });
}

/** The plain-text part: a name wider than its room (text-layout.ts) re-lays that reader's overlong lines. */
function compileText(template: string): CompiledPart {
  const fill = compile(template, false);
  const roomy = fill.pieces.slots.filter((slot) => !slot.inUrl && FIELD_ROOM[slot.field] !== undefined).map((slot) => slot.field);
  if (!roomy.length) return fill;
  // A missing value is left to fillSlot, which names it.
  const wide = (values: MergeValues) => roomy.filter((field) => typeof values[field] === 'string' && outgrowsRoom(field, values[field])).map((field) => values[field]);
  const refits = (values: MergeValues) => roomy.some((field) => typeof values[field] === 'string' && outgrowsRoom(field, values[field]));
  const fn = (values: MergeValues) => (refits(values) ? refitLines(fill(values), wide(values)) : fill(values));
  return Object.assign(fn, { pieces: fill.pieces, refits });
}

/** Compile an issue's rendered templates once; then personalize per recipient. */
export function compileIssue(templates: IssueTemplates): CompiledIssue {
  return {
    // HTML: values are HTML-escaped. Text and subject: values as they are.
    html: compile(templates.html, true),
    text: compileText(templates.text),
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

/** The issue's four parts as Handlebars templates: rendered HTML and text, and its subject and preheader (marked text). */
export function issueTemplates(props: NewsletterProps, rendered: { html: string; text: string }): IssueTemplates {
  return { html: rendered.html, text: rendered.text, subject: toHandlebars(props.issue.subject, 'text'), preheader: toHandlebars(props.issue.preheader, 'text') };
}

/** Compile an issue's rendered HTML and text together with its own subject and preheader. */
export function compileRendered(props: NewsletterProps, rendered: { html: string; text: string }): CompiledIssue {
  return compileIssue(issueTemplates(props, rendered));
}

/** Merge values for one reader of this issue: its web-version URL and the newsletter's greeting fallback. */
export function valuesFor(props: NewsletterProps, recipient: RecipientFields, unsubscribeUrl: string): MergeValues {
  return mergeValues(recipient, { unsubscribeUrl, webVersionUrl: props.issue.webVersionUrl }, props.newsletter.greetingFallback);
}

/** Merge fields the templates use, in the documented order. */
export function mergeFieldsUsed(...templates: string[]): MergeField[] {
  const used = new Set(templates.flatMap((t) => templatePieces(t).slots.map((s) => s.field)));
  return MERGE_FIELD_NAMES.filter((f) => used.has(f));
}
