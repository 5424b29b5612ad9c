import { handlebarsText } from '../literal.ts';
import { curlyHtml, handlebarsContactTags, staticWebVersion } from './shared.ts';
import type { Platform } from './types.ts';

/**
 * The sender address line of SendGrid's own unsubscribe module in the Single Send code editor
 * (CAN-SPAM's postal address): filled from the Single Send's sender identity.
 */
const SENDER_ADDRESS = '{{Sender_Name}}, {{Sender_Address}}, {{Sender_City}}, {{Sender_State}} {{Sender_Zip}}';

/** SendGrid Marketing Campaigns: a Single Send built in the web app, no code. */
export const sendgridCampaigns: Platform = {
  name: 'sendgrid-campaigns',
  title: 'SendGrid Marketing Campaigns (Single Sends)',
  syntax: 'Handlebars (Marketing Campaigns designs) with SendGrid’s reserved fields and unsubscribe tags',
  engine: 'handlebars',
  docs: {
    // "If you prefer to use … Dynamic Transactional Templates and Marketing Campaigns designs, use Handlebars": {{#if}} … {{else}} … {{/if}}, {{{ }}}.
    'Using Handlebars (dynamic templates and Marketing Campaigns designs)': 'https://twilio.com/docs/sendgrid/for-developers/sending-email/using-handlebars',
    'Substitution and section tags: Marketing Campaigns designs use Handlebars': 'https://twilio.com/docs/sendgrid/ui/sending-email/substitution-and-section-tags',
    // The legacy-style fallback `{{ insert first_name "default=Customer" }}` (its quotes cannot sit inside href="…", so we use {{#if}}).
    'Fallback for Marketing Campaigns tags (`{{ insert first_name "default=…" }}`)': 'https://twilio.com/en-us/changelog/default-syntax-for-substitution-tags',
    // Single Sends' unsubscribe module: an address line with the sender's details, {{{unsubscribe}}}, {{{unsubscribe_preferences}}}; editable in the Code Editor.
    'Unsubscribe Methods (the Single Send unsubscribe module, `{{{unsubscribe}}}`)': 'https://support.sendgrid.com/hc/en-us/articles/1260806604209-Unsubscribe-Methods',
    // "Sender Identity details are found typically within a module of the template editor displaying the street address…"
    'Sender identity fills the address line (`{{Sender_Address}}` …)': 'https://support.sendgrid.com/hc/en-us/articles/17763185229851-Twilio-SendGrid-Marketing-Campaigns-Overview',
  },
  tags: ({ fallback, webVersionUrl }) => ({
    // {{#if}} rather than `insert … "default=…"`: no quotes, so the same tag is valid inside href="…".
    ...handlebarsContactTags(fallback),
    unsubscribeUrl: () => '{{{unsubscribe}}}',
    webVersionUrl: staticWebVersion(webVersionUrl), // Single Sends have no documented view-in-browser tag
  }),
  footer: { postalAddress: SENDER_ADDRESS },
  escapeLiteral: { html: curlyHtml, text: handlebarsText },
  importSteps: () => [
    'Marketing → Senders: check that the sender you will use has your postal address; it fills the `{{Sender_Name}}`, `{{Sender_Address}}` … line in the footer.',
    'Marketing → Single Sends → Create a Single Send → Blank Template → Code Editor: replace the starter code with `email.html`.',
    'In the Code Editor’s plain-text view, turn off generating it from the HTML and paste `email.txt` (or keep the generated one).',
    'Settings: Sender = that sender; Subject = `subject.txt`; Send To = your list or segment; Unsubscribe Group = your group (or Global Unsubscribe) — `{{{unsubscribe}}}` in the footer links to it.',
    'Review Details → Send (or Schedule).',
  ],
  notes: ({ fallback }) => [
    `first_name, last_name and email are SendGrid’s reserved contact fields. Contacts without a first name read “${fallback}” (\`{{#if first_name}}\` … \`{{else}}\` … \`{{/if}}\`).`,
    'The HTML footer’s postal address is SendGrid’s sender address line (`{{Sender_Name}}, {{Sender_Address}}, {{Sender_City}}, {{Sender_State}} {{Sender_Zip}}`, as in its own unsubscribe module), which CAN-SPAM requires; the plain text keeps the address from newsletter.yml.',
    'For several unsubscribe groups, add a link to `{{{unsubscribe_preferences}}}` (the preferences page) next to Unsubscribe.',
    'This target needs no code. For sends through the Mail Send API with a dynamic template, export `--platform sendgrid-api`.',
    'SendGrid hosts no web version of a Single Send here; “View in browser” links to this issue’s web version.',
    'The plain-text part uses `{{{first_name}}}` (triple-stash): Handlebars HTML-escapes `{{…}}`, which would turn an apostrophe into `&#x27;` in plain text.',
  ],
};
