import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Options as MailOptions } from 'nodemailer/lib/mailer';
import type { NewsletterProps } from '../content/index.ts';
import { NewsletterError } from '../errors.ts';
import { rawTextPart } from './encoded-template.ts';
import { encodedWords, fitsOneLine, listIdHeader, longAddressHeader, MAX_LINE, octets, renameStandIn, type AddressField } from './header-lines.ts';
import { parseMailbox, type Mailbox } from '../config/index.ts';

export type { MailOptions };

export interface MessageInput {
  props: NewsletterProps;
  /** The issue's templates filled for this recipient. */
  personalized: { html: string; text: string; subject: string };
  recipient: { email: string; firstName?: string | undefined; lastName?: string | undefined };
  /** This recipient's own unsubscribe URL (with token) and the optional mailto: alternative address. */
  unsubscribe: { url: string; mailto?: string | undefined };
  /** Overrides newsletter.yml `from` (e.g. MAIL_FROM): `Name <addr@example.com>`, a bare address, or one parsed already. */
  from?: string | Mailbox | undefined;
  /** Overrides newsletter.yml `replyTo` (e.g. REPLY_TO). */
  replyTo?: string | Mailbox | undefined;
  date?: Date | undefined;
  /**
   * The text and HTML bodies already quoted-printable encoded (see
   * encoded-template.ts, the fast path of `send`). When given they are sent
   * as they are and `personalized.html`/`text` are not used.
   */
  encodedParts?: { html: string; text: string } | undefined;
  /**
   * More header fields, written before ours (ours win a clash), e.g. the dry run's note on its
   * sample secret. Outside DKIM_SIGNED_HEADERS, so never signed. Checked for line breaks like the rest.
   */
  extraHeaders?: Readonly<Record<string, string>> | undefined;
}

/** A header value may never carry a line break: that is how header injection works. */
const LINE_BREAK = /[\r\n]/;

export function checkHeader(field: string, value: string | undefined, recipient: string): void {
  if (value === undefined || !LINE_BREAK.test(value)) return;
  throw new NewsletterError('ESEND', `The ${field} for ${recipient} contains a line break (CR or LF); it would let one header inject others`, {
    where: recipient,
    fix: `Remove the line break from the ${field} (in the subscriber list or the issue content) and send again.`,
  });
}

/**
 * Deterministic per (issue, recipient): a resent message is recognisably the
 * same one, and receivers that de-duplicate on Message-ID can do so.
 */
export function messageIdFor(slug: string, issueNumber: number, email: string, domain: string): string {
  return messageIds(slug, issueNumber, domain)(email);
}

/** messageIdFor for one issue and domain: the hash of the slug is taken once (copied per recipient, half the cost of a new one). */
export function messageIds(slug: string, issueNumber: number, domain: string): (email: string) => string {
  const issue = createHash('sha256').update(slug).update('\0');
  const tail = `.issue-${issueNumber}@${domain}>`;
  return (email) => `<${issue.copy().update(email.trim().toLowerCase()).digest('hex').slice(0, 32)}${tail}`;
}

/** RFC 2369/8058: `<https URL>, <mailto:…?subject=unsubscribe>`, folded at the ", " between them. */
export function listUnsubscribeHeader(url: string, mailto: string | undefined, who: string): string {
  const parts = [`<${url}>`];
  if (mailto) parts.push(`<mailto:${mailto.replace(/^mailto:/i, '')}?subject=unsubscribe>`);
  for (const [i, part] of parts.entries()) {
    // The first URI shares its line with the field name; each later one starts a folded line.
    const line = (i === 0 ? 'List-Unsubscribe: ' : ' ') + part + (i < parts.length - 1 ? ',' : '');
    if (octets(line) > MAX_LINE)
      throw new NewsletterError('ESEND', `The unsubscribe ${i === 0 ? 'URL' : 'mailto address'} for ${who} is ${octets(part) - 2} characters; a List-Unsubscribe header line holds at most ${MAX_LINE} and a URL cannot be folded`, {
        where: who,
        fix: 'Use a shorter UNSUBSCRIBE_URL / UNSUBSCRIBE_MAILTO (or newsletter.yml unsubscribeUrl): the address and a 43-character token are added to the URL for each recipient.',
      });
  }
  return parts.join(', ');
}

function fail(message: string, who: string, fix: string): never {
  throw new NewsletterError('ESEND', message, { where: who, fix });
}

/** From / Reply-To as exactly one mailbox, or an error naming the field and the recipient. */
function senderMailbox(field: 'From address' | 'Reply-To address', value: string | Mailbox, who: string): Mailbox {
  const result = parseMailbox(value);
  if (!result.ok) fail(`The ${field} for ${who} ${result.problem}`, who, `Correct the ${field} (MAIL_FROM / REPLY_TO, or from / replyTo in newsletter.yml).`);
  return result.mailbox;
}

/** The recipient's display name in To: first and last name, each only if it has more than spaces. */
export function displayName(recipient: { firstName?: string | undefined; lastName?: string | undefined }): string {
  return [recipient.firstName, recipient.lastName].filter((p) => p && p.trim()).join(' ');
}

/**
 * The stand-in header for a display name too long for one line (see
 * header-lines.ts), or undefined when nodemailer's own formatting fits.
 * Refuses an address that cannot be written next to encoded words.
 */
export function longAddress(field: AddressField, mailbox: Mailbox, who: string): { key: string; value: string } | undefined {
  const long = longAddressHeader(field, mailbox);
  if (long === null) fail(`The ${field} name for ${who} is too long for one header line and the address ${JSON.stringify(mailbox.address)} cannot be written next to encoded words`, who, `Shorten the name in the ${field} header.`);
  return long;
}

/**
 * An address header: the {name, address} object nodemailer formats (and
 * RFC 2047-encodes when the name is not ASCII), or, for a name too long for
 * one line, a stand-in header of encoded words (see header-lines.ts).
 */
function addressHeader(field: AddressField, mailbox: Mailbox, who: string, headers: Record<string, string>): Mailbox | string | undefined {
  const long = longAddress(field, mailbox, who);
  if (!long) return mailbox.name ? mailbox : mailbox.address;
  headers[long.key] = long.value;
  return undefined;
}

/**
 * One recipient's message as nodemailer options: From/Reply-To from config
 * (overridable), To, Subject, text + HTML (multipart/alternative), a
 * deterministic Message-ID, Date, and the List-Unsubscribe, List-Unsubscribe-Post
 * (RFC 8058) and List-Id (RFC 2919) headers. A line break in any header value
 * is refused with an error naming the field and the recipient; From and
 * Reply-To must each be exactly one mailbox; no header line exceeds 998
 * octets (long text is written as encoded words, a URL too long is refused).
 *
 * Not what send, check, export or preview write: those all take messageFor's
 * bytes (raw-message.ts), so each shows what is sent. This is the reference
 * those bytes are tested against (parsed, they must say the same), and the
 * judge of the values every message shares (personalized-message.ts asks it
 * once per run, and for a run it refuses, it names the problem per recipient).
 */
export function composeMessage(input: MessageInput): MailOptions {
  const { props, personalized, recipient, unsubscribe } = input;
  const { newsletter, issue } = props;
  const who = recipient.email;
  const name = displayName(recipient);

  checkHeader('recipient address', recipient.email, who);
  checkHeader('first name', recipient.firstName, who);
  checkHeader('last name', recipient.lastName, who);
  checkHeader('subject', personalized.subject, who);
  checkHeader('unsubscribe URL', unsubscribe.url, who);
  checkHeader('unsubscribe mailto address', unsubscribe.mailto, who);
  checkHeader('list id', newsletter.listId, who);
  checkHeader('newsletter name', newsletter.name, who);
  for (const [key, value] of Object.entries(input.extraHeaders ?? {})) checkHeader(`${key} header`, value, who);
  const from = senderMailbox('From address', input.from ?? { name: newsletter.from.name, address: newsletter.from.email }, who);
  const replyToValue = input.replyTo ?? newsletter.replyTo;
  const replyTo = replyToValue ? senderMailbox('Reply-To address', replyToValue, who) : undefined;
  if (!fitsOneLine('List-Id', `<${newsletter.listId}>`)) fail(`The list id for ${who} is too long for one header line`, who, 'Shorten listId in newsletter.yml.');

  const standIns: Record<string, string> = {};
  const fromHeader = addressHeader('From', from, who, standIns);
  const replyToHeader = replyTo && addressHeader('Reply-To', replyTo, who, standIns);
  const toHeader = addressHeader('To', { name, address: recipient.email }, who, standIns);
  const subject = personalized.subject;
  const subjectFits = fitsOneLine('Subject', subject);

  return {
    ...(fromHeader ? { from: fromHeader } : {}),
    ...(replyToHeader ? { replyTo: replyToHeader } : {}),
    ...(toHeader ? { to: toHeader } : {}),
    ...(subjectFits ? { subject } : {}),
    // Explicit, so the envelope never depends on how the headers were written.
    envelope: { from: from.address, to: [recipient.email] },
    ...(input.encodedParts
      ? { text: { raw: rawTextPart('plain', input.encodedParts.text) }, html: { raw: rawTextPart('html', input.encodedParts.html) } }
      : { text: personalized.text, html: personalized.html }),
    // Quoted-printable for both parts: readable, right for mostly-ASCII HTML and text,
    // and nodemailer skips scanning every message to choose an encoding.
    encoding: 'quoted-printable',
    // Content is strings we made; never let an option turn into a file read or a fetch.
    disableFileAccess: true,
    disableUrlAccess: true,
    messageId: messageIdFor(issue.slug, issue.number, recipient.email, from.address.slice(from.address.lastIndexOf('@') + 1).toLowerCase()),
    date: input.date ?? new Date(),
    ...(Object.keys(standIns).length ? { normalizeHeaderKey: renameStandIn } : {}),
    headers: {
      ...input.extraHeaders,
      ...standIns,
      // A subject too long for one line goes out as encoded words, which fold.
      ...(subjectFits ? {} : { Subject: { prepared: true, foldLines: true, value: encodedWords(subject) } }),
      // prepared: written as given (we built and checked them), folded only at the ", " between URIs.
      'List-Unsubscribe': { prepared: true, foldLines: true, value: listUnsubscribeHeader(unsubscribe.url, unsubscribe.mailto, who) },
      'List-Unsubscribe-Post': { prepared: true, value: 'List-Unsubscribe=One-Click' },
      'List-Id': { prepared: true, foldLines: true, value: listIdHeader(newsletter.name, newsletter.listId) },
    },
  };
}

/**
 * The exact bytes nodemailer would send for these options: messageFor's own
 * bytes (DKIM-signed only when its run was prepared with a key; the transport
 * signs nothing), or for composeMessage's options what MailComposer makes of
 * them. For the spam score in `check`, the .eml files of `export` and
 * `send --dry-run`, and the preview's headers.
 */
export async function toRfc822(options: MailOptions): Promise<Buffer> {
  // A message already made as bytes (messageFor): nodemailer sends `raw` as it is, and only
  // adds a final CRLF when the bytes lack one, so the bytes themselves are the answer.
  if (Buffer.isBuffer(options.raw) && options.raw.at(-1) === 0x0a) return options.raw;
  return new MailComposer(options).compile().build();
}
