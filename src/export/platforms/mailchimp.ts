import { entityBreaker, joinerBreaker } from '../literal.ts';
import { literalValue } from './shared.ts';
import type { Platform } from './types.ts';

/** `*|` opens a Mailchimp merge tag; break it in literal text. */
const OPENER = /\*(?=\|)/g;

export const mailchimp: Platform = {
  name: 'mailchimp',
  title: 'Mailchimp',
  syntax: 'Mailchimp merge tags (*|TAG|*)',
  engine: 'mailchimp',
  docs: {
    // <a href="*|UNSUB|*">, *|EMAIL|*, *|HTML:LIST_ADDRESS_HTML|* in a custom-coded footer.
    'Footer tags for your own HTML (`*|UNSUB|*`, `*|EMAIL|*`, `*|HTML:LIST_ADDRESS_HTML|*`)': 'http://kb.mailchimp.com/tag/unsubscribe',
    // *|IF:MERGE|* … *|ELSE:|* … *|END:IF|* — the Mailchimp merge language, documented on the Transactional (Mandrill) help centre.
    'Conditional merge tags (`*|IF:…|*`, `*|ELSE:|*`, `*|END:IF|*`)': 'https://mandrill.zendesk.com/hc/en-us/articles/360039278713-About-Dynamic-and-Conditional-Merge-Tags',
    // Mailchimp's own template blueprints link "view this in your browser" to *|ARCHIVE|*.
    'View in browser (`*|ARCHIVE|*`) in Mailchimp’s template blueprints': 'https://github.com/mailchimp/email-blueprints',
  },
  tags: ({ fallback }) => ({
    firstName: (ctx) => `*|IF:FNAME|**|FNAME|**|ELSE:|*${literalValue(fallback, ctx)}*|END:IF|*`,
    lastName: () => '*|LNAME|*',
    email: () => '*|EMAIL|*',
    unsubscribeUrl: () => '*|UNSUB|*',
    webVersionUrl: () => '*|ARCHIVE|*',
  }),
  footer: { postalAddress: '*|HTML:LIST_ADDRESS_HTML|*' },
  escapeLiteral: { html: entityBreaker(OPENER), text: joinerBreaker(OPENER) },
  importSteps: () => [
    'Content → Email templates → Create template → Code your own → Paste in code: paste `email.html` and save.',
    'Create a regular email campaign for your audience; Subject: `subject.txt`, Preview text: `preheader.txt`; pick the template.',
    'Optional: paste `email.txt` as the plain-text version (Mailchimp otherwise generates one from the HTML).',
  ],
  notes: ({ fallback }) => [
    `FNAME, LNAME and EMAIL are the default audience field tags; if your audience uses other tags, rename them in the HTML. A subscriber without a first name reads “${fallback}” (the \`*|IF:FNAME|*\` … \`*|ELSE:|*\` block).`,
    'The HTML footer’s postal address is `*|HTML:LIST_ADDRESS_HTML|*`, the address in your audience settings, so Mailchimp does not add its own footer; the plain text keeps the address from newsletter.yml.',
  ],
};
