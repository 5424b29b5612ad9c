import { SAMPLE_SECRET, type SenderSettings } from '../config/index.ts';
import type { NewsletterProps } from '../content/index.ts';
import type { RecipientFields } from '../personalize/index.ts';
import { messageFor, prepareIssue, toRfc822 } from '../mail/index.ts';

/** Who the sample .eml is addressed to. */
export const SAMPLE_RECIPIENT = { email: 'ana@example.com', firstName: 'Ana' } satisfies RecipientFields;

/**
 * The message one subscriber would receive, as RFC 5322 bytes: made by the
 * same code as `send`'s (prepareIssue + messageFor: personalization, headers,
 * MIME layout and quoted-printable alike), unsigned. Dated at the issue's date
 * so the same issue always has the same Date and Message-ID. The sender
 * settings (MAIL_FROM, REPLY_TO, UNSUBSCRIBE_URL / _MAILTO) apply as in send.
 */
export async function sampleEml(props: NewsletterProps, templates: { html: string; text: string; subject: string }, sender: SenderSettings = {}): Promise<Buffer> {
  // The newsletter's unsubscribe page itself: a preview file carries no real subscriber token,
  // so the secret signs nothing here.
  const unsubscribeUrl = sender.unsubscribeUrl ?? props.newsletter.unsubscribeUrl;
  const prepared = prepareIssue({ props, html: templates.html, text: templates.text }, sender, SAMPLE_SECRET, { fixedUnsubscribeUrl: unsubscribeUrl });
  return toRfc822(messageFor(prepared, SAMPLE_RECIPIENT, new Date(`${props.issue.date}T00:00:00Z`)));
}
