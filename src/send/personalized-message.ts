import type { NewsletterProps } from '../content/model.ts';
import { NewsletterError } from '../errors.ts';
import { compileIssue, mergeValues, personalize, type CompiledIssue } from '../personalize/index.ts';
import { unsubscribeUrl } from '../unsubscribe/token.ts';
import type { SendEnv } from './config.ts';
import { composeMessage, type MailOptions } from './message.ts';

/** Everything needed to make one recipient's message, prepared once per run (templates compiled once). */
export interface PreparedIssue {
  props: NewsletterProps;
  compiled: CompiledIssue;
  from: string | undefined;
  replyTo: string | undefined;
  unsubscribeBase: string;
  unsubscribeMailto: string | undefined;
  secret: string;
}

export interface RecipientLike {
  email: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
}

export function prepareIssue(built: { props: NewsletterProps; html: string; text: string }, env: SendEnv, secret: string): PreparedIssue {
  const { issue, newsletter } = built.props;
  if (/[\r\n]/.test(issue.subject))
    throw new NewsletterError('ECONTENT', 'The issue subject contains a line break (CR or LF); it would let the subject inject other mail headers', {
      where: 'subject',
      fix: 'Write the subject on one line in the issue front matter.',
    });
  return {
    props: built.props,
    compiled: compileIssue({ html: built.html, text: built.text, subject: issue.subject, preheader: issue.preheader }),
    from: env.from,
    replyTo: env.replyTo,
    unsubscribeBase: env.unsubscribeUrl ?? newsletter.unsubscribeUrl,
    unsubscribeMailto: env.unsubscribeMailto,
    secret,
  };
}

/**
 * One recipient's message: merge values (HTML-escaped in the HTML part, as
 * they are in text and subject), their own signed unsubscribe URL, and the
 * headers. Throws NewsletterError if a value would inject a header.
 */
export function messageFor(prepared: PreparedIssue, recipient: RecipientLike, date?: Date): MailOptions {
  const { props } = prepared;
  const url = unsubscribeUrl(prepared.unsubscribeBase, recipient.email, props.newsletter.listId, prepared.secret);
  const values = mergeValues(recipient, { unsubscribeUrl: url, webVersionUrl: props.issue.webVersionUrl }, props.newsletter.greetingFallback);
  return composeMessage({
    props,
    personalized: personalize(prepared.compiled, values),
    recipient,
    unsubscribe: { url, mailto: prepared.unsubscribeMailto },
    from: prepared.from,
    replyTo: prepared.replyTo,
    date,
  });
}
