import { stringLiteralText } from '../literal.ts';
import { curlyHtml, literalValue } from './shared.ts';
import type { Platform, TagContext } from './types.ts';

/**
 * The name listmonk gives a subscriber created without one: the address's local part, dots as
 * spaces, each word title-cased (sam@… → "Sam"; internal/subimporter ValidateFields). A Name equal
 * to it means "no name given". Compared in lower case: listmonk title-cases with x/text/cases,
 * which Sprig's `title` (Go's strings.Title) does not match (o'brien@… is stored as "O'brien",
 * `title` says "O'Brien"; 3com@… "3Com" against "3com"), and no template function does.
 * Backtick strings, so the tag never holds a `"` (it may sit in href="…").
 */
const DERIVED_NAME_LOWER = '(replace `.` ` ` (lower (index (splitList `@` .Subscriber.Email) 0)))';
const NAMED = `and .Subscriber.Name (ne (lower .Subscriber.Name) ${DERIVED_NAME_LOWER})`;

/**
 * listmonk renders the plain-text body with Go's html/template too, which HTML-escapes every
 * value (`D&#39;Arcy`, `&amp;` in a URL). `Safe` (listmonk's template function) prints it as is.
 * A bare `{{ UnsubscribeURL }}` is rewritten by listmonk to `{{ UnsubscribeURL . }}`; piped, it
 * must pass the `.` itself.
 */
const expr = (e: string, ctx: TagContext) => (ctx === 'text' ? `{{ ${e} | Safe }}` : `{{ ${e} }}`);
const urlFunc = (name: string, ctx: TagContext) => (ctx === 'text' ? `{{ ${name} . | Safe }}` : `{{ ${name} }}`);

/** Outlook's conditional comments (`<!--[if mso]>…<![endif]-->`, `<!--<![endif]-->`). */
const CONDITIONAL_COMMENT = /<!--(?:\[if\b|<!\[endif\])[\s\S]*?-->/g;

/**
 * html/template strips every HTML comment, Outlook's conditional comments included (listmonk
 * issues #270, #1088, #1273); the maintainers' answer is to print them through `Safe`. A Go
 * string literal from JSON: its escapes (\" \\ \n \uXXXX) are valid Go escapes.
 */
export function keepConditionalComments(html: string): string {
  return html.replace(CONDITIONAL_COMMENT, (comment) => `{{ Safe ${JSON.stringify(comment)} }}`);
}

export const listmonk: Platform = {
  name: 'listmonk',
  title: 'listmonk',
  syntax: 'Go html/template with Sprig functions',
  engine: 'go',
  docs: {
    // {{ .Subscriber.FirstName }} "automatically extracted from the name", {{ UnsubscribeURL }}, {{ MessageURL }}, {{ Safe }}; Sprig functions.
    'Templating: expressions and functions': 'https://listmonk.app/docs/templating',
    'Sprig `lower`, `replace`, `splitList`': 'https://masterminds.github.io/sprig/',
    // knadh: "You can use the `Safe` function in templates to mark comment strings as safe so that they are rendered."
    'HTML comments (Outlook conditional comments) are stripped; print them with `Safe`': 'https://github.com/knadh/listmonk/issues/1088',
    'Raw HTML mode removes HTML comments (Go html/template)': 'https://github.com/knadh/listmonk/issues/270',
    'Stripping of HTML comments breaks Outlook-optimised templates': 'https://github.com/knadh/listmonk/issues/1273',
    // FirstName: "the first chunk of the name that's greater than 2 characters"; ValidateFields: "If there's no name, use the name part of the e-mail".
    'How FirstName / LastName are split from the name (`Subscriber.FirstName`)': 'https://github.com/knadh/listmonk/blob/master/models/subscribers.go',
    'The name given to a subscriber created without one (`ValidateFields`)': 'https://github.com/knadh/listmonk/blob/master/internal/subimporter/importer.go',
  },
  tags: ({ fallback }) => ({
    firstName: (ctx) => `{{ if ${NAMED} }}${expr('.Subscriber.FirstName', ctx)}{{ else }}${literalValue(fallback, ctx)}{{ end }}`,
    // A one-word name is both FirstName and LastName in listmonk: print it once.
    lastName: (ctx) => `{{ if and (${NAMED}) (ne .Subscriber.LastName .Subscriber.FirstName) }}${expr('.Subscriber.LastName', ctx)}{{ end }}`,
    email: (ctx) => expr('.Subscriber.Email', ctx),
    unsubscribeUrl: (ctx) => urlFunc('UnsubscribeURL', ctx),
    webVersionUrl: (ctx) => urlFunc('MessageURL', ctx),
  }),
  escapeLiteral: { html: (html) => keepConditionalComments(curlyHtml(html)), text: stringLiteralText(/\{\{/g) },
  importSteps: () => [
    'Campaigns → Templates → New: a campaign template whose body is only `{{ template "content" . }}` (email.html is already a complete document).',
    'Campaigns → New: Subject = `subject.txt`, that template, Format = Raw HTML; paste `email.html` as the content.',
    'Add an alternate plain-text body and paste `email.txt`.',
    'Import subscribers with their full name in `name` (“Ana Lopez”); leave it empty for someone whose name you do not know.',
  ],
  notes: ({ fallback }) => [
    `listmonk has no first-name field: \`.Subscriber.FirstName\` is the first word of the name longer than two letters (“Al Smith” reads “Smith”), \`.LastName\` the last such word. For exact greetings, keep first names in an attribute and change the tag to \`{{ .Subscriber.Attribs.first_name }}\`.`,
    `A subscriber created without a name gets one made from the address (sam.lee@… → “Sam Lee”). The greeting tag compares the name with that, ignoring case, and reads “${fallback}” when they match, so nameless subscribers read “Hi ${fallback},”; someone whose real name is exactly their address’s (Sam or sam for sam@…) reads “${fallback}” too. Case is ignored because listmonk title-cases that name differently from the template’s \`title\` function (o'brien@… becomes “O'brien”, not “O'Brien”).`,
    'listmonk renders with Go’s html/template, which removes every HTML comment, Outlook’s `<!--[if mso]>` blocks included (listmonk issues #270, #1088, #1273). The export prints those blocks through `{{ Safe "…" }}`, as listmonk’s maintainer advises, so Outlook keeps them; do not remove the `Safe` wrappers.',
    'The plain-text body goes through html/template too, which would HTML-escape names and URLs (`D&#39;Arcy`, `&amp;`): its tags end in `| Safe`, and the URL functions pass the message themselves (`{{ UnsubscribeURL . | Safe }}`).',
    '`{{ MessageURL }}` is listmonk’s hosted copy of the message (“View in browser”).',
  ],
};
