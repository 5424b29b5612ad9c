/**
 * The headers of the message a report is about: from an attached message/rfc822,
 * text/rfc822-headers (RFC 6522 §4 / RFC 3462), message/global-headers (RFC 6533 §6), or the
 * header block a prose bounce quotes after its "copy of the message" line.
 */
import type { ParsedMail } from 'mailparser';
import { addressList, headerValue, parseMail } from './parts.ts';
import { normalizeAddress } from './status.ts';
import type { OriginalMessage } from './types.ts';

/** The header section is all we read of the original; real ones are a few kB. */
const MAX_ORIGINAL_HEADER_BYTES = 64 * 1024;

/** Part types carrying the original (RFC 3464 §2, RFC 5965 §2, RFC 6522 §4, RFC 6532 §3.7, RFC 6533 §6). */
export const ORIGINAL_TYPES = [
  'message/rfc822',
  'text/rfc822-headers',
  'message/rfc822-headers',
  'message/global',
  'message/global-headers',
] as const;

/**
 * Lines after which prose bounces quote the original's headers, each from the MTA that writes it.
 */
const PROSE_MARKERS: readonly RegExp[] = [
  // Exim (deliver.c): "------ This is a copy of the message, including all the headers. ------"
  /^-+ This is a copy of the message(?:'s headers|, including all the headers)\.? -+[ \t]*$/im,
  // qmail-send.c: "--- Below this line is a copy of the message."
  /^--- Below this line is a copy of the (?:message|mail header)\.[ \t]*$/im,
  // Yahoo (qmail-derived): "--- Original message follows."
  /^--- Original message follows\.[ \t]*$/im,
  // Gmail's older plain bounces: "----- Original message -----"
  /^-+ ?Original message ?-+[ \t]*$/im,
  // Exchange / Office 365 NDR: "Original message headers:"
  /^[ \t]*Original message headers:[ \t]*$/im,
  // sendmail's plain form: "----- Original message follows -----", "------- Received message follows -----", "----- Unsent message follows -----"
  /^[ \t]*-+ ?(?:Original|Received|Unsent) message follows ?-+[ \t]*$/im,
];

/** Where the quoted original starts in a prose bounce: the marker line's start and end, or undefined. */
export function findQuotedOriginal(text: string): { start: number; end: number } | undefined {
  let best: { start: number; end: number } | undefined;
  for (const marker of PROSE_MARKERS) {
    const match = marker.exec(text);
    if (match && (!best || match.index < best.start)) best = { start: match.index, end: match.index + match[0].length };
  }
  return best;
}

/** Reads the header section of `source` (a whole message, or headers only). Undefined when nothing useful is there. */
export async function readOriginal(source: Buffer | string): Promise<OriginalMessage | undefined> {
  const text = (typeof source === 'string' ? source : source.subarray(0, MAX_ORIGINAL_HEADER_BYTES * 2).toString('utf8'))
    .replace(/^(?:[ \t]*\r?\n)+/, '');
  const end = text.search(/\r?\n[ \t]*\r?\n/);
  const head = (end === -1 ? text : text.slice(0, end)).slice(0, MAX_ORIGINAL_HEADER_BYTES);
  if (!/^[!-9;-~]+[ \t]*:/.test(head)) return undefined;
  let mail: ParsedMail;
  try {
    mail = await parseMail(Buffer.from(`${head}\r\n\r\n`, 'utf8'));
  } catch {
    return undefined;
  }
  return originalFrom(mail);
}

function originalFrom(mail: ParsedMail): OriginalMessage | undefined {
  const lines = mail.headerLines;
  const listId = headerValue(lines, 'list-id');
  const original: OriginalMessage = {
    messageId: headerValue(lines, 'message-id')?.slice(0, 998),
    to: addressList(mail.to).slice(0, 100),
    from: addressList(mail.from)[0],
    returnPath: normalizeAddress(headerValue(lines, 'return-path')),
    subject: mail.subject?.replace(/\s+/g, ' ').trim().slice(0, 998) || undefined,
    // RFC 2919 §3: the list identifier is the part in angle brackets.
    listId: listId === undefined ? undefined : (/<([^>]*)>/.exec(listId)?.[1] ?? listId).trim().slice(0, 255) || undefined,
  };
  const known = Object.entries(original).filter(([key, value]) => key !== 'to' && value !== undefined);
  if (known.length === 0 && original.to.length === 0) return undefined;
  for (const [key, value] of Object.entries(original)) if (value === undefined) delete original[key as keyof OriginalMessage];
  return original;
}
