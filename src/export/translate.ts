import { escapeHtml, type MergeField } from '../content/index.ts';
import { NewsletterError } from '../errors.ts';
import { templatePieces, type IssueTemplates } from '../personalize/index.ts';
import type { Platform, TagContext, TagInput, TagTable } from './platforms/types.ts';

export type Part = 'html' | 'text';

// Private-use characters stand in for tags while literal text is escaped, so an
// escape can never touch a tag and a tag can never be mistaken for content.
const OPEN = '\uE010';
const CLOSE = '\uE011';
const SENTINEL = /\uE010([A-Za-z]+)\uE011/g;
const sentinel = (name: string) => OPEN + name + CLOSE;
const POSTAL = 'postalAddress';

/**
 * Read our own template syntax once, with Handlebars' parser (so `\{{` and
 * `{{field}}` mean exactly what they mean when sending), putting a sentinel
 * where each field goes. What comes out is literal text plus sentinels. A
 * field inside a URL gets the platform's plain tag: URL-encoding its value is
 * the platform's business.
 */
function toSentinels(template: string): string {
  if (template.includes(OPEN) || template.includes(CLOSE)) {
    throw new NewsletterError('ECONTENT', 'The issue contains the private-use characters U+E010/U+E011, which export reserves', {
      fix: 'Remove those invisible characters from the issue.',
    });
  }
  const { literals, slots } = templatePieces(template);
  return literals[0]! + slots.map((slot, i) => sentinel(slot.field) + literals[i + 1]!).join('');
}

/** Inside a start tag (an attribute value) or in HTML text? React escapes < and > everywhere else. */
function htmlContextAt(html: string, offset: number): TagContext {
  return html.lastIndexOf('<', offset) > html.lastIndexOf('>', offset) ? 'attr' : 'html';
}

export interface Translated {
  output: string;
  /** Footer replacements that could not be made (e.g. the postal address was not found exactly once). */
  warnings: string[];
}

/** One part of the issue (HTML, plain text, subject or preheader) in a platform's syntax. */
export function translatePart(template: string, part: Part, platform: Platform, input: TagInput, postalAddress?: string): Translated {
  const warnings: string[] = [];
  let literal = toSentinels(template);

  const postalTag = platform.footer?.postalAddress;
  if (part === 'html' && postalTag && postalAddress) {
    const rendered = escapeHtml(postalAddress);
    const count = literal.split(rendered).length - 1;
    if (count === 1) literal = literal.replace(rendered, sentinel(POSTAL));
    else warnings.push(`${platform.title}: the postal address appears ${count} times in the HTML, so it was left as written instead of ${postalTag}`);
  }

  const escaped = part === 'html' ? platform.escapeLiteral.html(literal) : platform.escapeLiteral.text(literal);
  const tags: TagTable = platform.tags(input);
  const output = escaped.replace(SENTINEL, (_m, name: string, offset: number) => {
    if (name === POSTAL && postalTag) return postalTag;
    const write = tags[name as MergeField];
    if (!write) throw new Error(`export: no ${platform.name} tag for "${name}"`); // a bug: every field has a tag
    return write(part === 'html' ? htmlContextAt(escaped, offset) : 'text');
  });
  return { output, warnings };
}

export interface TranslatedIssue {
  html: string;
  text: string;
  subject: string;
  preheader: string;
  warnings: string[];
}

export function translateIssue(templates: IssueTemplates, platform: Platform, input: TagInput, postalAddress?: string): TranslatedIssue {
  const html = translatePart(templates.html, 'html', platform, input, postalAddress);
  const text = translatePart(templates.text, 'text', platform, input);
  const subject = translatePart(templates.subject, 'text', platform, input);
  const preheader = translatePart(templates.preheader, 'text', platform, input);
  return {
    html: html.output,
    text: text.output,
    subject: subject.output,
    preheader: preheader.output,
    warnings: [...html.warnings, ...text.warnings],
  };
}
