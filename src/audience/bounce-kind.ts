/**
 * What a failed delivery reported after the send (a DSN, an ESP event) means
 * for the subscriber, from its RFC 3463 status and the server's words:
 *
 *   hard    the address is gone: suppress it now;
 *   soft    transient or unclear: counted, and N of them in D days suppress;
 *   sender  the receiver refused us (spam filter, policy, blocklist, SPF/DKIM/DMARC,
 *           message too big): never held against the subscriber, fixed on our side.
 */
export type BounceKind = 'hard' | 'soft' | 'sender';

// RFC 3463 enhanced codes that say the address itself is bad or gone:
// 5.1.1 no such mailbox, 5.1.2 bad domain, 5.1.3 bad syntax, 5.1.6 moved, 5.1.10 null MX (RFC 7505), 5.2.1 disabled.
// 5.2.2 (mailbox full) is not a hard bounce: RFC 3463 calls it usually transient, though Gmail answers
// "552 5.2.2 … over quota" as permanent. Shared with the send's own reply classification.
export const HARD_BOUNCE_STATUS: ReadonlySet<string> = new Set(['5.1.1', '5.1.2', '5.1.3', '5.1.6', '5.1.10', '5.2.1']);
export const HARD_BOUNCE_TEXT = /user unknown|unknown user|no such (user|mailbox)|mailbox (does not exist|not found|unavailable)|recipient (address )?rejected|does not exist/i;

/**
 * The receiver speaking about us, not the address: RFC 3463 X.7.X (security/policy), X.3.4 (message too
 * big), X.6.X (media), and wording for blocklists, spam filters and authentication (Gmail's 5.7.26,
 * Microsoft's 5.7.606-649, Yahoo's "TSS04", Spamhaus).
 */
const SENDER_TEXT = /\b(dmarc|spf|dkim)\b|unauthenticated|blocked using|block.?list|black.?list|spamhaus|\bspam\b|policy|reputation|not accepted|rejected for policy|message (is )?too (big|large)|size limit|content rejected|banned|\bts[s]?0\d\b/i;

/** hard / soft / sender for one failed recipient. `status` "5.1.1"; `diagnostic` the server's reply line. */
export function bounceKind(status: string | undefined, diagnostic: string | undefined): BounceKind {
  const text = diagnostic ?? '';
  const code = status ?? /\b([245])\.\d{1,3}\.\d{1,3}\b/.exec(text)?.[0];
  const [klass, subject, detail] = (code ?? '').split('.');
  // Class 4 is transient whatever the words say (RFC 3463 §3.1).
  if (klass === '4') return SENDER_TEXT.test(text) && subject === '7' ? 'sender' : 'soft';
  if (code && HARD_BOUNCE_STATUS.has(code)) return 'hard';
  if (subject === '7' || (subject === '3' && detail === '4') || subject === '6' || SENDER_TEXT.test(text)) return 'sender';
  // 5.0.0 or none: only unmistakable wording about the mailbox makes it hard.
  if ((klass === '5' || !code) && (subject === undefined || subject === '0') && HARD_BOUNCE_TEXT.test(text)) return 'hard';
  return 'soft';
}
