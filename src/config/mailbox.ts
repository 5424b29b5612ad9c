import addressparser from 'nodemailer/lib/addressparser';
import { CONTROL_CHAR as CONTROL } from '../content/index.ts';

/** One sender-side mailbox (From, Reply-To): a display name (may be empty) and a plain ASCII address. */
export interface Mailbox {
  name: string;
  address: string;
}

// CONTROL: the same characters header text refuses in content (C0, DEL, C1, U+2028, U+2029): some mail
// software treats each as a line end, so `x@example.com\u2028Bcc: y@evil.com` could turn one mailbox into a group.

/**
 * An RFC 5321 dot-atom address in US-ASCII. A non-ASCII address (UTF-8 local
 * part, or an IDN domain not in its xn-- form) needs SMTPUTF8 end to end;
 * nodemailer does not tell us what the server announced after verify() (the
 * EHLO extensions stay inside the pool's private connection), so such an
 * address is refused outright with a fix rather than sent on a guess.
 */
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const PLAIN_ADDRESS = new RegExp(`^${ATOM}(?:\\.${ATOM})*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$`);

export function isPlainAddress(address: string): boolean {
  return PLAIN_ADDRESS.test(address);
}

export type MailboxResult = { ok: true; mailbox: Mailbox } | { ok: false; problem: string };

const refuse = (problem: string): MailboxResult => ({ ok: false, problem });

function checkParts(name: string, address: string): MailboxResult {
  if (CONTROL.test(name) || CONTROL.test(address)) return refuse('must not contain control characters or line separators (tab, CR, LF, DEL, U+0085, U+2028, U+2029)');
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(address)) return refuse('must be an ASCII address: the server is not asked for SMTPUTF8, so write an internationalized domain in its xn-- form and use an ASCII local part');
  if (!isPlainAddress(address)) return refuse('must be one address like "Name <news@example.com>" or news@example.com');
  return { ok: true, mailbox: { name: name.trim(), address } };
}

/**
 * Exactly one mailbox: no group (`Team: a@x, b@y;`), no list, no control
 * characters, an ASCII address. The display name may be any text; nodemailer
 * writes a non-ASCII one as RFC 2047 encoded words when it is given the
 * {name, address} object this returns.
 */
export function parseMailbox(value: string | Mailbox): MailboxResult {
  if (typeof value !== 'string') return checkParts(value.name, value.address);
  if (CONTROL.test(value)) return checkParts(value, '');
  const entries = addressparser(value);
  if (entries.length !== 1) return refuse('must be one address like "Name <news@example.com>" or news@example.com, not a list');
  const [entry] = entries;
  if (!entry || entry.address === undefined) return refuse('must be one mailbox, not a group ("Name: a@example.com, b@example.com;")');
  return checkParts(entry.name, entry.address);
}
