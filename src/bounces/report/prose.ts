/**
 * Bounces that carry their status only in prose, format by format. Each recogniser reads
 * the notification text up to the quoted original (never the original itself, whose To is
 * the recipient but says nothing about a failure) and returns one recipient per address.
 */
import { findQuotedOriginal } from './original.ts';
import { cleanDiagnostic, findStatus, isPermanent, normalizeAddress } from './status.ts';
import type { ReportRecipient } from './types.ts';

export interface ProseBounce {
  format: string;
  recipients: ReportRecipient[];
}

/**
 * An address token. The lengths are bounded (RFC 5321 §4.5.3.1: 64-octet local part, 255-octet
 * domain) so a search over a long line without "@" stays linear instead of backtracking
 * from every position (a 256 kB line took minutes unbounded).
 */
const ADDRESS = String.raw`[^\s<>@,;:"()[\]]{1,64}@[^\s<>@,;:"()[\]]{1,255}`;
const MAX_PROSE_RECIPIENTS = 1000;

interface Entry {
  address: string;
  lines: string[];
}

interface Recogniser {
  format: string;
  /** Where the failure report starts (the MTA's fixed wording). */
  start: RegExp;
  /** Wording that makes the report a delay warning rather than a failure. */
  delayed?: RegExp;
  entries: (body: string) => Entry[];
}

/** Blocks that start at a line matching `head` (group 1 the address, group 2 text on the same line) and run while `more` says so. */
function entriesAt(body: string, head: RegExp, more: (line: string, first: string) => boolean): Entry[] {
  const entries: Entry[] = [];
  let current: (Entry & { first: string }) | undefined;
  for (const line of body.split(/\r?\n/)) {
    const match = head.exec(line);
    if (match) {
      current = { address: match[1]!, lines: match[2] ? [match[2]] : [], first: line };
      entries.push(current);
      if (entries.length >= MAX_PROSE_RECIPIENTS) break;
    } else if (current && more(line, current.first)) {
      if (line.trim() !== '') current.lines.push(line.trim());
    } else {
      current = undefined;
    }
  }
  return entries;
}

const indentOf = (line: string) => /^[ \t]*/.exec(line)![0].length;

/** Lines after `marker` that are only an address (Gmail, Exchange list the recipients that way). */
function addressLinesAfter(body: string, marker: RegExp): string[] {
  const start = marker.exec(body);
  if (!start) return [];
  const found: string[] = [];
  for (const line of body.slice(start.index + start[0].length).split(/\r?\n/)) {
    const only = new RegExp(String.raw`^\s*<?(${ADDRESS})>?(?:<mailto:[^>]*>)?\s*$`).exec(line);
    if (only) found.push(only[1]!);
    else if (line.trim() !== '' && found.length > 0) break;
  }
  return found;
}

/** The lines after `marker` up to the next blank line, joined (Gmail's "Technical details", "The response from the remote server was:"). */
function paragraphAfter(body: string, marker: RegExp): string | undefined {
  const start = marker.exec(body);
  if (!start) return undefined;
  const rest = body.slice(start.index + start[0].length).replace(/^[ \t]*\r?\n/, '');
  const paragraph = rest.split(/\r?\n[ \t]*\r?\n/)[0];
  return paragraph?.trim() || undefined;
}

const RECOGNISERS: readonly Recogniser[] = [
  {
    // Exim, deliver.c: "This message was created automatically by mail delivery software." …
    // "The following address(es) failed:", each address indented two spaces, its reason indented further.
    // Delay warnings (Exim's warn_message_file default): "has not yet been delivered … The address(es) to which …".
    format: 'exim',
    start: /(?:^A message that you sent (?:could not be delivered|has not yet been delivered)|The following address\(es\) failed:)/m,
    delayed: /has not yet been delivered to one or more of its\s+recipients/,
    entries: (body) =>
      entriesAt(body, new RegExp(String.raw`^ {1,3}<?(${ADDRESS})>?:?(?:\s+(.*))?$`), (line, first) => indentOf(line) > indentOf(first)),
  },
  {
    // Yahoo (a qmail descendant): "Sorry, we were unable to deliver your message to the following address."
    // then "<x@y>:" and "Remote host said: 554 …" / "554: delivery error: dd This user doesn't have a yahoo.com account".
    format: 'yahoo',
    start: /Sorry, we were unable to deliver your message to the following address/,
    entries: (body) => entriesAt(body, new RegExp(String.raw`^<(${ADDRESS})>:\s*(.*)$`), (line) => line.trim() !== ''),
  },
  {
    // qmail-send.c: "Hi. This is the qmail-send program at host." then "<x@y>:" and the reason, "(#5.1.1)".
    format: 'qmail',
    start: /Hi\. This is the qmail-send program at/,
    entries: (body) => entriesAt(body, new RegExp(String.raw`^<(${ADDRESS})>:\s*(.*)$`), (line) => line.trim() !== ''),
  },
  {
    // Postfix's bounce(8) notification text (bounce_template.c; "The Postfix program" before 2.3):
    // "<x@y>: host mx[ip] said: 550 5.1.1 … (in reply to RCPT TO command)", continued indented 4 spaces.
    // Delay notices carry "THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE."
    format: 'postfix-prose',
    start: /This is the (?:Postfix program|mail system) at host/,
    delayed: /THIS IS A WARNING ONLY/,
    entries: (body) =>
      entriesAt(body, new RegExp(String.raw`^<(${ADDRESS})>(?: \(expanded from <[^>]*>\))?:\s*(.*)$`), (line) => /^[ \t]/.test(line) && line.trim() !== ''),
  },
  {
    // Exchange 2007+ / Office 365 NDR: "Delivery has failed to these recipients or groups:" (or "… distribution lists:"),
    // under "Diagnostic information for administrators:" each address then "Remote Server returned '550 5.1.10 …'"
    // or "#550 5.2.2 STOREDRV.Deliver: … ##". Delays: "Delivery is delayed to these recipients or groups:".
    format: 'exchange',
    start: /Delivery (?:has failed|is delayed) to these recipients or (?:groups|distribution lists):/,
    delayed: /Delivery is delayed to these recipients/,
    entries: exchangeEntries,
  },
  {
    // Gmail: "** Address not found **" / "Your message wasn't delivered to x@y because …" with
    // "The response from the remote server was:", and the older "Delivery to the following recipient
    // failed permanently:" with "Technical details of permanent failure:".
    format: 'gmail',
    start: /(?:\*\* Address not found \*\*|\*\* Message not delivered \*\*|Your message wasn't delivered to|Delivery to the following recipients? (?:failed permanently|has been delayed):)/,
    delayed: /Delivery to the following recipients? has been delayed|Technical details of temporary failure/,
    entries: gmailEntries,
  },
  {
    // sendmail's plain form: "----- The following addresses had permanent fatal errors -----",
    // "<x@y>" then "(reason: 550 5.1.1 <x@y>... User unknown)".
    format: 'mailer-daemon',
    start: /-{3,} ?The following addresses had (?:permanent fatal errors|transient non-fatal errors) ?-{3,}/,
    delayed: /The following addresses had transient non-fatal errors/,
    entries: (body) =>
      entriesAt(
        body.slice(body.search(/The following addresses had/)),
        new RegExp(String.raw`^<?(${ADDRESS})>?\s*$`),
        (line) => /^\s+\(/.test(line) || /^\s+\S/.test(line),
      ),
  },
];

function exchangeEntries(body: string): Entry[] {
  const admin = /Diagnostic information for administrators:/.exec(body);
  if (admin) {
    const section = body.slice(admin.index);
    const entries = entriesAt(section, new RegExp(String.raw`^\s*<?(${ADDRESS})>?(?:<mailto:[^>]*>)?\s*$`), (line) => line.trim() !== '');
    const withReply = entries.filter((entry) => entry.lines.length > 0);
    if (withReply.length > 0) return withReply;
  }
  return addressLinesAfter(body, /Delivery (?:has failed|is delayed) to these recipients or (?:groups|distribution lists):/).map((address) => ({ address, lines: [] }));
}

function gmailEntries(body: string): Entry[] {
  const reply = paragraphAfter(body, /(?:The response (?:from the remote server )?was:|Technical details of (?:permanent|temporary) failure:)/);
  const lines = reply ? [reply] : [];
  const named = new RegExp(String.raw`Your message wasn't delivered to <?(${ADDRESS})>? because`).exec(body);
  if (named) return [{ address: named[1]!, lines }];
  return addressLinesAfter(body, /Delivery to the following recipients? (?:failed permanently|has been delayed):/).map((address) => ({ address, lines }));
}

/**
 * The bounce a notification text describes, or undefined when no recogniser finds its
 * wording AND at least one address (the caller has already checked the sender looks like a mail system).
 */
export function readProse(text: string, subject: string): ProseBounce | undefined {
  const original = findQuotedOriginal(text);
  const body = original ? text.slice(0, original.start) : text;
  for (const recogniser of RECOGNISERS) {
    const start = recogniser.start.exec(body);
    if (!start) continue;
    const delayed = recogniser.delayed?.test(body) === true || /^\s*(?:warning|delayed mail)\b/i.test(subject);
    const recipients = toRecipients(recogniser.entries(body.slice(start.index)), delayed);
    if (recipients.length > 0) return { format: recogniser.format, recipients };
  }
  return undefined;
}

/**
 * The last resort for a mail-system sender in no known format: lines naming an address
 * together with an SMTP reply code (same line or the next two). Needs both, so a chatty
 * message from a postmaster that merely mentions an address is not a bounce.
 */
export function readGenericProse(text: string, exclude: ReadonlySet<string>): ProseBounce | undefined {
  const original = findQuotedOriginal(text);
  const lines = (original ? text.slice(0, original.start) : text).split(/\r?\n/).slice(0, 2000);
  const entries: Entry[] = [];
  const pattern = new RegExp(String.raw`<?(${ADDRESS})>?`);
  lines.forEach((line, index) => {
    const match = pattern.exec(line);
    if (!match || entries.length >= MAX_PROSE_RECIPIENTS) return;
    const window = lines.slice(index, index + 3).join(' ');
    if (findStatus(window.slice(window.indexOf(match[0]) + match[0].length)) === undefined) return;
    entries.push({ address: match[1]!, lines: [window.slice(window.indexOf(match[0]) + match[0].length)] });
  });
  const recipients = toRecipients(entries, false).filter((recipient) => !exclude.has(recipient.address!.toLowerCase()));
  return recipients.length > 0 ? { format: 'mailer-daemon', recipients } : undefined;
}

function toRecipients(entries: Entry[], delayed: boolean): ReportRecipient[] {
  const byAddress = new Map<string, ReportRecipient>();
  for (const entry of entries) {
    const address = normalizeAddress(entry.address);
    if (!address || byAddress.has(address.toLowerCase())) continue;
    // sendmail wraps the reply as "(reason: 550 5.1.1 …)".
    const diagnostic = cleanDiagnostic(entry.lines.join(' ').replace(/^[-:\s]+/, '').replace(/^\(reason: (.*)\)$/, '$1'));
    const status = findStatus(entry.lines.join('\n'));
    const action = delayed ? 'delayed' : 'failed';
    const recipient: ReportRecipient = { address, action, permanent: isPermanent(status, action) };
    if (status) recipient.status = status;
    if (diagnostic) recipient.diagnostic = diagnostic;
    byAddress.set(address.toLowerCase(), recipient);
  }
  return [...byAddress.values()];
}
