import { bounceKind, type FeedbackItem } from '../audience/index.ts';
import { isObject, issueFromMessageId, list, str, type Json } from './request.ts';

/**
 * An SES notification (the `Message` of an SNS Notification) as feedback items.
 * Fields: https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html
 * (`notificationType`, or `eventType` with event publishing; `bounce`, `complaint`, `mail`).
 * Delivery, Send, Open, Click… are not recorded: they would only bloat the ledger.
 */
export function sesItems(message: unknown): FeedbackItem[] {
  if (!isObject(message)) return [];
  const type = str(message.notificationType) ?? str(message.eventType);
  const issue = issueOf(message.mail);
  if (type === 'Bounce' && isObject(message.bounce)) return bounceItems(message.bounce, issue);
  if (type === 'Complaint' && isObject(message.complaint)) return complaintItems(message.complaint, issue);
  return [];
}

// bounceSubType values (the "Bounce types" table of the page above). SES did not send to an address on
// its own suppression lists: Suppressed is the global list, "a recent history of bouncing as an invalid
// address"; OnAccountSuppressionList is the account's list, reported as a Permanent bounce when the
// address is listed for a bounce (listed for a complaint, SES sends a Complaint with complaintSubType
// OnAccountSuppressionList instead). Either way SES will never deliver to it: hard, as Mailgun's
// suppress-bounce and SendGrid's "Bounced Address" drops are. NoEmail says the address does not
// exist; the rest of these are about our message.
const SUPPRESSED_SUBTYPES = new Set(['Suppressed', 'OnAccountSuppressionList']);
const SENDER_SUBTYPES = new Set(['MessageTooLarge', 'ContentRejected', 'AttachmentRejected']);

function bounceItems(bounce: Json, issue: string | undefined): FeedbackItem[] {
  const type = str(bounce.bounceType);
  const subType = str(bounce.bounceSubType);
  return list(bounce.bouncedRecipients).filter(isObject).map((recipient) => {
    const status = str(recipient.status, 20);
    const diagnostic = str(recipient.diagnosticCode);
    return {
      kind: sesBounceKind(type, subType, status, diagnostic),
      email: str(recipient.emailAddress, 320),
      issue,
      status,
      detail: [`${type ?? 'Bounce'}/${subType ?? '?'}`, diagnostic].filter(Boolean).join(': '),
    };
  });
}

function sesBounceKind(type: string | undefined, subType: string | undefined, status: string | undefined, diagnostic: string | undefined): FeedbackItem['kind'] {
  const byText = bounceKind(status, diagnostic);
  if (type === 'Permanent') {
    if (subType && SUPPRESSED_SUBTYPES.has(subType)) return 'hard';
    if (byText === 'sender' || (subType && SENDER_SUBTYPES.has(subType))) return 'sender';
    return subType === 'NoEmail' ? 'hard' : byText;
  }
  // Transient (mailbox full, too large, content rejected) or Undetermined: never an address that is gone.
  if (type === 'Transient' && (byText === 'sender' || (subType && SENDER_SUBTYPES.has(subType)))) return 'sender';
  return 'soft';
}

function complaintItems(complaint: Json, issue: string | undefined): FeedbackItem[] {
  const feedbackType = str(complaint.complaintFeedbackType, 40);
  // A "not-spam" report (RFC 5965 feedback type) is the opposite of a complaint. complaintSubType
  // OnAccountSuppressionList (not sent: listed for an earlier complaint) stays a complaint.
  const kind = feedbackType === 'not-spam' ? 'ignored' : 'complaint';
  return list(complaint.complainedRecipients).filter(isObject).map((recipient) => ({
    kind,
    email: str(recipient.emailAddress, 320),
    issue,
    detail: feedbackType ? `feedback type ${feedbackType}` : undefined,
  }));
}

/** Our issue from the original Message-ID in `mail.headers` (SES rewrites the one it sends) or `mail.commonHeaders`. */
function issueOf(mail: unknown): string | undefined {
  if (!isObject(mail)) return undefined;
  for (const h of list(mail.headers, 200)) {
    if (isObject(h) && str(h.name, 40)?.toLowerCase() === 'message-id') {
      const issue = issueFromMessageId(h.value);
      if (issue) return issue;
    }
  }
  return isObject(mail.commonHeaders) ? issueFromMessageId(mail.commonHeaders.messageId) : undefined;
}
