import { encodeWord } from 'nodemailer/lib/mime-funcs';
import { isPlainAddress, type Mailbox } from '../config/index.ts';

/**
 * Keeping every header line within RFC 5322 §2.1.1's 998 octets.
 *
 * nodemailer folds a header at 76 characters, but only at spaces, and writes
 * ASCII text as it is (a display name as bare words or a quoted string), so a
 * 3,000-letter first name without a space in To or Subject stayed one 3,000-
 * octet line. Text can always be written as RFC 2047 encoded words instead:
 * each at most 75 characters (nodemailer's encodeWord splits them, whole
 * characters only), with spaces between them where the line folds, and every
 * reader joins them back into the original text. That is done only for a value
 * that might not fit on one line, so ordinary headers stay byte for byte what
 * nodemailer writes. A URL has no such escape (RFC 2369 puts it in angle
 * brackets as it is), so one too long is refused by the caller.
 */
export const MAX_LINE = 998;

export const octets = (s: string): number => Buffer.byteLength(s, 'utf8');

/** True when `Field: value` fits on one line as it is: nodemailer's folding can then only make lines shorter. */
export function fitsOneLine(field: string, value: string): boolean {
  return field.length + 2 + octets(value) <= MAX_LINE;
}

/** RFC 2047 encoded words of at most 52 characters each, separated by spaces (fold points). Q reads better for ASCII. */
export function encodedWords(text: string): string {
  // eslint-disable-next-line no-control-regex
  return encodeWord(text, /^[\x00-\x7f]*$/.test(text) ? 'Q' : 'B', 52);
}

/**
 * From, To and Reply-To are formatted by nodemailer itself, which takes no
 * prepared value for them; a long display name goes out under a stand-in key
 * with our encoded value, and the message's `normalizeHeaderKey` option
 * (nodemailer's hook for the spelling of header keys, applied as the header is
 * written) gives it its real name. The envelope is set explicitly alongside.
 */
const STAND_INS: Readonly<Record<string, string>> = { 'X-Folded-From': 'From', 'X-Folded-To': 'To', 'X-Folded-Reply-To': 'Reply-To' };

export function renameStandIn(key: string): string {
  return STAND_INS[key] ?? key;
}

export type AddressField = 'From' | 'To' | 'Reply-To';

/**
 * The stand-in header for a mailbox whose display name might not fit on one
 * line, or undefined when nodemailer's own formatting fits. (A quoted name can
 * double in length with escapes, hence 2×.) Returns null for an address that
 * could not be written next to encoded words unchanged ("=?" in an address
 * would read as a broken encoded word), for the caller to refuse.
 */
export function longAddressHeader(field: AddressField, mailbox: Mailbox): { key: string; value: string } | undefined | null {
  if (!mailbox.name || field.length + 2 + 2 * octets(mailbox.name) + 5 + mailbox.address.length <= MAX_LINE) return undefined;
  if (!isPlainAddress(mailbox.address) || mailbox.address.includes('=?')) return null;
  return { key: `X-Folded-${field}`, value: `${encodedWords(mailbox.name)} <${mailbox.address}>` };
}

/** RFC 2919: `"Name" <list-id>`; a name outside printable ASCII, or too long for one line, becomes encoded words. */
export function listIdHeader(name: string, listId: string): string {
  const quoted = /^[\x20-\x7e]*$/.test(name) && 'List-Id: '.length + 2 * name.length + 2 + ' <>'.length + listId.length <= MAX_LINE;
  const phrase = quoted ? `"${name.replace(/["\\]/g, '\\$&')}"` : encodedWords(name);
  return `${phrase} <${listId}>`;
}
