import { createHmac, timingSafeEqual } from 'node:crypto';
import { bounceKind, type FeedbackItem, type FeedbackMessage } from '../audience/index.ts';
import { isFresh, isObject, issueFromMessageId, parseJson, str, type Json } from './request.ts';
import { WebhookError, type ProviderHandler, type Verified, type WebhookRequest } from './types.ts';

/**
 * Mailgun webhooks (API v3, JSON body): `{ signature: { timestamp, token, signature }, 'event-data': … }`.
 * https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
 * The signature is the hex HMAC-SHA256 of timestamp + token under the webhook signing key; an event
 * of a subaccount also carries `parent-signature`, the same under the primary account's key: either
 * one matching is enough, so the primary's key verifies every subaccount too.
 * Events: https://documentation.mailgun.com/docs/mailgun/user-manual/events/event-types
 *
 * Replays. The signature does not cover the event (HTTPS does), so a captured signature could carry
 * any event-data while its timestamp is fresh (10 minutes). Each token is therefore remembered, once
 * its request is recorded, with the ledger id of the event it carried: the same token again with the
 * same event is a resend (Mailgun's retry after our 200 was lost in transit) and is answered 200, a
 * duplicate, by the ledger, which dedupes by id; the same token with another event is a replay and
 * is refused (403). A 403 to a resend would make Mailgun retry for 8 hours.
 */
const MAX_AGE_SECONDS = 10 * 60;
/** Bounded memory: tokens of the last ten minutes, at most this many (the oldest go first). */
const MAX_TOKENS = 50_000;

interface Signed {
  timestamp: string;
  token: string;
  /** `signature`, then `parent-signature` when there is one: 32 bytes each. */
  signatures: Buffer[];
}

export function mailgunHandler(config: { signingKey: string }, now: () => number = Date.now): ProviderHandler {
  const seen = new TokenMemory();
  return {
    verify(request: WebhookRequest): Promise<Verified> {
      const body = parseJson(request.body, 'a Mailgun webhook');
      if (!isObject(body)) throw new WebhookError(400, 'Mailgun body is not an object');
      const signed = signatureOf(body.signature);
      if (!isFresh(Number(signed.timestamp), MAX_AGE_SECONDS, now())) throw new WebhookError(403, 'Mailgun timestamp is more than 10 minutes away (a replay, or a wrong clock)');
      if (!signatureMatches(config.signingKey, signed)) throw new WebhookError(403, 'Mailgun signature does not match');
      const message = isObject(body['event-data']) ? messageOf(body['event-data'], signed.token) : undefined;
      // '' for an event not recorded (delivered, opened…): its resend carries none either.
      const id = message?.id ?? '';
      if (seen.replayed(signed.token, id, now())) throw new WebhookError(403, 'Mailgun token seen before with another event (a replay)');
      return Promise.resolve({ messages: message ? [message] : [], accepted: () => seen.add(signed.token, id, Number(signed.timestamp), now()) });
    },
  };
}

function signatureOf(value: unknown): Signed {
  if (!isObject(value)) throw new WebhookError(401, 'Mailgun body has no signature');
  const { timestamp, token, signature } = value;
  const parent = value['parent-signature'];
  const text = typeof timestamp === 'number' ? String(timestamp) : timestamp;
  if (typeof text !== 'string' || typeof token !== 'string' || typeof signature !== 'string') throw new WebhookError(401, 'Mailgun signature lacks timestamp, token or signature');
  const hex = (s: unknown): s is string => typeof s === 'string' && /^[0-9a-f]{64}$/i.test(s);
  if (!/^\d{1,12}$/.test(text) || !hex(signature) || (parent !== undefined && !hex(parent)) || token.length === 0 || token.length > 200) throw new WebhookError(401, 'Mailgun signature is garbled');
  const signatures = [signature, ...(parent === undefined ? [] : [parent])].map((s) => Buffer.from(s, 'hex'));
  return { timestamp: text, token, signatures };
}

/** Does `signature` or `parent-signature` match? Each one compared in constant time, and both always compared. */
function signatureMatches(key: string, { timestamp, token, signatures }: Signed): boolean {
  const expected = createHmac('sha256', key).update(timestamp + token).digest();
  let matches = false;
  for (const signature of signatures) matches = timingSafeEqual(expected, signature) || matches;
  return matches;
}

function messageOf(event: Json, token: string): FeedbackMessage | undefined {
  const kind = kindOf(event);
  if (!kind) return undefined;
  const status = isObject(event['delivery-status']) ? event['delivery-status'] : {};
  const message = isObject(event.message) && isObject(event.message.headers) ? event.message.headers : {};
  const item: FeedbackItem = {
    kind,
    email: str(event.recipient, 320),
    issue: issueFromMessageId(message['message-id']),
    status: statusOf(status),
    detail: [str(event.severity, 20), str(event.reason, 40), str(status.message) ?? str(status.description)].filter(Boolean).join(': '),
  };
  return { id: eventId(event, token), source: 'webhook:mailgun', items: [item] };
}

/**
 * The ledger id: Mailgun's event id is unique "within a day" only and the ledger is forever, so the
 * event's own timestamp goes with it (both are the same in every retry of the webhook). Without an
 * id, the token stands in (unique per webhook request, and the same in its resend).
 */
function eventId(event: Json, token: string): string {
  const id = str(event.id, 200);
  if (!id) return `mailgun:${token}`;
  const timestamp = str(event.timestamp, 30);
  return timestamp ? `mailgun:${id}:${timestamp}` : `mailgun:${id}`;
}

/**
 * Mailgun's own suppression lists (reason suppress-*: it did not send): what the list says the
 * address did before. A bounce there was a hard bounce (Mailgun lists permanent failures only) and
 * will never be delivered; a complaint is one; an unsubscribe on Mailgun's side is not ours to apply.
 */
const SUPPRESSED = new Map<string, FeedbackItem['kind']>([
  ['suppress-bounce', 'hard'],
  ['suppress-complaint', 'complaint'],
  ['suppress-unsubscribe', 'ignored'],
]);

function kindOf(event: Json): FeedbackItem['kind'] | undefined {
  if (event.event === 'complained') return 'complaint';
  if (event.event !== 'failed') return undefined;
  const reason = str(event.reason, 40);
  if (reason?.startsWith('suppress-')) return SUPPRESSED.get(reason) ?? 'ignored';
  // A temporary failure is one delivery attempt that Mailgun will retry, each retry its own event
  // (a new id): counted as soft bounces, three greylisted retries of one message would suppress the
  // address. Only the permanent failure, once Mailgun gives up, says something about the address.
  if (event.severity !== 'permanent') return 'delayed';
  const status = isObject(event['delivery-status']) ? event['delivery-status'] : {};
  return bounceKind(statusOf(status), str(status.message) ?? str(status.description));
}

/** The RFC 3463 status: the enhanced code when Mailgun has one, else the SMTP reply's class ("550" → "5.0.0"). */
function statusOf(status: Json): string | undefined {
  const enhanced = str(status['enhanced-code'], 20);
  if (enhanced && /^[245]\.\d{1,3}\.\d{1,3}$/.test(enhanced)) return enhanced;
  const klass = /^([245])\d\d$/.exec(str(status.code, 10) ?? '')?.[1];
  return klass ? `${klass}.0.0` : undefined;
}

/** Tokens recorded, each with the ledger id of the event it carried, until its timestamp is stale. */
class TokenMemory {
  readonly #tokens = new Map<string, { id: string; sent: number }>();

  /** Was this token recorded, while fresh, with another event than `id`? */
  replayed(token: string, id: string, now: number): boolean {
    const seen = this.#tokens.get(token);
    return seen !== undefined && isFresh(seen.sent, MAX_AGE_SECONDS, now) && seen.id !== id;
  }

  add(token: string, id: string, timestamp: number, now: number): void {
    this.#prune(now);
    if (this.#tokens.size >= MAX_TOKENS) this.#tokens.delete(this.#tokens.keys().next().value!);
    this.#tokens.set(token, { id, sent: timestamp });
  }

  /** Drop the stale ones from the front (insertion order is near enough to time order). */
  #prune(now: number): void {
    for (const [token, { sent }] of this.#tokens) {
      if (isFresh(sent, MAX_AGE_SECONDS, now)) break;
      this.#tokens.delete(token);
    }
  }
}
