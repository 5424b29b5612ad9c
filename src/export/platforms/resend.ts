import { joinerBreaker } from '../literal.ts';
import { curlyHtml, staticWebVersion } from './shared.ts';
import type { Platform } from './types.ts';

export const resend: Platform = {
  name: 'resend',
  title: 'Resend (broadcasts)',
  syntax: 'Resend broadcast variables ({{{contact.property|fallback}}})',
  engine: 'resend',
  docs: {
    // html: 'Hi {{{contact.first_name|there}}}, you can unsubscribe here: {{{RESEND_UNSUBSCRIBE_URL}}}'
    'Create broadcasts (variables, fallback, unsubscribe URL)': 'https://resend.com/docs/dashboard/broadcasts/send-broadcast-with-api',
    'Contact properties (first_name, last_name, email)': 'https://resend.com/docs/dashboard/contacts/properties',
  },
  tags: ({ fallback, webVersionUrl }) => ({
    firstName: () => `{{{contact.first_name|${fallback}}}}`,
    lastName: () => '{{{contact.last_name}}}',
    email: () => '{{{contact.email}}}',
    unsubscribeUrl: () => '{{{RESEND_UNSUBSCRIBE_URL}}}',
    webVersionUrl: staticWebVersion(webVersionUrl),
  }),
  // No documented escape for literal braces: a word joiner keeps `{{` from opening a variable in the text part.
  escapeLiteral: { html: curlyHtml, text: joinerBreaker(/\{(?=\{)/g) },
  importSteps: () => [
    'Broadcasts → Create broadcast, or the API: `resend.broadcasts.create({ segmentId, from, subject, html, text })` with `subject.txt`, `email.html` and `email.txt`.',
    'Send it to a segment of your contacts.',
  ],
  notes: ({ fallback }) => [
    `first_name, last_name and email are built-in contact properties; contacts without a first name read “${fallback}”.`,
    'Resend hosts no web version of a broadcast; “View in browser” links to this issue’s web version.',
    'Literal `{{` written in the issue reaches `email.txt` with an invisible word joiner (U+2060) between the braces: Resend documents no escape for them (the HTML uses `&#123;{`).',
  ],
};
