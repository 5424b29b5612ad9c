/**
 * MIME through mailparser, bounded, and the few pieces of a parsed message the
 * classifiers read: raw header values, addresses, the notification text, the parts.
 */
import { simpleParser, type AddressObject, type HeaderLines, type ParsedMail } from 'mailparser';
import { addressesIn, normalizeAddress } from './status.ts';

// The sources read no message larger than this; classifyMessage refuses one too (it is also called directly).
export { MAX_MESSAGE_BYTES } from '../sources/source.ts';
/** A report has 2–3 parts, the returned message a few more; a 10,000-part tree is refused by mailparser. */
const MAX_PARTS = 500;
/** One MIME part's header block (mailparser's own default is 1 MB). */
const MAX_HEAD_BYTES = 256 * 1024;
/** A parse that takes longer than this is abandoned, so one message cannot stall the mailbox loop. */
const PARSE_TIMEOUT_MS = 15_000;
/** Prose is scanned this far: every real notification text is far shorter. */
export const MAX_TEXT_CHARS = 256 * 1024;

/**
 * Parses with options chosen for reports. Seen with mailparser 3.14 on the fixtures: by default
 * message/delivery-status is merged into `text` (no attachment), and a message/rfc822 part is an
 * attachment unless its disposition is `inline` (RFC 5965's example), when it is parsed into `text`.
 * - keepDeliveryStatus: message/delivery-status comes back as an attachment with its raw bytes;
 * - ignoreEmbedded: a message/rfc822 part is always an attachment with its raw bytes, inline or not;
 * - no attachment hashing, no text→HTML or link work: none of it is read.
 */
export async function parseMail(raw: Buffer): Promise<ParsedMail> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`parsing took longer than ${PARSE_TIMEOUT_MS / 1000} s`)), PARSE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      simpleParser(raw, {
        keepDeliveryStatus: true,
        ignoreEmbedded: true,
        checksumAlgo: false,
        skipTextToHtml: true,
        skipTextLinks: true,
        skipImageLinks: true,
        maxHtmlLengthToParse: 1024 * 1024,
        maxChildNodes: MAX_PARTS,
        maxHeadSize: MAX_HEAD_BYTES,
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every raw value of a header (unfolded, trimmed), in order, as written. */
export function headerValues(lines: HeaderLines, name: string): string[] {
  return lines
    .filter((line) => line.key === name)
    .map((line) => line.line.slice(line.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim());
}

/** The first raw value of a header, or undefined when absent or empty. */
export function headerValue(lines: HeaderLines, name: string): string | undefined {
  const value = headerValues(lines, name)[0];
  return value === undefined || value === '' ? undefined : value;
}

/** Addresses of a parsed address header (groups flattened), domain lowercased. */
export function addressList(value: AddressObject | AddressObject[] | undefined): string[] {
  const found: string[] = [];
  const visit = (entries: AddressObject['value']) => {
    for (const entry of entries) {
      if (entry.group) visit(entry.group);
      const address = normalizeAddress(entry.address);
      if (address) found.push(address);
    }
  };
  for (const object of value === undefined ? [] : Array.isArray(value) ? value : [value]) visit(object.value);
  return found;
}

/** Headers naming where a message was delivered (Postfix, Exim, qmail, Sieve and the RFC 5322 To). */
const DELIVERED_HEADERS = ['delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to'];

/** Where the report was delivered, lowercased and without repeats (the lead finds the VERP token here). */
export function deliveredTo(mail: ParsedMail): string[] {
  const found = DELIVERED_HEADERS.flatMap((name) => headerValues(mail.headerLines, name).flatMap(addressesIn));
  found.push(...addressList(mail.to));
  return [...new Set(found.map((address) => address.toLowerCase()))].slice(0, 100);
}

/** The parts a classifier reads, by lowercased content type. */
export function partsOfType(mail: ParsedMail, types: readonly string[]): { contentType: string; content: Buffer }[] {
  return mail.attachments
    .filter((part) => types.includes(part.contentType.toLowerCase()))
    .map((part) => ({ contentType: part.contentType.toLowerCase(), content: part.content }));
}

/** The human-readable notification, cut to MAX_TEXT_CHARS (HTML-only reports come back converted by mailparser). */
export function notificationText(mail: ParsedMail): string {
  return (mail.text ?? '').slice(0, MAX_TEXT_CHARS);
}

/** The sender's address and display name, for the "is this a mail system?" test. */
export function sender(mail: ParsedMail): { address: string; name: string } {
  const first = mail.from?.value[0];
  return { address: (first?.address ?? '').toLowerCase(), name: first?.name ?? '' };
}
