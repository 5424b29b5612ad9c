import { entityBreaker, joinerBreaker } from '../literal.ts';
import { staticWebVersion } from './shared.ts';
import type { Platform } from './types.ts';

/** `%recipient.x%` and Mailgun's unsubscribe variables; a `%` that would open one is broken in literal text. */
const OPENER = /%(?=(?:recipient(?:\.[\w-]+)?|unsubscribe_url|tag_unsubscribe_url|mailing_list_unsubscribe_url)%)/g;

export interface MailgunRecipient {
  email: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
}

/**
 * The `recipient-variables` JSON for a batch send. Mailgun's %recipient.x%
 * has no fallback syntax, so the greeting fallback is applied here, once.
 */
export function mailgunRecipientVariables(recipients: MailgunRecipient[], fallback: string): Record<string, { first_name: string; last_name: string; email: string }> {
  return Object.fromEntries(
    recipients.map((r) => [r.email, { first_name: r.firstName?.trim() || fallback, last_name: r.lastName?.trim() ?? '', email: r.email }]),
  );
}

export const mailgun: Platform = {
  name: 'mailgun',
  title: 'Mailgun',
  syntax: 'Mailgun batch sending: recipient variables (%recipient.key%)',
  engine: 'mailgun',
  docs: {
    // "To access a Recipient Variable within your email, simply reference %recipient.yourkey%".
    'Batch sending and recipient variables': 'https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/batch-sending',
    // %unsubscribe_url%: "Link to unsubscribe recipient from all messages sent by given domain."
    'Unsubscribe variables (%unsubscribe_url%)': 'https://documentation.mailgun.com/docs/mailgun/user-manual/tracking-messages',
  },
  tags: ({ webVersionUrl }) => ({
    firstName: () => '%recipient.first_name%',
    lastName: () => '%recipient.last_name%',
    email: () => '%recipient.email%',
    unsubscribeUrl: () => '%unsubscribe_url%',
    webVersionUrl: staticWebVersion(webVersionUrl),
  }),
  escapeLiteral: { html: entityBreaker(OPENER), text: joinerBreaker(OPENER) },
  importSteps: () => [
    'Enable unsubscribe tracking for your sending domain (Sending → Domain settings → Tracking), so Mailgun fills in `%unsubscribe_url%`.',
    'Send through the Messages API: `subject` = `subject.txt`, `html` = `email.html`, `text` = `email.txt`, one `to` per subscriber (up to 1,000 per call).',
    'Pass `recipient-variables` with `first_name`, `last_name` and `email` for every address.',
  ],
  notes: ({ fallback }) => [
    `Recipient variables have no fallback syntax: send first_name = "${fallback}" for subscribers without a first name (\`mailgunRecipientVariables()\` in src/export does that).`,
    'Mailgun has no hosted web version for API sends; “View in browser” links to this issue’s web version.',
  ],
};
