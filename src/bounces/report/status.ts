/**
 * RFC 3463 enhanced status codes and RFC 5321 reply codes, read from DSN fields and from
 * the free text of diagnostics and prose bounces.
 */
import type { ReportRecipient } from './types.ts';

/** RFC 3464 §2.4: a diagnostic is at most one line for us; long ones are cut here. */
export const MAX_DIAGNOSTIC = 300;

/** RFC 3464 §2.3.4 status-code: class "." subject "." detail, each 1–3 digits; classes 2, 4, 5 (RFC 3463 §3.1). */
const STATUS_FIELD = /^\s*([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])/;

/**
 * A reply code followed by an enhanced code, as RFC 3463 §1 / RFC 2034 §4 write them:
 * "550 5.1.1", "550-5.1.1" (multi-line reply), "#550 5.2.2" (Exchange). The enhanced code wins.
 */
const REPLY_AND_STATUS = /(?<![\w.])[245]\d\d[ -]#?([245]\.\d{1,3}\.\d{1,3})(?![\w.])/;

/**
 * An enhanced code on its own, "(#5.1.1)" in qmail's prose (qmail-send.c) or "#5.1.0".
 * Classes 4 and 5 only: a bare "2.10.1" is far more often a software version than a status.
 * Not preceded by a digit or dot, not followed by one: IP addresses never match.
 */
const BARE_STATUS = /(?<![\w.])#?([45]\.\d{1,3}\.\d{1,3})(?![\w.])/;

/**
 * A bare RFC 5321 §4.2 reply code (4yz/5yz) where a server's reply starts: at the start of
 * a line, or after "said:", "returned '", "#", "(" and the like. Never inside an address
 * ("552@qq.com") or a port ("port 587"), which a free-standing match would take.
 */
const BARE_REPLY = /(?:^[ \t]*|[:;'"#([][ \t]*)([45])\d\d(?=[ \t:-]|$)/m;

/** The RFC 3463 status a Status: field holds, e.g. "5.1.1" from "5.1.1 (user unknown)". */
export function statusFromField(value: string | undefined): string | undefined {
  const match = value === undefined ? null : STATUS_FIELD.exec(value);
  return match ? `${match[1]}.${match[2]}.${match[3]}` : undefined;
}

/** The status found in a diagnostic or prose reply: enhanced when present, else "5.0.0"/"4.0.0" from a bare reply code. */
export function findStatus(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const paired = REPLY_AND_STATUS.exec(text);
  if (paired) return paired[1];
  const bare = BARE_STATUS.exec(text);
  if (bare) return bare[1];
  const reply = BARE_REPLY.exec(text);
  return reply ? `${reply[1]}.0.0` : undefined;
}

/**
 * Permanent per RFC 3463 §3.1: class 5 is a permanent failure, 4 persistent transient,
 * 2 success. Without any code a failed delivery is taken as permanent (RFC 3464 §2.3.3:
 * "failed" means the MTA gave up), anything else as not.
 */
export function isPermanent(status: string | undefined, action: ReportRecipient['action']): boolean {
  if (status) return status.startsWith('5');
  return action === undefined || action === 'failed';
}

/**
 * A diagnostic as one line: the RFC 3464 §2.3.6 diagnostic-type ("smtp;", "X-Postfix;")
 * removed, whitespace and control characters collapsed, cut to MAX_DIAGNOSTIC characters.
 */
export function cleanDiagnostic(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const text = value.replace(/^\s*[A-Za-z][A-Za-z0-9-]*\s*;\s*/, '').replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
  if (text === '') return undefined;
  const chars = Array.from(text);
  return chars.length <= MAX_DIAGNOSTIC ? text : `${chars.slice(0, MAX_DIAGNOSTIC - 1).join('')}…`;
}

/**
 * An address as a recipient key: the RFC 3464 §2.3.2 address type ("rfc822;", RFC 6533
 * "utf-8;") and angle brackets removed, the domain lowercased (RFC 5321 §2.4: domains are
 * case-insensitive, local parts are not). Undefined when there is no "@" or it is absurdly long.
 */
export function normalizeAddress(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let text = value.trim();
  const typed = /^([A-Za-z0-9-]+)\s*;\s*(.*)$/.exec(text);
  if (typed) text = typed[1]!.toLowerCase() === 'utf-8' ? decodeUtf8Address(typed[2]!) : typed[2]!;
  text = text.trim().replace(/^<(.*)>$/, '$1').trim();
  const at = text.lastIndexOf('@');
  // RFC 5321 §4.5.3.1: 64-octet local part, 255-octet domain; a little slack for quoting.
  if (at <= 0 || at === text.length - 1 || text.length > 400 || /[\s<>]/.test(text)) return undefined;
  return `${text.slice(0, at)}@${text.slice(at + 1).toLowerCase()}`;
}

/** RFC 6533 §3: a utf-8 address may carry characters as \x{HEX}. */
function decodeUtf8Address(text: string): string {
  return text.replace(/\\x\{([0-9A-Fa-f]{1,6})\}/g, (whole, hex: string) => {
    const code = Number.parseInt(hex, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Every address-looking token in a header value (Delivered-To and friends carry bare addresses). */
export function addressesIn(value: string): string[] {
  const found: string[] = [];
  // Bounded like RFC 5321's lengths, so a long value without "@" is scanned in linear time.
  for (const match of value.matchAll(/[^\s<>,;:"()[\]@]{1,64}@[^\s<>,;:"()[\]@]{1,255}/g)) {
    const address = normalizeAddress(match[0]);
    if (address) found.push(address);
  }
  return found;
}
