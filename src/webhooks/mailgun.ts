import { createHmac, timingSafeEqual } from 'node:crypto';
import { bounceKind, type FeedbackItem, type FeedbackMessage } from '../audience/index.ts';
import { isFresh, isObject, issueFromMessageId, parseJson, str, type Json } from './request.ts';
import { WebhookError, type ProviderHandler, type Verified, type WebhookRequest } from './types.ts';

/**
 * Mailgun webhooks (API v3, JSON body): `{ signature: { timestamp, token, signature }, 'event-data': … }`.
 * https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
 * The signature is the hex HMAC-SHA256 of timestamp + token under the webhook signing key (it does
 * not cover the event itself: HTTPS does).
 * A token seen before is a replay (refused, 403): remembered once its request was recorded, for as
 * long as its timestamp is fresh; older ones are refused by the timestamp anyway.
 * Events: https://documentation.mailgun.com/docs/mailgun/user-manual/events/event-types
 */
const MAX_AGE_SECONDS = 10 * 60;
/** Bounded memory: tokens of the last ten minutes, at most this many (the oldest go first). */
const MAX_TOKENS = 50_000;

export function mailgunHandler(config: { signingKey: string }, now: () => number = Date.now): ProviderHandler {
  const seen = new TokenMemory();
  return {
    verify(request: WebhookRequest): Promise<Verified> {
      const body = parseJson(request.body, 'a Mailgun webhook');
      if (!isObject(body)) throw new WebhookError(400, 'Mailgun body is not an object');
      const { timestamp, token, signature } = signatureOf(body.signature);
      if (!isFresh(Number(timestamp), MAX_AGE_SECONDS, now())) throw new WebhookError(403, 'Mailgun timestamp is more than 10 minutes away (a replay, or a wrong clock)');
      const expected = createHmac('sha256', config.signingKey).update(timestamp + token).digest();
      if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) throw new WebhookError(403, 'Mailgun signature does not match');
      if (seen.has(token, now())) throw new WebhookError(403, 'Mailgun token seen before (a replay)');
      const message = isObject(body['event-data']) ? messageOf(body['event-data'], token) : undefined;
      return Promise.resolve({ messages: message ? [message] : [], accepted: () => seen.add(token, Number(timestamp), now()) });
    },
  };
}

function signatureOf(value: unknown): { timestamp: string; token: string; signature: string } {
  if (!isObject(value)) throw new WebhookError(401, 'Mailgun body has no signature');
  const { timestamp, token, signature } = value;
  const text = typeof timestamp === 'number' ? String(timestamp) : timestamp;
  if (typeof text !== 'string' || typeof token !== 'string' || typeof signature !== 'string') throw new WebhookError(401, 'Mailgun signature lacks timestamp, token or signature');
  if (!/^\d{1,12}$/.test(text) || !/^[0-9a-f]{64}$/i.test(signature) || token.length === 0 || token.length > 200) throw new WebhookError(401, 'Mailgun signature is garbled');
  return { timestamp: text, token, signature };
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
  // event-data.id is Mailgun's event id; without one, the token stands in (unique per webhook request).
  return { id: `mailgun:${str(event.id, 200) ?? token}`, source: 'webhook:mailgun', items: [item] };
}

function kindOf(event: Json): FeedbackItem['kind'] | undefined {
  if (event.event === 'complained') return 'complaint';
  if (event.event !== 'failed') return undefined;
  // suppress-bounce / suppress-complaint / suppress-unsubscribe: Mailgun did not send (its own lists).
  if (str(event.reason, 40)?.startsWith('suppress-')) return 'ignored';
  const status = isObject(event['delivery-status']) ? event['delivery-status'] : {};
  const kind = bounceKind(statusOf(status), str(status.message) ?? str(status.description));
  if (event.severity === 'permanent') return kind;
  return kind === 'sender' ? 'sender' : 'soft';
}

/** The RFC 3463 status: the enhanced code when Mailgun has one, else the SMTP reply's class ("550" → "5.0.0"). */
function statusOf(status: Json): string | undefined {
  const enhanced = str(status['enhanced-code'], 20);
  if (enhanced && /^[245]\.\d{1,3}\.\d{1,3}$/.test(enhanced)) return enhanced;
  const klass = /^([245])\d\d$/.exec(str(status.code, 10) ?? '')?.[1];
  return klass ? `${klass}.0.0` : undefined;
}

/** Tokens recorded, each until its timestamp is stale. */
class TokenMemory {
  readonly #tokens = new Map<string, number>();

  has(token: string, now: number): boolean {
    const sent = this.#tokens.get(token);
    return sent !== undefined && isFresh(sent, MAX_AGE_SECONDS, now);
  }

  add(token: string, timestamp: number, now: number): void {
    this.#prune(now);
    if (this.#tokens.size >= MAX_TOKENS) this.#tokens.delete(this.#tokens.keys().next().value!);
    this.#tokens.set(token, timestamp);
  }

  /** Drop the stale ones from the front (insertion order is near enough to time order). */
  #prune(now: number): void {
    for (const [token, sent] of this.#tokens) {
      if (isFresh(sent, MAX_AGE_SECONDS, now)) break;
      this.#tokens.delete(token);
    }
  }
}
