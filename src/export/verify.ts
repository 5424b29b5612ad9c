import { MERGE_FIELD_NAMES } from '../content/index.ts';
import type { Platform, TagInput } from './platforms/types.ts';

/** `{{firstName}}`-style placeholders: our internal syntax, which no export may contain. */
const INTERNAL_FIELD = new RegExp(`\\{\\{\\s*(?:${MERGE_FIELD_NAMES.join('|')})\\s*\\}\\}`);
const PRIVATE_USE = /[\uE000-\uE011]/;

/**
 * What internal syntax is left in one exported part, after taking out the
 * platform's own tags (SendGrid's and SES's `{{email}}` is theirs, not ours).
 * Empty means clean.
 */
export function internalLeftovers(output: string, part: 'html' | 'text', platform?: Platform, input?: TagInput): string[] {
  let rest = output;
  if (platform && input) {
    const table = platform.tags(input);
    const own = MERGE_FIELD_NAMES.flatMap((f) => (['html', 'attr', 'text'] as const).map((ctx) => table[f](ctx)));
    for (const tag of own.filter(Boolean).sort((a, b) => b.length - a.length)) rest = rest.split(tag).join('');
  }
  const found: string[] = [];
  const field = INTERNAL_FIELD.exec(rest);
  if (field) found.push(field[0]);
  // `\{{` is how our templates write literal braces; only Handlebars platforms keep it, as their own escape, in text.
  const handlebarsText = platform?.engine === 'handlebars' && part === 'text';
  if (!handlebarsText && rest.includes('\\{{')) found.push('\\{{');
  if (PRIVATE_USE.test(rest)) found.push('private-use sentinel');
  return found;
}
