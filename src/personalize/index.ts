import Handlebars from 'handlebars';
import { MERGE_FIELD_NAMES, type MergeField, type MergeValues, type Slot, type NewsletterProps } from '../content/index.ts';
import { templatePieces, toHandlebars, type TemplatePieces } from './template.ts';
import { FIELD_ROOM, outgrowsRoom, refitLines } from './text-layout.ts';

export { templatePieces, toHandlebars, URL_HELPER, type TemplatePieces } from './template.ts';
export { displayWidth, layoutText, TEXT_WIDTH } from './text-layout.ts';

// Values for every merge field of one recipient (defined in content, next to MergeField).
export type { MergeValues };

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
   * Plain text only: when one of these values is wider than the room the layout
   * kept for it, this reader's text filled whole and refitted (it cannot be
   * spliced); undefined otherwise, the common case, which allocates nothing.
   */
  readonly refit?: (values: MergeValues) => string | undefined;
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
  // The short fields this text holds, each once (a name may appear in several places).
  const roomy = [...new Set(fill.pieces.slots.filter((slot) => !slot.inUrl && FIELD_ROOM[slot.field] !== undefined).map((slot) => slot.field))];
  if (!roomy.length) return fill;
  // One pass over the names per reader; the list of wide values is only built for the rare reader who has one.
  const refit = (values: MergeValues): string | undefined => {
    let wide: string[] | undefined;
    for (const field of roomy) {
      const value = values[field];
      // A missing value is left to fillSlot, which names it.
      if (typeof value === 'string' && outgrowsRoom(field, value)) (wide ??= []).push(value);
    }
    return wide && refitLines(fill(values), wide);
  };
  const fn = (values: MergeValues) => refit(values) ?? fill(values);
  return Object.assign(fn, { pieces: fill.pieces, refit });
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
