import { stringLiteralText } from '../literal.ts';
import { curlyHtml, literalValue } from './shared.ts';
import type { Platform } from './types.ts';

export const listmonk: Platform = {
  name: 'listmonk',
  title: 'listmonk',
  syntax: 'Go templates with Sprig functions',
  engine: 'go',
  docs: {
    // {{ .Subscriber.FirstName }}, {{ .Subscriber.LastName }}, {{ .Subscriber.Email }}, {{ UnsubscribeURL }}, {{ MessageURL }}; Sprig functions.
    'Templating: expressions and functions': 'https://listmonk.app/docs/templating',
    'Sprig `default` function': 'https://masterminds.github.io/sprig/defaults.html',
  },
  tags: ({ fallback }) => ({
    // Go string literal: "…" in text, a `raw string` inside an attribute value (a " would end href="…").
    firstName: (ctx) => {
      const value = literalValue(fallback, ctx);
      return `{{ .Subscriber.FirstName | default ${ctx === 'attr' ? `\`${value}\`` : `"${value}"`} }}`;
    },
    lastName: () => '{{ .Subscriber.LastName }}',
    email: () => '{{ .Subscriber.Email }}',
    unsubscribeUrl: () => '{{ UnsubscribeURL }}',
    webVersionUrl: () => '{{ MessageURL }}',
  }),
  escapeLiteral: { html: curlyHtml, text: stringLiteralText(/\{\{/g) },
  importSteps: () => [
    'Campaigns → Templates → New: a campaign template whose body is only `{{ template "content" . }}` (email.html is already a complete document).',
    'Campaigns → New: Subject = `subject.txt`, that template, Format = Raw HTML; paste `email.html` as the content.',
    'Add an alternate plain-text body and paste `email.txt`.',
  ],
  notes: ({ fallback }) => [
    `\`.Subscriber.FirstName\` and \`.LastName\` come from the subscriber's name; an empty first name reads “${fallback}” (Sprig default).`,
    '`{{ MessageURL }}` is listmonk’s hosted copy of the message (“View in browser”).',
  ],
};
