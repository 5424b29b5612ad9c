import { stringLiteralText } from '../literal.ts';
import { curlyHtml, literalValue, staticWebVersion } from './shared.ts';
import type { Platform } from './types.ts';

export const kit: Platform = {
  name: 'kit',
  title: 'Kit (ConvertKit)',
  syntax: 'Liquid',
  engine: 'liquid',
  docs: {
    // {{ unsubscribe_url }} "must be used as the value of" a link's href; templates need {{ message_content }}.
    'Custom HTML email templates: `{{ unsubscribe_url }}`, `{{ message_content }}`': 'https://intercom.help/convertkit/en/articles/2810454-custom-html-email-templates-faqs-troubleshooting',
    'Subscriber preferences link (first name, last name, email fields)': 'https://help.convertkit.com/en/articles/4600311-subscriber-preferences-link',
    'Liquid `default` filter': 'https://shopify.github.io/liquid/filters/default/',
  },
  tags: ({ fallback, webVersionUrl }) => ({
    // Double quotes as Kit's own snippets write it; single quotes inside an attribute value.
    firstName: (ctx) => {
      const q = ctx === 'attr' ? "'" : '"';
      return `{{ subscriber.first_name | default: ${q}${literalValue(fallback, ctx)}${q} }}`;
    },
    lastName: () => '{{ subscriber.last_name }}',
    email: () => '{{ subscriber.email_address }}',
    unsubscribeUrl: () => '{{ unsubscribe_url }}',
    webVersionUrl: staticWebVersion(webVersionUrl),
  }),
  escapeLiteral: { html: curlyHtml, text: stringLiteralText(/\{[{%]/g) },
  importSteps: () => [
    'Send → Email Templates → New → HTML: paste `email.html`. Kit requires `{{ message_content }}` in a template: add it where the broadcast’s own text should go (e.g. just above the footer), or nowhere visible by keeping the broadcast body empty.',
    'Create a broadcast with that template; Subject: `subject.txt`; Preview text: `preheader.txt`.',
  ],
  notes: ({ fallback }) => [
    `Subscribers without a first name read “${fallback}” (Liquid default). Kit has no built-in last name: create a custom field with the key last_name, or the tag prints nothing.`,
    'Kit hosts no web version for custom templates here; “View in browser” links to this issue’s web version.',
  ],
};
