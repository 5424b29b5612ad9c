/**
 * What one message from a bounce mailbox is: a bounce (DSN or prose), a complaint (ARF),
 * an auto-reply, or unknown with the reason. Pure: no I/O besides parsing, never throws.
 */
import type { ParsedMail } from 'mailparser';
import { FEEDBACK_REPORT_TYPE, readFeedbackReport } from './arf.ts';
import { autoReplyFormat } from './auto-reply.ts';
import { DELIVERY_STATUS_TYPES, readDeliveryStatus } from './dsn.ts';
import { findQuotedOriginal, ORIGINAL_TYPES, readOriginal } from './original.ts';
import { deliveredTo, headerValue, MAX_MESSAGE_BYTES, notificationText, parseMail, partsOfType, sender } from './parts.ts';
import { readGenericProse, readProse, type ProseBounce } from './prose.ts';
import { normalizeAddress } from './status.ts';
import type { ClassifiedMessage, OriginalMessage, ReportRecipient } from './types.ts';

type Envelope = Pick<ClassifiedMessage, 'messageId' | 'deliveredTo'>;

export async function classifyMessage(raw: Buffer): Promise<ClassifiedMessage> {
  if (!Buffer.isBuffer(raw)) return unknown({ deliveredTo: [] }, 'not a Buffer');
  if (raw.length > MAX_MESSAGE_BYTES) {
    return unknown({ deliveredTo: [] }, `message is ${raw.length} bytes, over the ${MAX_MESSAGE_BYTES / 1024 / 1024} MB limit: not parsed`);
  }
  let mail: ParsedMail;
  try {
    mail = await parseMail(raw);
  } catch (error) {
    return unknown({ deliveredTo: [] }, `MIME could not be parsed: ${oneLine(error)}`);
  }
  try {
    return await classifyParsed(mail);
  } catch (error) {
    // Defence in depth: a classifier bug on hostile input is an unknown message, never a crash.
    return unknown({ deliveredTo: [] }, `could not be classified: ${oneLine(error)}`);
  }
}

async function classifyParsed(mail: ParsedMail): Promise<ClassifiedMessage> {
  const envelope: Envelope = { deliveredTo: deliveredTo(mail) };
  const messageId = headerValue(mail.headerLines, 'message-id')?.slice(0, 998);
  if (messageId) envelope.messageId = messageId;

  // A report part decides first: DSNs and ARF reports carry Auto-Submitted too (RFC 3834 §7).
  const feedback = partsOfType(mail, [FEEDBACK_REPORT_TYPE])[0];
  if (feedback) return complaint(mail, envelope, feedback.content);
  const status = partsOfType(mail, DELIVERY_STATUS_TYPES)[0];
  if (status) {
    const dsn = await deliveryStatusNotification(mail, envelope, status.content);
    if (dsn) return dsn;
  }

  const text = notificationText(mail);
  const subject = mail.subject ?? '';
  const noStatusRecipients = 'delivery-status part without recipient fields, and no recognised bounce wording';
  const autoReply = autoReplyFormat(mail);
  const mailSystem = mailSystemSign(mail, autoReply !== undefined);
  if (mailSystem) {
    const prose = readProse(text, subject) ?? readGenericProse(text, ownAddresses(mail, envelope));
    if (prose) return { kind: 'bounce', format: prose.format, ...envelope, recipients: prose.recipients, ...(await originalOf(mail, text)) };
    // MTAs mark their bounces Auto-Submitted too (RFC 3834 §7): one we cannot read is listed as unknown, not ignored as an auto-reply.
    if (mailSystem === 'sender' && autoReply !== 'challenge-response') {
      return unknown(envelope, status ? noStatusRecipients : 'from a mail system, but no recipient with a reply code or known bounce wording found');
    }
  }
  if (autoReply) return { kind: 'auto-reply', format: autoReply, ...envelope, recipients: [], ...(await originalOf(mail, text)) };
  return unknown(envelope, status ? noStatusRecipients : 'no delivery-status or feedback-report part and no recognised bounce wording');
}

async function deliveryStatusNotification(mail: ParsedMail, envelope: Envelope, content: Buffer): Promise<ClassifiedMessage | undefined> {
  const { recipients, note } = readDeliveryStatus(content);
  if (recipients.length === 0) return undefined;
  // The structured fields win; the prose only fills a diagnostic the DSN left out.
  const text = notificationText(mail);
  fillFromProse(recipients, readProse(text, mail.subject ?? ''));
  const result: ClassifiedMessage = { kind: 'bounce', format: 'dsn', ...envelope, recipients, ...(await originalOf(mail, text)) };
  if (note) result.reason = note;
  return result;
}

function fillFromProse(recipients: ReportRecipient[], prose: ProseBounce | undefined): void {
  if (!prose) return;
  const byAddress = new Map(prose.recipients.map((recipient) => [recipient.address?.toLowerCase(), recipient]));
  for (const recipient of recipients) {
    const match = byAddress.get(recipient.address?.toLowerCase());
    if (match?.diagnostic && !recipient.diagnostic) recipient.diagnostic = match.diagnostic;
  }
}

/**
 * ARF (RFC 5965). The complained address: Original-Rcpt-To, else Removal-Recipient, else
 * the original's To. Yahoo, Microsoft JMRP and AOL redact it: then it stays unknown and
 * `original` (Message-ID, Return-Path with our VERP token, List-Id) is what identifies it.
 */
async function complaint(mail: ParsedMail, envelope: Envelope, content: Buffer): Promise<ClassifiedMessage> {
  const report = readFeedbackReport(content);
  const original = await originalOf(mail, notificationText(mail));
  const base = { format: 'arf', ...envelope, ...original, ...(report.feedbackType ? { feedbackType: report.feedbackType } : {}) };
  if (!report.complaint) {
    const why = report.feedbackType === 'not-spam' ? 'not-spam report' : report.feedbackType ? `feedback type "${report.feedbackType}" is not a complaint` : 'feedback report without a Feedback-Type';
    return { kind: 'unknown', ...base, recipients: [], reason: why };
  }
  const address = report.recipient ?? firstUnredacted(original.original?.to ?? []);
  return { kind: 'complaint', ...base, recipients: [{ ...(address ? { address } : {}), permanent: true }] };
}

/** Redactors replace the recipient with a placeholder ("redacted@…", "xxxxx@…"); such a placeholder names nobody. */
function firstUnredacted(addresses: string[]): string | undefined {
  return addresses.find((address) => !/^(?:redacted|[x*]+|\[?email(?: address)?\]?|undisclosed[-_ ]recipients?)@/i.test(address));
}

/**
 * A strong sign the sender is a mail system (the brief's rule: only then is prose read as a
 * bounce): MAILER-DAEMON / postmaster / "Mail Delivery Subsystem|System" (RFC 5321 §4.5.1,
 * sendmail, Postfix, Exim, Gmail), a bounce subject, or an empty Return-Path (RFC 5321
 * §4.5.5) — the last not when the message also wears auto-reply headers, which RFC 3834 §3.3
 * sends with an empty return path too.
 */
function mailSystemSign(mail: ParsedMail, autoReply: boolean): 'sender' | 'return-path' | undefined {
  const from = sender(mail);
  const local = from.address.split('@')[0] ?? '';
  if (/^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon|mdaemon)$/i.test(local)) return 'sender';
  if (/\bmail delivery (?:subsystem|system|service)\b|\bmailer[- ]daemon\b/i.test(from.name)) return 'sender';
  if (BOUNCE_SUBJECT.test(mail.subject ?? '')) return 'sender';
  const returnPath = headerValue(mail.headerLines, 'return-path');
  return !autoReply && returnPath !== undefined && /^<?\s*(?:MAILER-DAEMON)?\s*>?$/i.test(returnPath) ? 'return-path' : undefined;
}

/** Subjects MTAs give their notifications (Postfix, Exim, sendmail, qmail/Yahoo, Exchange, Gmail, Domino, GMX). */
const BOUNCE_SUBJECT =
  /^\s*(?:undelivered mail returned to sender|undeliver(?:ed|able)(?: mail| message)?\b|mail delivery failed|returned mail\b|failure notice|delivery status notification|delivery failure|non[- ]?delivery|delivery has failed|warning: message .* delayed|delayed mail|mail system error|message not delivered|delivery notification: delivery has failed)/i;

/** Our own addresses on the report (its To, Delivered-To, From), never taken for a failed recipient. */
function ownAddresses(mail: ParsedMail, envelope: Envelope): Set<string> {
  const own = new Set(envelope.deliveredTo);
  const from = normalizeAddress(sender(mail).address);
  if (from) own.add(from.toLowerCase());
  return own;
}

/** The original's headers: an attached copy first, else the block quoted after a prose marker. */
async function originalOf(mail: ParsedMail, text: string): Promise<{ original?: OriginalMessage }> {
  for (const part of partsOfType(mail, ORIGINAL_TYPES)) {
    const original = await readOriginal(part.content);
    if (original) return { original };
  }
  const quoted = findQuotedOriginal(text);
  const original = quoted ? await readOriginal(text.slice(quoted.end)) : undefined;
  return original ? { original } : {};
}

function unknown(envelope: Envelope, reason: string): ClassifiedMessage {
  return { kind: 'unknown', format: 'unknown', ...envelope, recipients: [], reason };
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 200);
}
