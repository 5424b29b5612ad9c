import type { NewsletterProps } from '../content/index.ts';
import { isNewsletterError, NewsletterError } from '../errors.ts';
import { compileRendered, valuesFor, type CompiledIssue, type MergeValues } from '../personalize/index.ts';
import { returnPaths, unsubscribeUrl } from '../audience/index.ts';
import { MAX_UNSUBSCRIBE_URL, type DkimConfig, type SenderSettings, parseMailbox, type Mailbox } from '../config/index.ts';
import { DkimSigner } from './dkim.ts';
import { encodeTemplate, type EncodedTemplate } from './encoded-template.ts';
import { fitsOneLine, MAX_LINE } from './header-lines.ts';
import { composeMessage, displayName, messageIds, type MailOptions } from './message.ts';
import { RawMessageTemplate } from './raw-message.ts';

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
  /** PrepareOptions.fixedUnsubscribeUrl: every message's unsubscribe URL, unsigned; undefined: each recipient's own, signed. */
  fixedUnsubscribeUrl: string | undefined;
  /** Header fields every message carries besides ours (the dry run's sample-secret note); see MessageInput. */
  extraHeaders?: Readonly<Record<string, string>> | undefined;
  /** This issue's Message-ID for an address (messageIdFor with the From address's domain). */
  messageIdOf: (email: string) => string;
  /** The envelope sender for an address: BOUNCE_ADDRESS with the recipient's signed token (VERP), else the From address. */
  returnPathOf: (email: string) => string;
  /**
   * The message as bytes with slots (raw-message.ts). Undefined when a value
   * every message shares is refused (a line break in the list id, say): then
   * composeMessage refuses each recipient with its own error, as before.
   */
  raw: RawMessageTemplate | undefined;
  /** Signs each message as it is made (PrepareOptions.dkim); undefined: messages go unsigned. */
  signer: DkimSigner | undefined;
}

export interface PrepareOptions {
  /** More header fields for every message (the dry run's note on its sample secret); ours win a clash. */
  extraHeaders?: Readonly<Record<string, string>> | undefined;
  /**
   * Sign every message with this key (send and test-send pass DKIM_* here;
   * the dry run does not: its files are what would be sent, unsigned). The
   * transport signs nothing, so a message is never signed twice.
   */
  dkim?: DkimConfig | undefined;
  /**
   * One unsubscribe URL for every message, as it is (no token): for a message
   * shown rather than sent, export's sample .eml and the preview's headers,
   * whose views carry that same URL. Never for send: its readers each need
   * their own link, signed with the secret (the default).
   */
  fixedUnsubscribeUrl?: string | undefined;
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

/**
 * What every message of a run shares, made once: `env` is the sender
 * settings (SendEnv or the commands' SenderSettings: MAIL_FROM, REPLY_TO,
 * UNSUBSCRIBE_URL / _MAILTO), `secret` what unsubscribe links are signed with.
 */
export function prepareIssue(built: { props: NewsletterProps; html: string; text: string }, env: SenderSettings, secret: string, options: PrepareOptions = {}): PreparedIssue {
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
  const from = env.from ?? senderFromContent('from', { name: newsletter.from.name, address: newsletter.from.email });
  const prepared: PreparedIssue = {
    props: built.props,
    compiled,
    encoded: { html: encodeTemplate(compiled.html, true), text: encodeTemplate(compiled.text, false) },
    from,
    replyTo,
    unsubscribeBase,
    unsubscribeMailto: env.unsubscribeMailto,
    secret,
    fixedUnsubscribeUrl: options.fixedUnsubscribeUrl,
    extraHeaders: options.extraHeaders,
    messageIdOf: messageIds(issue.slug, issue.number, from.address.slice(from.address.lastIndexOf('@') + 1).toLowerCase()),
    returnPathOf: env.bounceAddress ? returnPaths(env.bounceAddress, newsletter.listId, issue.slug, secret) : () => from.address,
    raw: undefined,
    signer: options.dkim ? new DkimSigner(options.dkim) : undefined,
  };
  if (sharedValuesPass(prepared)) prepared.raw = rawTemplate(prepared);
  return prepared;
}

/**
 * True when composeMessage accepts what every message shares (list id and
 * newsletter name, mailto, extra headers, From, Reply-To): it checks those
 * for each recipient, and they fail for any recipient or for none, so one
 * probe recipient with nothing of their own to refuse tells.
 */
function sharedValuesPass(prepared: PreparedIssue): boolean {
  const probe = { email: 'probe@example.com' };
  try {
    composeMessage({
      props: prepared.props,
      personalized: { subject: 'probe', html: '', text: '' },
      recipient: probe,
      unsubscribe: { url: prepared.unsubscribeBase, mailto: prepared.unsubscribeMailto },
      from: prepared.from,
      replyTo: prepared.replyTo,
      extraHeaders: prepared.extraHeaders,
    });
    return true;
  } catch (error) {
    if (isNewsletterError(error)) return false;
    throw error;
  }
}

function rawTemplate(prepared: PreparedIssue): RawMessageTemplate {
  const { newsletter } = prepared.props;
  const subject = prepared.compiled.subject.pieces;
  return new RawMessageTemplate({
    from: prepared.from,
    replyTo: prepared.replyTo,
    newsletter,
    unsubscribeMailto: prepared.unsubscribeMailto,
    staticSubject: subject.slots.length ? undefined : subject.literals[0],
    sampleMessageId: prepared.messageIdOf('probe@example.com'),
    extraHeaders: prepared.extraHeaders,
    text: prepared.encoded.text,
    html: prepared.encoded.html,
  });
}

/**
 * One recipient's message: merge values (HTML-escaped in the HTML part, as
 * they are in text and subject), their own signed unsubscribe URL, and the
 * headers, as the bytes SMTP sends (nodemailer's `raw`, with the envelope
 * and Message-ID beside it), DKIM-signed when the run has a key. Throws
 * NewsletterError if a value would inject a header, or the address is empty.
 */
export function messageFor(prepared: PreparedIssue, recipient: RecipientLike, date?: Date): MailOptions {
  refuseEmptyAddress(recipient);
  const { props } = prepared;
  const url = prepared.fixedUnsubscribeUrl ?? unsubscribeUrl(prepared.unsubscribeBase, recipient.email, props.newsletter.listId, prepared.secret);
  const values = valuesFor(props, recipient, url);
  const subject = prepared.compiled.subject(values);
  if (!prepared.raw) return unsignedComposedMessage(prepared, recipient, values, url, subject, date);
  const messageId = prepared.messageIdOf(recipient.email);
  const message = prepared.raw.message({
    email: recipient.email,
    firstName: recipient.firstName,
    lastName: recipient.lastName,
    values,
    unsubscribeUrl: url,
    subject,
    messageId,
    time: date ? date.getTime() : Date.now(),
  }, prepared.signer?.room);
  return {
    raw: prepared.signer ? prepared.signer.signInPlace(message) : message.buffer,
    // Explicit, so the envelope never depends on how the headers were written.
    envelope: { from: prepared.returnPathOf(recipient.email), to: [recipient.email] },
    // For nodemailer's info.messageId (it does not read the raw headers).
    messageId,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/**
 * An empty address would be written as an empty To field (where nodemailer
 * leaves To out) with an envelope that goes nowhere: refused like any other
 * value that cannot be written, naming the recipient by name since there is
 * no address to name them by.
 */
function refuseEmptyAddress(recipient: RecipientLike): void {
  if (recipient.email.trim() !== '') return;
  const name = displayName(recipient);
  const who = name ? `the recipient ${JSON.stringify(name)}` : 'a recipient without a name';
  throw new NewsletterError('ESEND', `The recipient address of ${who} is empty; the message would have an empty To field and nowhere to go`, {
    where: who,
    fix: 'Give every subscriber an email address (the email column of the subscriber list) and send again.',
  });
}

/**
 * The message through composeMessage, for a run whose shared values it
 * refuses: it names the problem for each recipient, so it never returns a
 * message. If it ever did, that message could not be signed here: refuse it
 * rather than send it unsigned.
 */
function unsignedComposedMessage(prepared: PreparedIssue, recipient: RecipientLike, values: MergeValues, url: string, subject: string, date: Date | undefined): MailOptions {
  const mail = composeMessage({
    props: prepared.props,
    personalized: { subject, html: '', text: '' },
    encodedParts: { html: prepared.encoded.html.render(values), text: prepared.encoded.text.render(values) },
    recipient,
    unsubscribe: { url, mailto: prepared.unsubscribeMailto },
    from: prepared.from,
    replyTo: prepared.replyTo,
    date,
    extraHeaders: prepared.extraHeaders,
  });
  if (prepared.signer) throw new Error(`Bug: the message for ${recipient.email} was composed without the raw template and would go out without its DKIM signature`);
  return { ...mail, envelope: { from: prepared.returnPathOf(recipient.email), to: [recipient.email] } };
}
