/**
 * RFC 5965 Abuse Reporting Format: the message/feedback-report part of a
 * multipart/report; report-type=feedback-report.
 */
import { field, parseFieldBlocks } from './fields.ts';
import { normalizeAddress } from './status.ts';

export const FEEDBACK_REPORT_TYPE = 'message/feedback-report';

/**
 * Feedback types that mean "the recipient does not want this mail" — a complaint.
 * abuse, fraud, virus, other: RFC 5965 §7.3. Left out on purpose: not-spam (RFC 6430, the
 * opposite of a complaint) and auth-failure (RFC 6591, a report on our authentication, not
 * about a recipient); those and unregistered types are 'unknown' with a reason.
 */
const COMPLAINT_TYPES = new Set(['abuse', 'fraud', 'virus', 'other']);

export interface FeedbackReport {
  feedbackType?: string;
  /** Original-Rcpt-To (RFC 5965 §3.2, the first one), else Removal-Recipient (§3.3). Often redacted by Yahoo, Microsoft JMRP and AOL. */
  recipient?: string;
  /** Whether the feedback type is a complaint against the recipient's address. */
  complaint: boolean;
}

export function readFeedbackReport(content: Buffer): FeedbackReport {
  const text = content.subarray(0, 256 * 1024).toString('utf8');
  const block = parseFieldBlocks(text, 1).blocks[0] ?? new Map<string, string[]>();
  const feedbackType = field(block, 'feedback-type')?.split(/[\s;(]/)[0]?.toLowerCase();
  const recipient = normalizeAddress(field(block, 'original-rcpt-to')) ?? normalizeAddress(field(block, 'removal-recipient'));
  return {
    ...(feedbackType ? { feedbackType } : {}),
    ...(recipient ? { recipient } : {}),
    complaint: feedbackType !== undefined && COMPLAINT_TYPES.has(feedbackType),
  };
}
