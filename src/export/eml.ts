import type { SenderSettings } from '../config/index.ts';
import type { NewsletterProps } from '../content/index.ts';
import { compileRendered, personalize, valuesFor, type RecipientFields } from '../personalize/index.ts';
import { composeMessage, toRfc822 } from '../mail/index.ts';

/** Who the sample .eml is addressed to. */
export const SAMPLE_RECIPIENT = { email: 'ana@example.com', firstName: 'Ana' } satisfies RecipientFields;

/**
 * The message one subscriber would receive, as RFC 5322 bytes: personalized
 * exactly as `send` does it, composed by the same code (headers included).
 * Dated at the date so the same issue always gives the same file.
 * The sender settings (MAIL_FROM, REPLY_TO, UNSUBSCRIBE_URL / _MAILTO) apply as in send.
 */
export async function sampleEml(props: NewsletterProps, templates: { html: string; text: string; subject: string }, sender: SenderSettings = {}): Promise<Buffer> {
  const recipient = SAMPLE_RECIPIENT;
  // The newsletter's unsubscribe page itself: a preview file carries no real subscriber token.
  const unsubscribeUrl = sender.unsubscribeUrl ?? props.newsletter.unsubscribeUrl;
  const personalized = personalize(compileRendered(props, templates), valuesFor(props, recipient, unsubscribeUrl));
  const options = composeMessage({
    props,
    personalized,
    recipient,
    unsubscribe: { url: unsubscribeUrl, mailto: sender.unsubscribeMailto },
    from: sender.from,
    replyTo: sender.replyTo,
    date: new Date(`${props.issue.date}T00:00:00Z`),
  });
  return toRfc822(options);
}
