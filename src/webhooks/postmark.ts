import type { IncomingHttpHeaders } from 'node:http';
import { bounceKind, type FeedbackItem, type FeedbackMessage } from '../audience/index.ts';
import { contentId, header, isObject, parseJson, sameSecret, str, type Json } from './request.ts';
import { WebhookError, type ProviderHandler, type Verified, type WebhookRequest } from './types.ts';

/**
 * Postmark's bounce and spam complaint webhooks. Postmark signs nothing: the webhook URL carries
 * basic auth (https://user:pass@host/webhooks/postmark), checked here in constant time.
 * Payloads: https://postmarkapp.com/developer/webhooks/bounce-webhook and
 * https://postmarkapp.com/developer/webhooks/spam-complaint-webhook; bounce types:
 * https://postmarkapp.com/developer/api/bounce-api#bounce-types
 */
const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="newsletter webhooks"' };

/** Bounce `Type` → what it means for the subscriber; any type not here is recorded as ignored. */
const KINDS = new Map<string, FeedbackItem['kind']>([
  ['HardBounce', 'hard'],
  ['SoftBounce', 'soft'],
  ['Transient', 'soft'],
  ['DnsError', 'soft'],
  // Refused for its content or our reputation, or by the receiver's DMARC policy: about us, not the address.
  ['Blocked', 'sender'],
  ['DMARCPolicy', 'sender'],
  ['AutoResponder', 'auto-reply'],
  ['SpamNotification', 'complaint'],
  ['SpamComplaint', 'complaint'],
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
  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(value);
  if (!match) throw new WebhookError(401, 'no basic auth (put user:password in the webhook URL given to Postmark)', CHALLENGE);
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
