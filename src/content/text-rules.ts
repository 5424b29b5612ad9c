import { z } from 'zod';
import { authoredToTemplate, braceProblems, findFieldUses } from './merge-fields.ts';

/**
 * Characters no header text may hold: C0 controls (TAB, CR, LF and NUL among
 * them), DEL, C1 controls (NEL U+0085 among them), LINE SEPARATOR U+2028 and
 * PARAGRAPH SEPARATOR U+2029. Any of them can end a header line in some mail
 * software (RFC 5322 §2.2 allows none in a header body), and none belongs in
 * one-line text a reader sees.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's purpose
export const CONTROL_CHAR = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

const NAMES: Record<string, string> = {
  '\u0000': 'NUL',
  '\t': 'a tab',
  '\n': 'a line break (LF)',
  '\r': 'a carriage return (CR)',
  '\u007f': 'DEL',
  '\u0085': 'NEXT LINE (NEL)',
  '\u2028': 'LINE SEPARATOR',
  '\u2029': 'PARAGRAPH SEPARATOR',
};

/** "U+2028 (LINE SEPARATOR)": the code point, so an invisible character can be found. */
export function describeChar(c: string): string {
  const hex = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `U+${hex} (${NAMES[c] ?? (c.codePointAt(0)! < 0x20 || (c >= '\u0080' && c <= '\u009f') ? 'a control character' : JSON.stringify(c))})`;
}

/** Refine a string schema: one plain line, no control characters. Its issue carries its own fix. */
export function oneLine(schema: z.ZodString, what: string): z.ZodString {
  return schema.superRefine((value, ctx) => {
    const bad = CONTROL_CHAR.exec(value)?.[0];
    if (bad)
      ctx.addIssue({
        code: 'custom',
        message: `contains ${describeChar(bad)}; ${what} must be one line of plain text`,
        params: { fix: `Remove the ${describeChar(bad)} character (often pasted in invisibly; retype the value), and keep the text on one line.` },
      });
  });
}

// Quotes, angle brackets, backslashes and white space end an attribute or a URL
// in some readers (and WHATWG URL parsing turns `\` into `/`): write them %-encoded.
// eslint-disable-next-line no-control-regex -- control characters are among those refused in a URL
const NOT_IN_URL = /[\s"'<>\\`\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/** Why `value` is not an absolute URL with one of `schemes`, or undefined when it is. */
export function urlProblem(value: string, schemes: readonly ('https' | 'http' | 'mailto')[]): string | undefined {
  const bad = NOT_IN_URL.exec(value)?.[0];
  if (bad) return `contains ${describeChar(bad)}, which cannot appear in a URL as it is`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  const scheme = url.protocol.slice(0, -1);
  if (!(schemes as string[]).includes(scheme)) return `uses "${scheme}:"; only ${schemes.map((s) => `${s}:`).join(', ')} URLs are allowed here`;
  if (scheme === 'mailto') return /^[^@/]+@[^@/]+\.[^@/]+$/.test(url.pathname) ? undefined : 'is not a mailto: URL with one address, like mailto:editors@example.com';
  // new URL() forgives "https:/x" and "https:///x"; a reader's client may not.
  if (!/^https?:\/\/[^/]/i.test(value)) return 'must start with "https://" followed by the host name';
  const host = url.hostname;
  if (!host.includes('.') && host !== 'localhost' && !host.startsWith('[')) return `has the host "${host}", which is not a full host name like example.com`;
  return undefined;
}

const URL_FIX = {
  https: 'Write the full address starting with https://, e.g. https://example.com/page; percent-encode spaces (%20), quotes (%22, %27) and angle brackets (%3C, %3E).',
  mailto: 'Write the full address starting with https://, e.g. https://example.com/page, or a mailto: address like mailto:editors@example.com; percent-encode spaces (%20), quotes (%22, %27) and angle brackets (%3C, %3E).',
};

function urlKind(schemes: readonly string[]): string {
  const web = schemes.includes('http') ? 'http(s)' : 'https';
  return schemes.includes('mailto') ? `an absolute ${web} or mailto: URL` : `an absolute ${web} URL`;
}

/** A URL schema: parsed with new URL(), scheme from an allow-list, nothing that could end an attribute. */
export function urlSchema(schemes: readonly ('https' | 'http' | 'mailto')[]) {
  return z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      const problem = urlProblem(value, schemes);
      if (problem) ctx.addIssue({ code: 'custom', message: `must be ${urlKind(schemes)}: it ${problem}`, params: { fix: schemes.includes('mailto') ? URL_FIX.mailto : URL_FIX.https } });
    });
}

/**
 * newsletter.yml text is plain text: it reaches headers, the footer and the
 * compliance check as it is, so it holds no merge field. Braces are read by the
 * one tokenizer (merge-fields.ts), exactly as in issue text: `\{{` shows `{{`.
 */
function configTextProblem(value: string): { message: string; fix: string } | undefined {
  const literal = 'To show braces literally, write them as \\{{ (e.g. "\\{{brand}}" shows {{brand}}).';
  const [use] = findFieldUses(value);
  if (use) return { message: `contains the template code {{${use.name}}}; newsletter.yml text is never personalized`, fix: `Remove it: merge fields work only in issue files. ${literal}` };
  const [brace] = braceProblems(value);
  if (brace) return { message: brace.message, fix: brace.unknownName === undefined ? brace.fix : literal };
  const tag = /<[A-Za-z!?/][^>]{0,20}/.exec(value)?.[0];
  if (tag) return { message: `contains HTML (${JSON.stringify(tag)}); newsletter.yml text is plain text and the template styles it`, fix: 'Remove the tag and write plain text; a "<" followed by a space or a digit is fine.' };
  return undefined;
}

/**
 * A newsletter.yml text field: one line, no control characters, no template
 * code, no HTML. Its value is what the reader sees (`\{{` becomes `{{`): with no
 * field in it, the tokenizer's marked text is plain literal text, which the
 * final template prints as it is.
 */
export function configText(schema: z.ZodString, what: string) {
  return oneLine(schema, what)
    .superRefine((value, ctx) => {
      const problem = configTextProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem.message, params: { fix: problem.fix } });
    })
    .transform((value) => authoredToTemplate(value));
}
