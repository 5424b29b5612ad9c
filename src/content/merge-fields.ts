/**
 * The fixed, documented set of personalization fields. Content and templates
 * may use exactly these as `{{name}}`; export maps each one to a platform tag.
 */
export const MERGE_FIELDS = {
  firstName: "The subscriber's first name, or the newsletter's greetingFallback (\"there\") when unknown.",
  lastName: "The subscriber's last name, or empty.",
  email: "The subscriber's email address.",
  unsubscribeUrl: "The subscriber's own one-click unsubscribe URL.",
  webVersionUrl: 'The view-in-browser URL of this issue.',
} as const;

export type MergeField = keyof typeof MERGE_FIELDS;
/** One reader's value for every merge field: what personalize fills in, and what the previews show for a sample subscriber. */
export type MergeValues = Record<MergeField, string>;
export const MERGE_FIELD_NAMES = Object.keys(MERGE_FIELDS) as MergeField[];

export const isMergeField = (name: string): name is MergeField => (MERGE_FIELD_NAMES as string[]).includes(name);

/*
 * Marked text. Between validation and the final template, every string holds
 * its merge fields as private-use marks and everything else as the literal
 * characters the reader sees. Only the marks become Handlebars mustaches
 * (personalize/template.ts), so no brace or backslash written in content or
 * config can ever be read as template syntax. Marks survive Markdown, React
 * and html-to-text untouched.
 */
// Two characters each side, as long as `{{` and `}}`: the plain text wraps as it would with `{{name}}`.
const FIELD = '\uE000\uE000';
const END = '\uE001\uE001';
/** A field inside a URL: its value is percent-encoded when filled. */
const URL_FIELD = '\uE003\uE003';
// Literal `{` and `\` of an escape, hidden from the Markdown parser (which would eat `\{`).
const BRACE = '\uE002';
const BACKSLASH = '\uE004';
const RESERVED = /[\uE000-\uE004]/;
const MARK = /(\uE000\uE000|\uE003\uE003)([A-Za-z]+)\uE001\uE001/g;

/** The one way a template or the renderer writes a field. */
export function placeholder(field: MergeField): string {
  return FIELD + field + END;
}

export interface Slot {
  field: MergeField;
  /** Inside a URL: percent-encode the value (encodeURIComponent). */
  inUrl: boolean;
}

/** Marked text as literal pieces with a field between each two: literals.length === slots.length + 1. */
export function splitMarked(marked: string): { literals: string[]; slots: Slot[] } {
  const literals: string[] = [];
  const slots: Slot[] = [];
  let at = 0;
  for (const m of marked.matchAll(MARK)) {
    if (!isMergeField(m[2]!)) continue;
    literals.push(marked.slice(at, m.index));
    slots.push({ field: m[2], inUrl: m[1] === URL_FIELD });
    at = m.index + m[0].length;
  }
  literals.push(marked.slice(at));
  return { literals, slots };
}

export const hasFields = (marked: string): boolean => splitMarked(marked).slots.length > 0;

/** Marked text as a reader of the template sees it: fields shown as `{{name}}` (previews, meta.json, lengths). */
export function templateToDisplay(marked: string): string {
  return marked.replace(MARK, (_m, _kind: string, name: string) => `{{${name}}}`);
}

/** Every field in a marked URL becomes a URL field (percent-encoded when filled). */
export function markUrl(marked: string): string {
  return marked.replace(MARK, (_m, _kind: string, name: string) => URL_FIELD + name + END);
}

/*
 * Authored text: the one tokenizer. In order of precedence:
 * - `\{{` (a backslash before a run of braces): the braces are literal; the
 *   backslash is the escape, and backslashes before it are shown as written;
 * - `{{ name }}`: a merge field when name is known, else an error;
 *   any other number of braces around a name (`{{{x}}}`, `{{x}}}`) is an error;
 * - a `{{` that no `}}` closes is an error.
 * Everything else is literal text.
 */
const AUTHORED = /(\\+)(\{{2,})|(\{{2,})([^{}]*)(\}{2,})|\{\{/g;

export interface BraceProblem {
  index: number;
  message: string;
  received: string;
  fix: string;
  /** Set for a well-formed `{{name}}` whose name is not a merge field (validation adds "did you mean"). */
  unknownName?: string;
}

interface Scan {
  /** Text for the Markdown parser: fields marked, escapes hidden. */
  protectedText: string;
  problems: BraceProblem[];
}

function scan(text: string): Scan {
  const problems: BraceProblem[] = [];
  const reserved = RESERVED.exec(text);
  if (reserved)
    problems.push({
      index: reserved.index,
      message: `contains the private-use character U+${reserved[0].codePointAt(0)!.toString(16).toUpperCase()}, which the newsletter reserves for merge fields`,
      received: JSON.stringify(reserved[0]),
      fix: 'Remove that invisible character (it usually comes from a copy and paste).',
    });
  const protectedText = text.replace(AUTHORED, (match, slashes: string | undefined, escaped: string | undefined, open: string | undefined, inner: string, close: string, index: number) => {
    if (slashes && escaped) return BACKSLASH.repeat(slashes.length - 1) + BRACE.repeat(escaped.length);
    const name = (inner ?? '').trim();
    if (!open) {
      problems.push({ index, message: 'a "{{" is never closed with "}}"', received: JSON.stringify(text.slice(index, index + 24)), fix: 'Close the merge field, like {{firstName}}; to show the braces literally, write \\{{.' });
    } else if (open.length !== 2 || close.length !== 2) {
      const known = isMergeField(name);
      problems.push({
        index,
        message: `${open.length > 2 ? 'triple braces' : 'extra closing braces'} ${match} are not a merge field`,
        received: match,
        fix: known ? `Write {{${name}}} (values are always made safe for HTML). To show the braces literally, write \\${match}.` : `Use a merge field like {{firstName}}, or write \\${match} to show the braces literally.`,
      });
    } else if (isMergeField(name)) {
      return placeholder(name);
    } else {
      problems.push({ index, message: `unknown merge field {{${name}}}`, received: `{{${name}}}`, fix: '', unknownName: name });
    }
    return match;
  });
  return { protectedText, problems };
}

/** Problems with braces in authored text (unknown fields, triple braces, unclosed `{{`, reserved characters). */
export function braceProblems(text: string): BraceProblem[] {
  return scan(text).problems;
}

export interface FieldUse {
  name: string;
  index: number;
  known: boolean;
}

/** Every `{{name}}` in authored text (escaped braces are literal and not listed). */
export function findFieldUses(text: string): FieldUse[] {
  const uses: FieldUse[] = [];
  for (const m of text.matchAll(AUTHORED)) {
    if (m[3]?.length !== 2 || m[5]?.length !== 2) continue;
    const name = m[4]!.trim();
    uses.push({ name, index: m.index, known: isMergeField(name) });
  }
  return uses;
}

/** Authored text for the Markdown parser: known fields marked, escaped braces hidden from it. */
export function protectFields(text: string): string {
  return scan(text).protectedText;
}

/** Text out of the Markdown parser to marked text (escaped braces back to literal characters). */
export function toTemplateText(protectedText: string): string {
  return protectedText.replaceAll(BRACE, '{').replaceAll(BACKSLASH, '\\');
}

/** Authored text straight to marked text (front matter: no Markdown in between). */
export function authoredToTemplate(text: string): string {
  return toTemplateText(protectFields(text));
}

/**
 * A field in a URL's scheme or authority (userinfo, host, port) would let a
 * value choose where the link goes: refused. Returns the problem, if any.
 */
export function urlFieldProblem(markedUrl: string): string | undefined {
  const at = markedUrl.search(/[\uE000\uE003]/);
  if (at < 0) return undefined;
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(markedUrl);
  let end = scheme ? scheme[0].length : markedUrl.length;
  if (scheme && markedUrl.startsWith('//', end)) {
    const rest = markedUrl.slice(end + 2).search(/[/?#]/);
    end = rest < 0 ? markedUrl.length : end + 2 + rest;
  }
  return at < end ? 'a merge field in the scheme or host of a URL would let a subscriber value choose where the link goes' : undefined;
}

export const URL_FIELD_FIX = 'Write the scheme and host yourself and put the field in the path or query, like https://example.com/r?name={{firstName}} (values there are percent-encoded).';
