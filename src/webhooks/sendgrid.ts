import { verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { bounceKind, type FeedbackItem, type FeedbackMessage } from '../audience/index.ts';
import { ecPublicKey } from '../config/index.ts';
import { NewsletterError } from '../errors.ts';
import { contentId, header, isBase64, isFresh, isObject, issueFromMessageId, parseJson, str, type Json } from './request.ts';
import { WebhookError, type ProviderHandler, type Verified, type WebhookRequest } from './types.ts';

/**
 * SendGrid's signed Event Webhook:
 * https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
 * ECDSA P-256 with SHA-256 over the timestamp header followed by the raw body bytes, exactly as
 * received (verified before the JSON is parsed); the signature is base64 DER.
 * Events: https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event
 */
const SIGNATURE = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';
/** SendGrid documents no window; ten minutes refuses a replay and allows a skewed clock. */
const MAX_AGE_SECONDS = 10 * 60;

export function sendgridHandler(config: { publicKey: string }, now: () => number = Date.now): ProviderHandler {
  const key = publicKeyOf(config.publicKey);
  return {
    precheck: (headers) => void credentials(headers),
    verify(request: WebhookRequest): Promise<Verified> {
      const { signature, timestamp } = credentials(request.headers);
      if (!isFresh(Number(timestamp), MAX_AGE_SECONDS, now())) throw new WebhookError(403, 'SendGrid timestamp is more than 10 minutes away (a replay, or a wrong clock)');
      if (!signatureMatches(key, timestamp, request.body, signature)) throw new WebhookError(403, 'SendGrid signature does not match');
      const events = parseJson(request.body, 'a JSON array of SendGrid events');
      if (!Array.isArray(events)) throw new WebhookError(400, 'SendGrid body is not an array of events');
      return Promise.resolve({ messages: events.filter(isObject).flatMap((event) => messageOf(event) ?? []) });
    },
  };
}

function publicKeyOf(text: string): KeyObject {
  const key = ecPublicKey(text.trim());
  if (key) return key;
  throw new NewsletterError('ECONFIG', 'SENDGRID_WEBHOOK_PUBLIC_KEY is not an ECDSA public key', {
    where: 'SENDGRID_WEBHOOK_PUBLIC_KEY',
    fix: 'Paste the "Verification Key" SendGrid shows under Mail Settings → Event Webhook → Signed Event Webhook (base64, or PEM).',
  });
}

function credentials(headers: IncomingHttpHeaders): { signature: Buffer; timestamp: string } {
  const signature = header(headers, SIGNATURE)?.trim();
  const timestamp = header(headers, TIMESTAMP)?.trim();
  if (!signature || !timestamp) throw new WebhookError(401, 'no X-Twilio-Email-Event-Webhook-Signature / -Timestamp headers (is "Signed Event Webhook Requests" on?)');
  if (!isBase64(signature) || !/^\d{1,12}$/.test(timestamp)) throw new WebhookError(401, 'SendGrid signature or timestamp header is garbled');
  return { signature: Buffer.from(signature, 'base64'), timestamp };
}

function signatureMatches(key: KeyObject, timestamp: string, body: Buffer, signature: Buffer): boolean {
  try {
    return verify('sha256', Buffer.concat([Buffer.from(timestamp, 'utf8'), body]), { key, dsaEncoding: 'der' }, signature);
  } catch {
    // Bytes that are not a DER signature at all.
    return false;
  }
}

/**
 * A drop's reason names the SendGrid list the address is on (https://docs.sendgrid.com/glossary/drops):
 * "Bounced Address" a previous bounce (SendGrid lists hard bounces; the address will never be
 * delivered), "Spam Reporting Address" a previous complaint. Anything else (Unsubscribed Address,
 * Invalid, Spam Content, Invalid SMTPAPI header…) says nothing we should apply.
 */
const DROPPED = new Map<string, FeedbackItem['kind']>([
  ['Bounced Address', 'hard'],
  ['Spam Reporting Address', 'complaint'],
]);

/** Only failures and complaints are recorded; delivered, deferred, open, click… would only bloat the ledger. */
function messageOf(event: Json): FeedbackMessage | undefined {
  const kind = kindOf(event);
  if (!kind) return undefined;
  const item: FeedbackItem = {
    kind,
    email: str(event.email, 320),
    issue: issueFromMessageId(event['smtp-id']),
    status: str(event.status, 20),
    detail: [str(event.event, 20), str(event.type, 20), str(event.bounce_classification, 60), str(event.reason)].filter(Boolean).join(': '),
  };
  // Older dropped events carry no sg_event_id: the event's own content stands in, the same on a retry.
  const id = str(event.sg_event_id, 200) ?? contentId(event);
  return { id: `sendgrid:${id}`, source: 'webhook:sendgrid', items: [item] };
}

function kindOf(event: Json): FeedbackItem['kind'] | undefined {
  switch (event.event) {
    case 'bounce': {
      const kind = bounceKind(str(event.status, 20), str(event.reason));
      // type "blocked": the receiver refused the message for now (a policy, reputation, a full mailbox).
      return event.type === 'blocked' ? (kind === 'sender' ? 'sender' : 'soft') : kind;
    }
    case 'dropped':
      // SendGrid never tried: the address is on one of its suppression lists, or the message was invalid.
      return DROPPED.get(str(event.reason, 60) ?? '') ?? 'ignored';
    case 'spamreport':
      return 'complaint';
    default:
      return undefined;
  }
}
