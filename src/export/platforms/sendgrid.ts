import { handlebarsText, joinerBreaker } from '../literal.ts';
import { curlyHtml, handlebarsContactTags, staticWebVersion } from './shared.ts';
import type { Platform } from './types.ts';

/** `<%…%>` is SendGrid's substitution-tag syntax (the unsubscribe tags use it); HTML already has `&lt;`. */
const SUBSTITUTION = /<(?=%)/g;

/** SendGrid's Email API: a dynamic template sent with the Mail Send API (needs code). `--platform sendgrid` is an alias. */
export const sendgridApi: Platform = {
  name: 'sendgrid-api',
  title: 'SendGrid Email API (dynamic templates)',
  syntax: 'Handlebars (dynamic templates) plus SendGrid substitution tags',
  engine: 'handlebars',
  docs: {
    // {{ name }}, {{#if}} … {{else}} … {{/if}}, triple-stash {{{ }}} for unescaped values.
    'Using Handlebars (dynamic templates)': 'https://twilio.com/docs/sendgrid/for-developers/sending-email/using-handlebars',
    // <%asm_group_unsubscribe_raw_url%> / <%asm_preferences_raw_url%>: only the URL, for your own <a href>.
    'Unsubscribe substitution tags (`<%asm_…_raw_url%>`; they need an unsubscribe group)': 'https://docs.sendgrid.com/ui/sending-email/global-unsubscribes',
    // Table of unsubscribe tags per sending method: <%asm_group_unsubscribe_raw_url%> works in dynamic templates' code editor.
    '`<%asm_group_unsubscribe_raw_url%>` by sending method (SendGrid Japan support)': 'https://support.sendgrid.kke.co.jp/hc/ja/articles/8747417422105',
    'Suppression (unsubscribe) groups: asm.group_id when sending': 'https://sendgrid.com/docs/for-developers/sending-email/suppressions',
  },
  tags: ({ fallback, webVersionUrl }) => ({
    ...handlebarsContactTags(fallback),
    unsubscribeUrl: () => '<%asm_group_unsubscribe_raw_url%>',
    webVersionUrl: staticWebVersion(webVersionUrl), // SendGrid hosts no web version of a dynamic-template message
  }),
  escapeLiteral: {
    html: curlyHtml,
    text: (text) => joinerBreaker(SUBSTITUTION)(handlebarsText(text)),
  },
  importSteps: () => [
    'Email API → Dynamic Templates → Create a Dynamic Template → Add Version → Blank Template → Code Editor: paste `email.html`.',
    'In the version’s Settings: Subject = the line in `subject.txt`; plain-text content = `email.txt` (turn off the automatic plain-text version).',
    'Send with the Mail Send API: `template_id`, one personalization per subscriber with `dynamic_template_data: { first_name, last_name, email }`, and `asm: { group_id: <your unsubscribe group> }`.',
  ],
  notes: ({ fallback }) => [
    'This target sends through the Mail Send API, which needs code. To send from SendGrid’s web app with no code (Marketing Campaigns → Single Sends), export `--platform sendgrid-campaigns` instead.',
    `Leave \`first_name\` empty or out for subscribers without one: the template prints “${fallback}”.`,
    'SendGrid replaces `<%asm_group_unsubscribe_raw_url%>` only when the message names an unsubscribe group (`asm.group_id`); without one the link stays literal.',
    'The preheader is already in the HTML (hidden preview text); `preheader.txt` is for reference.',
    'The plain-text part uses `{{{first_name}}}` (triple-stash): Handlebars HTML-escapes `{{…}}`, which would turn an apostrophe into `&#x27;` in plain text (see “Using Handlebars”).',
  ],
};
