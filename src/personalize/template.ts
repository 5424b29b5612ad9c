import Handlebars from 'handlebars';
import { isMergeField, splitMarked, type Slot } from '../content/index.ts';
import { NewsletterError } from '../errors.ts';

/*
 * The Handlebars dialect of email.html / email.txt: the only mustaches are
 * `{{field}}` and, for a field inside a URL, `{{urlEncode field}}`. Everything
 * else is literal text, written so Handlebars' lexer prints it exactly
 * (handlebars/lib/handlebars.l): `\{{` prints `{{`; a backslash run right
 * before a mustache loses one backslash; `{{!}}` is an empty comment that
 * separates characters the lexer would otherwise join.
 */

export const URL_HELPER = 'urlEncode';
const COMMENT = '{{!}}';
/** U+2060 WORD JOINER: invisible; the only way to keep a literal `{` off a field's `{{` in plain text. */
const WORD_JOINER = '\u2060';

function mustache(slot: Slot): string {
  return slot.inUrl ? `{{${URL_HELPER} ${slot.field}}}` : `{{${slot.field}}}`;
}

/** Literal plain text as Handlebars source that prints exactly `text`. */
function textLiteral(text: string, afterField: boolean, beforeField: boolean): string {
  // `{{x}}}` would lex as an unescaped close: a comment keeps the `}` apart.
  let out = (afterField && text.startsWith('}') ? COMMENT : '') + text.replace(/(\\*)\{\{/g, (_m, slashes: string) =>
    // A backslash right before `\{{` would escape the escape: print the run, then a comment, then the escaped braces.
    slashes ? `${slashes}\\${COMMENT}\\{{` : '\\{{',
  );
  if (beforeField) {
    const trailing = /\\+$/.exec(text)?.[0].length ?? 0;
    if (trailing) out += '\\'; // the lexer drops one backslash before a mustache
    else if (/(^|[^{])(\{\{)*\{$/.test(text)) out += WORD_JOINER; // an unpaired trailing `{`
  }
  return out;
}

// <style>, <script> and comments are raw text: entities are not decoded there. Content never lands in them.
const RAW_TEXT = /(<style\b[\s\S]*?<\/style\s*>|<script\b[\s\S]*?<\/script\s*>|<!--[\s\S]*?-->)/i;

/** Literal HTML as Handlebars source: braces and backslashes next to braces or fields become character references. */
function htmlLiteral(html: string, afterField: boolean, beforeField: boolean): string {
  const parts = html.split(RAW_TEXT);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return textLiteral(part, false, false);
      const first = i === 0 && afterField;
      const last = i === parts.length - 1 && beforeField;
      let out = part.replace(/\{(?=\{)/g, '&#123;');
      if (first && out.startsWith('}')) out = '&#125;' + out.slice(1);
      if (last && /[{\\]$/.test(out)) out = out.slice(0, -1) + `&#${out.codePointAt(out.length - 1)};`;
      return out;
    })
    .join('');
}

/**
 * Marked text (fields as marks, the rest literal) to Handlebars template text.
 * `html`: literal text is already HTML; values will be HTML-escaped when filled.
 */
export function toHandlebars(marked: string, mode: 'html' | 'text'): string {
  if (marked.includes('\0'))
    throw new NewsletterError('ECONTENT', 'The issue contains a NUL character, which no email part may carry', {
      fix: 'Remove the NUL (U+0000) character from the issue or newsletter.yml.',
    });
  const { literals, slots } = splitMarked(marked);
  const escape = mode === 'html' ? htmlLiteral : textLiteral;
  return literals.map((lit, i) => escape(lit, i > 0, i < slots.length) + (i < slots.length ? mustache(slots[i]!) : '')).join('');
}

export interface TemplatePieces {
  /** Literal text exactly as Handlebars prints it; one more than slots. */
  literals: string[];
  slots: Slot[];
}

function notOurs(what: string): never {
  // Every template comes from toHandlebars: anything else is a bug, never content.
  throw new Error(`personalize: the template contains ${what}, which the newsletter never writes`);
}

function slotOf(node: hbs.AST.MustacheStatement): Slot {
  const path = node.path.type === 'PathExpression' ? (node.path as hbs.AST.PathExpression).original : node.path.type;
  const param = node.params[0]?.type === 'PathExpression' ? (node.params[0] as hbs.AST.PathExpression).original : undefined;
  if (!node.escaped || node.hash) notOurs(`{{{${path}}}}`);
  if (!node.params.length && isMergeField(path)) return { field: path, inUrl: false };
  if (path === URL_HELPER && node.params.length === 1 && param && isMergeField(param)) return { field: param, inUrl: true };
  return notOurs(`{{${path}${param ? ` ${param}` : ''}}}`);
}

/**
 * A template read with Handlebars' own parser: its literal text, and the
 * fields between. Nothing else is accepted, so nothing else can run.
 */
export function templatePieces(template: string): TemplatePieces {
  const literals = [''];
  const slots: Slot[] = [];
  for (const node of Handlebars.parse(template).body) {
    if (node.type === 'ContentStatement') literals[literals.length - 1] += (node as hbs.AST.ContentStatement).value;
    else if (node.type === 'MustacheStatement') {
      slots.push(slotOf(node as hbs.AST.MustacheStatement));
      literals.push('');
    } else if (node.type !== 'CommentStatement') notOurs(`a ${node.type}`);
  }
  return { literals, slots };
}
