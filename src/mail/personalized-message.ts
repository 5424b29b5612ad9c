import type { NewsletterProps } from '../content/index.ts';
import { NewsletterError } from '../errors.ts';
import { compileRendered, valuesFor, type CompiledIssue } from '../personalize/index.ts';
import { unsubscribeUrl } from '../audience/index.ts';
import { MAX_UNSUBSCRIBE_URL, type SendEnv, parseMailbox, type Mailbox } from '../config/index.ts';
import { encodeTemplate, type EncodedTemplate } from './encoded-template.ts';
import { fitsOneLine, MAX_LINE } from './header-lines.ts';
import { composeMessage, type MailOptions } from './message.ts';

/** Everything needed to make one recipient's message, prepared once per run (templates compiled once). */
export interface PreparedIssue {
  props: NewsletterProps;
  compiled: CompiledIssue;
  /** The HTML and text parts quoted-printable encoded once; values spliced in per recipient. */
  encoded: { html: EncodedTemplate; text: EncodedTemplate };
  from: Mailbox;
  replyTo: Mailbox | undefined;
  unsubscribeBase: string;
  unsubscribeMailto: string | undefined;
  secret: string;
  /** Header fields every message carries besides ours (the dry run's sample-secret note); see MessageInput. */
  extraHeaders?: Readonly<Record<string, string>> | undefined;
}

export interface RecipientLike {
  email: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
}

function contentError(field: string, problem: string): NewsletterError {
  return new NewsletterError('ECONTENT', `newsletter.yml ${field} ${problem}; nothing was sent`, {
    where: `newsletter.yml ${field}`,
    fix: `Correct ${field} in content/newsletter.yml (or set the matching variable: MAIL_FROM, REPLY_TO, UNSUBSCRIBE_URL).`,
  });
}

/**
 * newsletter.yml's from / replyTo as exactly one mailbox, checked once before
 * anything is sent (MAIL_FROM / REPLY_TO were checked with the environment).
 */
function senderFromContent(field: 'from' | 'replyTo', value: string | Mailbox): Mailbox {
  const result = parseMailbox(value);
  if (!result.ok) throw contentError(field, result.problem);
  return result.mailbox;
}

export function prepareIssue(built: { props: NewsletterProps; html: string; text: string }, env: SendEnv, secret: string): PreparedIssue {
  const { issue, newsletter } = built.props;
  if (/[\r\n]/.test(issue.subject))
    throw new NewsletterError('ECONTENT', 'The issue subject contains a line break (CR or LF); it would let the subject inject other mail headers', {
      where: 'subject',
      fix: 'Write the subject on one line in the issue front matter.',
    });
  const compiled = compileRendered(built.props, built);
  const replyTo = env.replyTo ?? (newsletter.replyTo ? senderFromContent('replyTo', newsletter.replyTo) : undefined);
  const unsubscribeBase = env.unsubscribeUrl ?? newsletter.unsubscribeUrl;
  if (unsubscribeBase.length > MAX_UNSUBSCRIBE_URL) throw contentError('unsubscribeUrl', `is ${unsubscribeBase.length} characters; at most ${MAX_UNSUBSCRIBE_URL} leave room in the List-Unsubscribe header line for each recipient's address and token`);
  if (!fitsOneLine('List-Id', `<${newsletter.listId}>`)) throw contentError('listId', `is too long for the List-Id header line (at most ${MAX_LINE} octets)`);
  return {
    props: built.props,
    compiled,
    encoded: { html: encodeTemplate(compiled.html, true), text: encodeTemplate(compiled.text, false) },
    from: env.from ?? senderFromContent('from', { name: newsletter.from.name, address: newsletter.from.email }),
    replyTo,
    unsubscribeBase,
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
  const values = valuesFor(props, recipient, url);
  return composeMessage({
    props,
    // Only the subject is rendered here; the bodies come pre-encoded (same text as personalize() gives).
    personalized: { subject: prepared.compiled.subject(values), html: '', text: '' },
    encodedParts: { html: prepared.encoded.html.render(values), text: prepared.encoded.text.render(values) },
    recipient,
    unsubscribe: { url, mailto: prepared.unsubscribeMailto },
    from: prepared.from,
    replyTo: prepared.replyTo,
    date,
    extraHeaders: prepared.extraHeaders,
  });
}
