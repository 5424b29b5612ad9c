import type { RateLine, RateStatus } from './types.ts';

/**
 * The thresholds the rates are shown against, each with where it comes from.
 *
 * Complaints: Gmail's sender guidelines (https://support.google.com/a/answer/81126, "Requirements
 * for sending 5,000 or more messages per day") ask to keep the spam rate reported in Postmaster
 * Tools below 0.10 % and to avoid ever reaching 0.30 %; Yahoo's sender best practices
 * (https://senders.yahooinc.com/best-practices/) ask to keep it below 0.3 %. So: aim 0.1 %, limit 0.3 %.
 * Their rate is measured by them, on mail delivered to their users' inboxes; ours is the complaints
 * that came back (feedback loops, ESP webhooks) over the messages sent: an estimate, and Gmail
 * sends no per-message complaint reports, so its own figure is only in Postmaster Tools.
 *
 * Hard bounces: neither Gmail nor Yahoo publishes a bounce-rate figure. "Under 2 %" is the
 * common guidance of ESPs and deliverability writers, shown as the limit with no aim; it is not
 * a mailbox provider's rule. Measured over the deliveries attempted (sent + failed permanently),
 * counting the refusals the send itself suppressed as well as the bounces reported after (format.ts
 * HARD_BOUNCE_RULE): a send refused at RCPT for 10 % of its list has a 10 % bounce rate, not 0.
 *
 * Unsubscribes: no threshold; the rate is shown for comparison between issues.
 */
export const THRESHOLDS = {
  complaint: { aim: 0.001, limit: 0.003, source: 'Gmail: keep under 0.1 %, never reach 0.3 %; Yahoo: keep under 0.3 %' },
  hardBounce: { aim: null, limit: 0.02, source: 'common guidance; Gmail and Yahoo publish no bounce-rate figure' },
} as const;

export function rate(count: number, sent: number, threshold?: { aim: number | null; limit: number }): RateLine {
  const value = sent > 0 ? count / sent : null;
  return { value, status: value === null || !threshold ? null : statusOf(value, threshold), aim: threshold?.aim ?? null, limit: threshold?.limit ?? null };
}

/** "Keep under X": at X it is no longer under it. */
function statusOf(value: number, { aim, limit }: { aim: number | null; limit: number }): RateStatus {
  if (value >= limit) return 'over';
  if (aim !== null && value >= aim) return 'warn';
  return 'ok';
}
