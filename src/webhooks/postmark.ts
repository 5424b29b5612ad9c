import type { IncomingHttpHeaders } from 'node:http';
import { bounceKind, type FeedbackItem, type FeedbackMessage } from '../audience/index.ts';
import { contentId, header, isBase64, isObject, parseJson, sameSecret, str, type Json } from './request.ts';
import { WebhookError, type ProviderHandler, type Verified, type WebhookRequest } from './types.ts';

/**
 * Postmark's bounce and spam complaint webhooks. Postmark signs nothing: the webhook URL carries
 * basic auth (https://user:pass@host/webhooks/postmark), checked here in constant time.
 * Payloads: https://postmarkapp.com/developer/webhooks/bounce-webhook and
 * https://postmarkapp.com/developer/webhooks/spam-complaint-webhook; bounce types:
 * https://postmarkapp.com/developer/api/bounce-api#bounce-types
 */
const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="newsletter webhooks"' };

/**
 * Bounce `Type` → what it means for the subscriber, from Postmark's table of bounce types
 * (https://postmarkapp.com/developer/api/bounce-api#bounce-types: type, code, "name — description").
 * Any type not here is recorded as ignored.
 */
const KINDS = new Map<string, FeedbackItem['kind']>([
  // 1 "Hard bounce — unable to deliver (ex: unknown user, mailbox not found)".
  ['HardBounce', 'hard'],
  // 100000 "Invalid email address — The address is not a valid email address": it can never be delivered.
  ['BadEmailAddress', 'hard'],
  // 4096 "Soft bounce — Unable to temporarily deliver message (mailbox full, account disabled…)".
  ['SoftBounce', 'soft'],
  // 256 "DNS error — A temporary DNS error".
  ['DnsError', 'soft'],
  // 2 "Message delayed (or Undeliverable) — could not temporarily deliver (ex: network troubles)": still being tried.
  ['Transient', 'delayed'],
  // 100006 "ISP block — Blocked from this ISP due to content or blacklisting"; 100009 the receiver's DMARC policy;
  // 512 "Spam notification — delivered, but blocked by the user, or classified as spam, bulk mail, or had
  // rejected content" (the receiving side's filter, not the subscriber's complaint: that is SpamComplaint);
  // 8192 "Virus notification — a warning about a virus/code infected message": all about our message, not the address.
  ['Blocked', 'sender'],
  ['DMARCPolicy', 'sender'],
  ['SpamNotification', 'sender'],
  ['VirusNotification', 'sender'],
  // 64 "Auto responder (ex: Out of Office)"; 16384 "Spam challenge verification — a challenge asking for
  // verification you actually sent the email": a machine's answer, as the bounces reader treats them.
  ['AutoResponder', 'auto-reply'],
  ['ChallengeVerification', 'auto-reply'],
  // 100001 "Spam complaint — The subscriber explicitly marked this message as spam".
  ['SpamComplaint', 'complaint'],
  // Left ignored: 16 Unsubscribe (a request written back to the bounce address: the subscriber can use the
  // List-Unsubscribe link, and a bounce record is no proof of who asked), 32 Subscribe, 128 AddressChange,
  // 1024 OpenRelayTest, 2048 Unknown, 100002 ManuallyDeactivated (deactivated by hand in Postmark, with no
  // reason given), 100003 Unconfirmed, 100007 SMTPApiError, 100008 InboundError, 100010 TemplateRenderingFailed.
]);

export function postmarkHandler(config: { user: string; password: string }): ProviderHandler {
  const authorize = (headers: IncomingHttpHeaders) => checkBasicAuth(headers, config);
  return {
    precheck: authorize,
    verify(request: WebhookRequest): Promise<Verified> {
      authorize(request.headers);
      const record = parseJson(exactIds(request.body), 'a Postmark webhook');
      if (!isObject(record)) throw new WebhookError(400, 'Postmark body is not an object');
      const message = messageOf(record);
      return Promise.resolve({ messages: message ? [message] : [] });
    },
  };
}

/**
 * Postmark's IDs are 64-bit integers (its examples show 4323372036854775807): past 2^53 JSON.parse
 * rounds them, and two bounces would share a ledger id, the second taken for a duplicate. The
 * digits are kept as a string. An unescaped `"ID":` can only be a key inside JSON text.
 */
function exactIds(body: Buffer): string {
  return body.toString('utf8').replace(/"ID"(\s*):(\s*)(-?\d+)(?=\s*[,}])/g, '"ID"$1:$2"$3"');
}

function checkBasicAuth(headers: IncomingHttpHeaders, expected: { user: string; password: string }): void {
  const value = header(headers, 'authorization') ?? '';
  const match = /^Basic\s+(\S+)\s*$/i.exec(value);
  if (!match || !isBase64(match[1]!)) throw new WebhookError(401, 'no basic auth (put user:password in the webhook URL given to Postmark)', CHALLENGE);
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon === -1 ? decoded : decoded.slice(0, colon);
  const password = colon === -1 ? '' : decoded.slice(colon + 1);
  // Both compared, always: which one is wrong is not told by the time taken.
  const userOk = sameSecret(user, expected.user);
  const passwordOk = sameSecret(password, expected.password);
  if (!userOk || !passwordOk) throw new WebhookError(401, 'wrong basic auth user or password', CHALLENGE);
}

/** Bounce and SpamComplaint records; Delivery, Open, Click, SubscriptionChange are not recorded. */
function messageOf(record: Json): FeedbackMessage | undefined {
  const recordType = str(record.RecordType, 40);
  if (recordType !== 'Bounce' && recordType !== 'SpamComplaint') return undefined;
  const type = recordType === 'SpamComplaint' ? 'SpamComplaint' : (str(record.Type, 40) ?? '');
  const details = str(record.Details);
  const item: FeedbackItem = {
    kind: kindOf(type, details),
    email: str(record.Email, 320),
    status: /\b[245]\.\d{1,3}\.\d{1,3}\b/.exec(details ?? '')?.[0],
    detail: [type, str(record.Description), details].filter(Boolean).join(': '),
  };
  return { id: `postmark:${str(record.ID, 100) ?? contentId(record)}`, source: 'webhook:postmark', items: [item] };
}

function kindOf(type: string, details: string | undefined): FeedbackItem['kind'] {
  const kind = KINDS.get(type) ?? 'ignored';
  // A "hard" bounce whose words are about a policy block or a spam filter is about us, not the address.
  if (kind === 'hard' && bounceKind(undefined, details) === 'sender') return 'sender';
  return kind;
}
