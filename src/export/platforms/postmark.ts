import { joinerBreaker } from '../literal.ts';
import { curlyHtml, staticWebVersion, tripleInText } from './shared.ts';
import type { Platform, TagContext } from './types.ts';

/** Mustachio HTML-escapes `{{ x }}` as Handlebars does; written spaced, as Postmark's documentation does. */
const value = (name: string, ctx: TagContext) => tripleInText(name, ctx, { spaced: true });

export const postmark: Platform = {
  name: 'postmark',
  title: 'Postmark',
  syntax: 'Mustachio (Postmark templates)',
  engine: 'mustache',
  docs: {
    // {{ person.first_name }}, sections {{#x}}…{{/x}}, inverted sections {{^x}}…{{/x}}.
    'Template syntax (Mustachio)': 'https://postmarkapp.com/support/article/1077-template-syntax',
    // "An unsubscribe placeholder is a way to tell Postmark where to place the unsubscribe link. You can add [it]
    // in the HTML and Plain Text copy of your message": <a href="{{{ pm:unsubscribe }}}">Unsubscribe from this list</a>.
    // Postmark substitutes it per recipient on the Broadcast stream, template or not: it is not a TemplateModel variable.
    'Unsubscribe placeholder `{{{ pm:unsubscribe }}}` (“Insert an Unsubscribe Placeholder”)': 'https://postmarkapp.com/support/article/1208-how-to-add-an-unsubscribe-link',
  },
  tags: ({ fallback, webVersionUrl }) => ({
    // The value (empty when missing), then the fallback in an inverted section that only renders when the value is empty.
    firstName: (ctx) => `${value('first_name', ctx)}{{^first_name}}${fallback}{{/first_name}}`,
    lastName: (ctx) => value('last_name', ctx),
    email: (ctx) => value('email', ctx),
    unsubscribeUrl: () => '{{{ pm:unsubscribe }}}',
    webVersionUrl: staticWebVersion(webVersionUrl),
  }),
  // Mustachio has no documented escape for literal braces: a word joiner keeps `{{` from opening a tag.
  escapeLiteral: { html: curlyHtml, text: joinerBreaker(/\{(?=\{)/g) },
  importSteps: () => [
    'Templates → Add template → Code your own; layout: none (email.html is a complete document).',
    'Subject: `subject.txt`; HTML: `email.html`; Text: `email.txt`.',
    'Send through a Broadcast message stream (`MessageStream` = its ID) with `TemplateModel: { first_name, last_name, email }` — nothing for the unsubscribe link: Postmark fills `{{{ pm:unsubscribe }}}` itself.',
  ],
  notes: ({ fallback }) => [
    `Subscribers without a first name read “${fallback}” (the \`{{^first_name}}\` inverted section): send first_name empty or leave it out.`,
    'The fallback is an inverted section after the value, not a `{{#first_name}}…{{/first_name}}` section: Mustachio scopes a section to its value and only reaches outer names with `../` (“Advanced Interpolation” in the template syntax article), so `{{ first_name }}` inside its own section is not reliable.',
    '`{{{ pm:unsubscribe }}}` is Postmark’s unsubscribe placeholder, not a template variable: Postmark documents it as marking where it places each recipient’s unsubscribe link, in the HTML and plain-text copy of a Broadcast message, with or without a template (“Insert an Unsubscribe Placeholder”). Do not put `pm:unsubscribe` in TemplateModel (Mustachio’s paths have no colon, so a model key could not reach it anyway).',
    'Because `{{{ pm:unsubscribe }}}` stands in the footer link, Postmark does not append its own unsubscribe footer.',
    'Literal `{{` written in the issue reaches `email.txt` with an invisible word joiner (U+2060) between the braces: Mustachio documents no escape for them (the HTML uses `&#123;{`).',
  ],
};
