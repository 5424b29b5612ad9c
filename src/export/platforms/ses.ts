import { handlebarsText } from '../literal.ts';
import { curlyHtml, handlebarsContactTags, staticWebVersion, tripleInText } from './shared.ts';
import type { Platform } from './types.ts';

export const ses: Platform = {
  name: 'ses',
  title: 'Amazon SES',
  syntax: 'Amazon SES templates (Handlebars)',
  engine: 'handlebars',
  docs: {
    'Templates: CreateEmailTemplate, SendEmail / SendBulkEmail with template data': 'https://docs.aws.amazon.com/ses/latest/dg/send-personalized-email-api.html',
    // Handlebars conditionals ({{#if}} … {{else}} … {{/if}}); "SES doesn't escape HTML content when rendering".
    'Advanced personalization (Handlebars conditionals)': 'https://docs.aws.amazon.com/ses/latest/dg/send-personalized-email-advanced.html',
    // ListManagementOptions (contactListName, topicName) make SES fill {{amazonSESUnsubscribeUrl}}.
    'Subscription management (`{{amazonSESUnsubscribeUrl}}`)': 'https://docs.aws.amazon.com/ses/latest/dg/sending-email-subscription-management.html',
    'Rendering failures when template data lacks a variable': 'https://repost.aws/knowledge-center/ses-sendtemplatedemail-delivery-failure',
  },
  tags: ({ fallback, webVersionUrl }) => ({
    // SES renders with Handlebars, whose `{{x}}` HTML-escapes (`D'Arcy` → `D&#x27;Arcy`).
    ...handlebarsContactTags(fallback),
    // In text, `&` and `=` in the URL would otherwise come out as `&amp;` and `&#x3D;`.
    unsubscribeUrl: (ctx) => tripleInText('amazonSESUnsubscribeUrl', ctx),
    webVersionUrl: staticWebVersion(webVersionUrl),
  }),
  escapeLiteral: { html: curlyHtml, text: handlebarsText },
  importSteps: () => [
    'Create a stored template (SES v2 `CreateEmailTemplate`): Subject = `subject.txt`, Html = `email.html`, Text = `email.txt`.',
    'Send with `SendEmail` or `SendBulkEmail` naming the template, with template data `{"first_name": "…", "last_name": "…", "email": "…"}` per recipient.',
    'Add `ListManagementOptions` (`ContactListName`, optional `TopicName`) so SES replaces `{{amazonSESUnsubscribeUrl}}` and adds List-Unsubscribe headers.',
  ],
  notes: ({ fallback }) => [
    `Every variable the template uses must be in the template data, or SES drops the message as a rendering failure: send "first_name": "" for subscribers without one (they read “${fallback}”).`,
    '`email.txt` writes every value triple-stashed (`{{{first_name}}}`, `{{{amazonSESUnsubscribeUrl}}}`): Handlebars HTML-escapes `{{…}}`, which in plain text would show `D&#x27;Arcy` and `&amp;` inside the unsubscribe URL; triple-stash prints the value as written. The HTML keeps `{{…}}`, where an escaped value is what HTML needs.',
    'The first name is `{{#if first_name}}…{{else}}…{{/if}}` rather than a bare `{{first_name}}`, so a subscriber without one still gets a greeting (SES templates support Handlebars conditionals: “Advanced personalization”).',
  ],
};
