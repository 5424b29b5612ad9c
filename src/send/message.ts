import { createHash } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Options as MailOptions } from 'nodemailer/lib/mailer';
import type { NewsletterProps } from '../content/model.ts';
import { NewsletterError } from '../errors.ts';
import { rawTextPart } from './encoded-template.ts';

export type { MailOptions };

export interface MessageInput {
  props: NewsletterProps;
  /** The issue's templates filled for this recipient. */
  personalized: { html: string; text: string; subject: string };
  recipient: { email: string; firstName?: string | undefined; lastName?: string | undefined };
  /** This recipient's own unsubscribe URL (with token) and the optional mailto: alternative address. */
  unsubscribe: { url: string; mailto?: string | undefined };
  /** Overrides newsletter.yml `from` (e.g. MAIL_FROM): `Name <addr@example.com>` or a bare address. */
  from?: string | undefined;
  /** Overrides newsletter.yml `replyTo` (e.g. REPLY_TO). */
  replyTo?: string | undefined;
  date?: Date | undefined;
  /**
   * The text and HTML bodies already quoted-printable encoded (see
   * encoded-template.ts, the fast path of `send`). When given they are sent
   * as they are and `personalized.html`/`text` are not used.
   */
  encodedParts?: { html: string; text: string } | undefined;
}

/** A header value may never carry a line break: that is how header injection works. */
const LINE_BREAK = /[\r\n]/;

function checkHeader(field: string, value: string | undefined, recipient: string): void {
  if (value === undefined || !LINE_BREAK.test(value)) return;
  throw new NewsletterError('ESEND', `The ${field} for ${recipient} contains a line break (CR or LF); it would let one header inject others`, {
    where: recipient,
    fix: `Remove the line break from the ${field} (in the subscriber list or the issue content) and send again.`,
  });
}

const domains = new Map<string, string>();

/** The domain of an address header value (`Name <a@b.example>` or `a@b.example`); memoized: From is the same for a whole run. */
export function addressDomain(value: string): string {
  let domain = domains.get(value);
  if (domain === undefined) {
    const [first] = addressparser(value, { flatten: true });
    const at = first?.address.lastIndexOf('@') ?? -1;
    domain = at >= 0 && first ? first.address.slice(at + 1).toLowerCase() : 'localhost';
    if (domains.size < 64) domains.set(value, domain);
  }
  return domain;
}

/**
 * Deterministic per (issue, recipient): a resent message is recognisably the
 * same one, and receivers that de-duplicate on Message-ID can do so.
 */
export function messageIdFor(slug: string, issueNumber: number, email: string, domain: string): string {
  const hash = createHash('sha256').update(slug).update('\0').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);
  return `<${hash}.issue-${issueNumber}@${domain}>`;
}

/** RFC 2919: `"Name" <list-id>`; a name outside US-ASCII becomes an encoded word. */
function listIdHeader(name: string, listId: string): string {
  const printable = /^[\x20-\x7e]*$/.test(name);
  const phrase = printable
    ? `"${name.replace(/["\\]/g, '\\$&')}"`
    : `=?UTF-8?B?${Buffer.from(name, 'utf8').toString('base64')}?=`;
  return `${phrase} <${listId}>`;
}

/** RFC 2369/8058: `<https URL>, <mailto:…?subject=unsubscribe>`. */
function listUnsubscribeHeader(url: string, mailto: string | undefined): string {
  const parts = [`<${url}>`];
  if (mailto) parts.push(`<mailto:${mailto.replace(/^mailto:/i, '')}?subject=unsubscribe>`);
  return parts.join(', ');
}

/**
 * One recipient's message as nodemailer options: From/Reply-To from config
 * (overridable), To, Subject, text + HTML (multipart/alternative), a
 * deterministic Message-ID, Date, and the List-Unsubscribe, List-Unsubscribe-Post
 * (RFC 8058) and List-Id (RFC 2919) headers. A line break in any header value
 * is refused with an error naming the field and the recipient.
 */
export function composeMessage(input: MessageInput): MailOptions {
  const { props, personalized, recipient, unsubscribe } = input;
  const { newsletter, issue } = props;
  const who = recipient.email;
  const from = input.from ?? `"${newsletter.from.name.replace(/["\\]/g, '\\$&')}" <${newsletter.from.email}>`;
  const replyTo = input.replyTo ?? newsletter.replyTo;
  const name = [recipient.firstName, recipient.lastName].filter((p) => p && p.trim()).join(' ');

  checkHeader('recipient address', recipient.email, who);
  checkHeader('first name', recipient.firstName, who);
  checkHeader('last name', recipient.lastName, who);
  checkHeader('subject', personalized.subject, who);
  checkHeader('From address', from, who);
  checkHeader('Reply-To address', replyTo, who);
  checkHeader('unsubscribe URL', unsubscribe.url, who);
  checkHeader('unsubscribe mailto address', unsubscribe.mailto, who);
  checkHeader('list id', newsletter.listId, who);
  checkHeader('newsletter name', newsletter.name, who);

  return {
    from,
    ...(replyTo ? { replyTo } : {}),
    to: name ? { name, address: recipient.email } : recipient.email,
    subject: personalized.subject,
    ...(input.encodedParts
      ? { text: { raw: rawTextPart('plain', input.encodedParts.text) }, html: { raw: rawTextPart('html', input.encodedParts.html) } }
      : { text: personalized.text, html: personalized.html }),
    // Quoted-printable for both parts: readable, right for mostly-ASCII HTML and text,
    // and nodemailer skips scanning every message to choose an encoding.
    encoding: 'quoted-printable',
    // Content is strings we made; never let an option turn into a file read or a fetch.
    disableFileAccess: true,
    disableUrlAccess: true,
    messageId: messageIdFor(issue.slug, issue.number, recipient.email, addressDomain(from)),
    date: input.date ?? new Date(),
    headers: {
      // prepared: written as given (we built and checked them), folded only at the ", " between URIs.
      'List-Unsubscribe': { prepared: true, foldLines: true, value: listUnsubscribeHeader(unsubscribe.url, unsubscribe.mailto) },
      'List-Unsubscribe-Post': { prepared: true, value: 'List-Unsubscribe=One-Click' },
      'List-Id': { prepared: true, foldLines: true, value: listIdHeader(newsletter.name, newsletter.listId) },
    },
  };
}

/**
 * The exact bytes nodemailer would send for these options (without a DKIM
 * signature, which the transport adds): for the spam score in `check` and the
 * .eml files of `export` and `send --dry-run`.
 */
export async function toRfc822(options: MailOptions): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}
