import { randomBytes } from 'node:crypto';
import { encodeWord, foldLines, quoteString } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import type { Mailbox } from '../config/index.ts';
import type { MergeValues } from '../personalize/index.ts';
import { ByteChunks } from './byte-chunks.ts';
import { isCanonicalPiece, type RoomyMessage } from './dkim.ts';
import { rawTextPart, type EncodedTemplate } from './encoded-template.ts';
import { encodedWords, fitsOneLine, listIdHeader, longAddressHeader, type AddressField } from './header-lines.ts';
import { checkHeader, displayName, listUnsubscribeHeader, longAddress } from './message.ts';

/**
 * The whole RFC 5322 message of one run, made once with slots for what
 * differs per recipient, spliced into bytes ready for SMTP per recipient.
 *
 * nodemailer's MailComposer builds a MIME tree, encodes and folds every
 * header and streams it all for every message: about 0.7 ms each, a thousand
 * times what splicing costs. Here everything the recipients share (static
 * headers, part headers, boundaries, the literal quoted-printable pieces of
 * both parts) is bytes made once, and per recipient only To, Message-ID, Date,
 * List-Unsubscribe, a Subject with merge fields and the body values are
 * encoded. Each header is still formatted by nodemailer's own functions
 * (MimeNode.encodeHeaderValue, then foldLines at 76, as MailComposer writes
 * them), so the headers say what composeMessage's say; tests parse both and
 * compare. The maker also tells whether the body is already in DKIM relaxed
 * canonical form (RoomyMessage.bodyCanonical), so signing it (dkim.ts) is one SHA-256 pass.
 */

/** One MimeNode for nodemailer's header encoding (it keeps no state between calls; a new one per call costs a random boundary). */
const NODE = new MimeNode(false, {});

/** A header line as MailComposer writes it: the value encoded (address, encoded words) and folded at 76. */
const headerLine = (key: string, value: string | Mailbox): string => foldLines(`${key}: ${NODE.encodeHeaderValue(key, value)}`, 76);

/**
 * An address header, as composeMessage has it written: nodemailer's
 * formatting, or for a name too long for one line the stand-in value of
 * encoded words (header-lines.ts) under the real field name.
 */
export function addressLine(field: AddressField, mailbox: Mailbox, who: string): string {
  const long = longAddress(field, mailbox, who);
  if (long) return foldLines(`${field}: ${NODE.encodeHeaderValue(long.key, long.value)}`, 76);
  return headerLine(field, mailbox.name ? mailbox : mailbox.address);
}

/**
 * An address nodemailer writes as it is: a dot-atom local part and a
 * lower-case ASCII domain (what domainToASCII returns unchanged: no A-labels,
 * and a last label that starts with a letter so it is never read as IPv4).
 */
const PLAIN_ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*$/;
const WORD_NAME = /^[\w ]*$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * A display name as nodemailer's MimeNode writes it in an address header
 * (its internal _encodeAddressName and _getTextEncoding, mirrored here so the
 * common case skips its address parsing; a test compares the two on
 * thousands of names): words as they are, other ASCII quoted, anything else
 * one encoded word, Q when Latin letters outnumber the rest, else B.
 */
function addressName(name: string): string {
  if (WORD_NAME.test(name)) return name;
  if (PRINTABLE_ASCII.test(name)) return quoteString(name);
  let latin = 0;
  let other = 0;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code <= 0x08 || code === 0x0b || code === 0x0c || (code >= 0x0e && code <= 0x1f) || code >= 0x80) other++;
    else if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) latin++;
  }
  return encodeWord(name, other < latin ? 'Q' : 'B', 52);
}

/** The To line; the common case (a plain address, a name that fits one line) skips nodemailer's address parsing and gives the same line. */
export function toLine(name: string, address: string, who: string): string {
  if (PLAIN_ADDRESS.test(address) && !address.includes('xn--') && longAddressHeader('To', { name, address }) === undefined) {
    const line = name ? `To: ${addressName(name)} <${address}>` : `To: ${address}`;
    return line.length < 76 ? line : foldLines(line, 76);
  }
  return addressLine('To', { name, address }, who);
}

/** A Subject line exactly as composeMessage decides: as nodemailer writes it when it fits one line, else encoded words that fold; none when empty. */
export function subjectLine(subject: string): string {
  if (!fitsOneLine('Subject', subject)) return foldLines(`Subject: ${encodedWords(subject)}`);
  return NODE.encodeHeaderValue('Subject', subject).trim() ? headerLine('Subject', subject) : '';
}

/**
 * The List-Unsubscribe line: on one line when it fits 76, else each URI on a
 * line of its own ("<url>,", "<mailto:…>"), which is where foldLines breaks
 * a URL too long to share a line, without its per-line regular expressions.
 * listUnsubscribeHeader has already checked each URI fits a line.
 */
function unsubscribeLine(value: string): string {
  const line = `List-Unsubscribe: ${value}`;
  if (line.length < 76) return line;
  // A URI never holds whitespace (the URL is percent-encoded); if one did, let nodemailer fold it.
  if (/\s/.test(value.replaceAll(', <', ''))) return foldLines(line);
  return `List-Unsubscribe:\r\n ${value.replaceAll(', <', ',\r\n <')}`;
}

/** What the recipients of one run share. */
export interface RawMessageInput {
  from: Mailbox;
  replyTo: Mailbox | undefined;
  newsletter: { name: string; listId: string };
  unsubscribeMailto: string | undefined;
  /** The subject when it holds no merge field (one line for everyone); undefined when each recipient has their own. */
  staticSubject: string | undefined;
  /** The Message-ID of any recipient: only its length and form matter (how it folds). */
  sampleMessageId: string;
  extraHeaders: Readonly<Record<string, string>> | undefined;
  text: EncodedTemplate;
  html: EncodedTemplate;
}

/** One recipient's values, made by the caller (personalized-message.ts). */
export interface RawRecipient {
  email: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
  values: MergeValues;
  unsubscribeUrl: string;
  subject: string;
  messageId: string;
  /** Milliseconds since the epoch. */
  time: number;
}

/** Header fields we write: an extra header by one of these names loses to ours, as in composeMessage. */
const OURS = new Set(['from', 'to', 'reply-to', 'subject', 'message-id', 'date', 'mime-version', 'content-type', 'content-transfer-encoding', 'list-unsubscribe', 'list-unsubscribe-post', 'list-id']);

const CRLF = '\r\n';
const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
/** A value with a line break, tested once over all of a recipient's values (checkHeader then names which). */
const LINE_BREAK = /[\r\n]/;

export class RawMessageTemplate {
  // The header block is short and holds most of what differs: it is put together as one string.
  readonly #extra: string;
  readonly #afterUnsubscribe: string;
  readonly #afterTo: string;
  readonly #messageIdPrefix: string;
  readonly #beforeText: string;
  /** Bytes of #beforeText from the start of the body (after the header's empty line). */
  readonly #bodyInBeforeText: number;
  /** The multipart frame (boundaries, part headers) is DKIM-canonical on its own: checked once. */
  readonly #frameCanonical: boolean;
  readonly #beforeHtml: Buffer;
  readonly #end: Buffer;
  readonly #mailto: string | undefined;
  readonly #text: EncodedTemplate;
  readonly #html: EncodedTemplate;
  readonly #dynamicSubject: boolean;
  #dateSecond = Number.NaN;
  #dateLine = '';

  /** Everything shared is formatted here; `who` for its checks is the run (composeMessage already refused a shared value that is wrong). */
  constructor(input: RawMessageInput) {
    const extra = Object.entries(input.extraHeaders ?? {}).filter(([key]) => !OURS.has(key.toLowerCase()));
    this.#extra = extra.map(([key, value]) => headerLine(key, value) + CRLF).join('');
    const run = 'this run';
    this.#afterUnsubscribe =
      [
        'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
        // nodemailer spells the key List-ID (its key normalisation upper-cases a final -ID).
        foldLines(`List-ID: ${listIdHeader(input.newsletter.name, input.newsletter.listId)}`),
        addressLine('From', input.from, run),
      ].join(CRLF) + CRLF;
    const subject = input.staticSubject === undefined ? '' : subjectLine(input.staticSubject);
    this.#afterTo = [input.replyTo ? addressLine('Reply-To', input.replyTo, run) : '', subject].filter(Boolean).map((line) => line + CRLF).join('');
    this.#dynamicSubject = input.staticSubject === undefined;
    // Every Message-ID of a run has the same length (hash, issue number, domain), so it folds the same way.
    const folded = foldLines(`Message-ID: ${input.sampleMessageId}`, 76);
    this.#messageIdPrefix = folded.slice(0, folded.indexOf('<'));
    // "=_" never occurs in quoted-printable ("=" is followed by two hex digits or a line break),
    // so no line of either part can be taken for the boundary.
    const boundary = `=_nl_${randomBytes(12).toString('hex')}`;
    this.#beforeText = `MIME-Version: 1.0${CRLF}Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"${CRLF}${CRLF}--${boundary}${CRLF}${rawTextPart('plain', '')}`;
    this.#beforeHtml = bytes(`${CRLF}--${boundary}${CRLF}${rawTextPart('html', '')}`);
    this.#end = bytes(`${CRLF}--${boundary}--${CRLF}`);
    const bodyPrefix = this.#beforeText.slice(this.#beforeText.indexOf(CRLF + CRLF) + 4);
    this.#bodyInBeforeText = bodyPrefix.length;
    this.#frameCanonical = [bodyPrefix, this.#beforeHtml.toString('latin1'), this.#end.toString('latin1')].every(isCanonicalPiece);
    this.#mailto = input.unsubscribeMailto;
    this.#text = input.text;
    this.#html = input.html;
  }

  /**
   * One recipient's message, CRLF throughout, every line within 998 octets,
   * after `room` free bytes for a DKIM-Signature field (dkim.ts RoomyMessage),
   * with where its body starts and whether each piece of it is canonical.
   * Throws NewsletterError (ESEND, naming the recipient) for a value that
   * would inject a header or cannot be written, as composeMessage does.
   */
  message(r: RawRecipient, room = 0): RoomyMessage {
    const who = r.email;
    const subject = this.#dynamicSubject ? r.subject : '';
    if (LINE_BREAK.test(`${r.email}${r.firstName ?? ''}${r.lastName ?? ''}${subject}${r.unsubscribeUrl}`)) {
      checkHeader('recipient address', r.email, who);
      checkHeader('first name', r.firstName, who);
      checkHeader('last name', r.lastName, who);
      checkHeader('subject', subject, who);
      checkHeader('unsubscribe URL', r.unsubscribeUrl, who);
    }
    const to = toLine(displayName(r), r.email, who);
    const unsubscribe = unsubscribeLine(listUnsubscribeHeader(r.unsubscribeUrl, this.#mailto, who));
    const subjectHeader = this.#dynamicSubject ? subjectLine(subject) : '';

    const out = new ByteChunks();
    out.text(
      this.#extra +
        unsubscribe +
        CRLF +
        this.#afterUnsubscribe +
        to +
        CRLF +
        this.#afterTo +
        (subjectHeader ? subjectHeader + CRLF : '') +
        this.#messageIdPrefix +
        r.messageId +
        CRLF +
        this.#date(r.time) +
        this.#beforeText,
    );
    const bodyStart = out.length - this.#bodyInBeforeText;
    const textCanonical = this.#text.append(r.values, out);
    out.bytes(this.#beforeHtml);
    const htmlCanonical = this.#html.append(r.values, out);
    out.bytes(this.#end);
    return { buffer: out.toBuffer(room), start: room, bodyStart, bodyCanonical: this.#frameCanonical && textCanonical && htmlCanonical };
  }

  /** The Date line, formatted once per second (as nodemailer writes it: RFC 2822 in UTC). */
  #date(time: number): string {
    const second = Math.floor(time / 1000);
    if (second !== this.#dateSecond) {
      this.#dateSecond = second;
      this.#dateLine = `Date: ${new Date(second * 1000).toUTCString().replace(/GMT/, '+0000')}${CRLF}`;
    }
    return this.#dateLine;
  }
}
