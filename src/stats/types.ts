/**
 * What `newsletter stats` reports, and the shape `--json` prints (stable keys, numbers as numbers,
 * times as ISO strings or null, rates as fractions: 0.0025 is 0.25 %):
 *
 * {
 *   "stateDir": ".newsletter",
 *   "issues": [{
 *     "slug": "2026-03-01-x", "number": 3 | null, "subject": "…" | null, "file": "content/issues/…md" | null,
 *     "firstSentAt": ISO | null, "lastSentAt": ISO | null,
 *     "lists": [{ "list": "subscribers.csv", "journal": ".newsletter/…journal.jsonl", "runs": 2, "firstSentAt", "lastSentAt", "delivery": Delivery }],
 *     "delivery": Delivery,          // the lists added up
 *     "feedback": Feedback,          // from the feedback ledger, attributed to this issue
 *     "unsubscribed": 4,             // from suppression.csv, attributed to this issue
 *     "rates": { "complaint": Rate, "hardBounce": Rate, "unsubscribe": Rate }
 *       // complaint   = feedback.complaint / delivery.sent
 *       // hardBounce  = (delivery.failed.hardBounce + feedback.hard) / (delivery.sent + delivery.failed.permanent)
 *       //               the hard bounces the send saw plus those reported after, over the deliveries attempted
 *       // unsubscribe = unsubscribed / delivery.sent
 *   }],
 *   "notAttributed": { "feedback": Feedback, "unsubscribed": 1 },
 *   "problems": 0                    // damaged lines skipped (each reported on stderr)
 * }
 * Delivery = { "addresses", "sent", "failed": { "total", "permanent", "transient", "hardBounce" },
 *              (hardBounce: of the permanent ones, those the send suppressed as hard bounces: a `suppress` record)
 *              "skipped": { "total", "byReason": { "suppressed": 3, "status unsubscribed": 1, "invalid": 1, … } },
 *              "pending": { "total", "retry", "inFlight" } }
 * Feedback = { "hard", "soft", "sender", "complaint", "autoReply", "delayed" }   (addresses, each counted once per issue and kind;
 *              only items with an address, and hard/soft/complaint ones only when applied (action not "none");
 *              "hard" leaves out addresses already in delivery.failed.hardBounce of the same issue)
 * Rate     = { "value": fraction | null (nothing sent), "status": "ok" | "warn" | "over" | null, "aim": fraction | null, "limit": fraction | null }
 */

/** Each address's final state in a journal (the last record wins), counted. */
export interface DeliveryCounts {
  /** Addresses with any record. Never-tried addresses of the list have none, so they are not here. */
  addresses: number;
  sent: number;
  /** `hardBounce`: of the permanent failures, those the send also recorded to suppress (a hard bounce at send time, e.g. 550 5.1.1 at RCPT). */
  failed: { total: number; permanent: number; transient: number; hardBounce: number };
  /** By the reason the record gives: "suppressed", "status unsubscribed", "invalid", … */
  skipped: { total: number; byReason: Record<string, number> };
  /** Never finished, the run can resume: waiting for a retry, or handed to the server with no outcome recorded. */
  pending: { total: number; retry: number; inFlight: number };
}

/**
 * Feedback-ledger findings, in addresses (an address reported twice for the same issue and kind counts once).
 * `hard` leaves out the addresses the send already counted in delivery.failed.hardBounce for the issue.
 */
export interface FeedbackCounts {
  hard: number;
  soft: number;
  /** The receiver refused the sender (policy, blocklist, authentication): not the subscriber's fault. */
  sender: number;
  complaint: number;
  autoReply: number;
  delayed: number;
}

export type RateStatus = 'ok' | 'warn' | 'over';

export interface RateLine {
  /** A fraction (0.003 = 0.3 %); null when nothing was sent. */
  value: number | null;
  /** ok: under the aim (or the limit when there is no aim); warn: at or over the aim; over: at or over the limit; null: no threshold or no value. */
  status: RateStatus | null;
  aim: number | null;
  limit: number | null;
}

export interface ListStats {
  /** The list as the send was given it (from the journal's run records; the journal's name part without one). */
  list: string;
  journal: string;
  runs: number;
  firstSentAt: string | null;
  lastSentAt: string | null;
  delivery: DeliveryCounts;
}

export interface IssueStats {
  slug: string;
  number: number | null;
  subject: string | null;
  file: string | null;
  firstSentAt: string | null;
  lastSentAt: string | null;
  lists: ListStats[];
  delivery: DeliveryCounts;
  feedback: FeedbackCounts;
  unsubscribed: number;
  rates: { complaint: RateLine; hardBounce: RateLine; unsubscribe: RateLine };
}

export interface StatsReport {
  stateDir: string;
  issues: IssueStats[];
  notAttributed: { feedback: FeedbackCounts; unsubscribed: number };
  problems: number;
}

export const emptyDelivery = (): DeliveryCounts => ({
  addresses: 0,
  sent: 0,
  failed: { total: 0, permanent: 0, transient: 0, hardBounce: 0 },
  skipped: { total: 0, byReason: {} },
  pending: { total: 0, retry: 0, inFlight: 0 },
});

export const emptyFeedback = (): FeedbackCounts => ({ hard: 0, soft: 0, sender: 0, complaint: 0, autoReply: 0, delayed: 0 });

/** Add `b` into `a`. */
export function addDelivery(a: DeliveryCounts, b: DeliveryCounts): void {
  a.addresses += b.addresses;
  a.sent += b.sent;
  a.failed.total += b.failed.total;
  a.failed.permanent += b.failed.permanent;
  a.failed.transient += b.failed.transient;
  a.failed.hardBounce += b.failed.hardBounce;
  a.skipped.total += b.skipped.total;
  for (const [why, n] of Object.entries(b.skipped.byReason)) a.skipped.byReason[why] = (a.skipped.byReason[why] ?? 0) + n;
  a.pending.total += b.pending.total;
  a.pending.retry += b.pending.retry;
  a.pending.inFlight += b.pending.inFlight;
}
