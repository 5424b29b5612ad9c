import type { IncomingMessage } from 'node:http';
import type { FeedbackRecorder } from '../audience/index.ts';
import { mailgunHandler } from './mailgun.ts';
import { postmarkHandler } from './postmark.ts';
import { oneLine, readRawBody, WEBHOOK_BODY_LIMITS } from './request.ts';
import { sendgridHandler } from './sendgrid.ts';
import { snsHandler } from './sns.ts';
import { WEBHOOK_ENV, WEBHOOK_PROVIDERS, WebhookError, type ProviderHandler, type WebhookConfig, type WebhookEvent, type WebhookProvider } from './types.ts';

/** What the server answers: a status, a one-line text body, extra headers, and the event to log. */
export interface WebhookAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
  event: WebhookEvent;
}

export interface WebhookReceiver {
  /** Answer one POST to /…/webhooks/<provider>: verify, record every event once, say what happened. Never throws. */
  receive(provider: WebhookProvider, req: IncomingMessage, feedback: FeedbackRecorder | undefined): Promise<WebhookAnswer>;
}

// Provider names are plain lowercase words, so they go into the pattern as they are.
const ROUTE = new RegExp(`/webhooks/(${WEBHOOK_PROVIDERS.join('|')})/?$`);
const isProvider = (name: string | undefined): name is WebhookProvider => (WEBHOOK_PROVIDERS as readonly (string | undefined)[]).includes(name);

/** The provider a path is for: it ends in /webhooks/<provider> (whatever prefix a proxy adds). */
export function webhookRoute(pathname: string): WebhookProvider | undefined {
  const name = ROUTE.exec(pathname)?.[1];
  return isProvider(name) ? name : undefined;
}

/** Is any provider configured (so the server needs the feedback ledger)? */
export const anyWebhook = (config: WebhookConfig = {}) => Boolean(config.ses ?? config.sendgrid ?? config.mailgun ?? config.postmark);

/** Set up each configured provider once (keys parsed, caches made); a bad SendGrid key throws ECONFIG here, at start. */
export function createWebhookReceiver(config: WebhookConfig = {}, now: () => number = Date.now): WebhookReceiver {
  const handlers: Partial<Record<WebhookProvider, ProviderHandler>> = {
    ...(config.ses ? { ses: snsHandler(config.ses, now) } : {}),
    ...(config.sendgrid ? { sendgrid: sendgridHandler(config.sendgrid, now) } : {}),
    ...(config.mailgun ? { mailgun: mailgunHandler(config.mailgun, now) } : {}),
    ...(config.postmark ? { postmark: postmarkHandler(config.postmark) } : {}),
  };
  return {
    async receive(provider, req, feedback) {
      try {
        const handler = handlers[provider];
        if (!handler) throw new WebhookError(404, `${provider} webhooks are not configured: set ${WEBHOOK_ENV[provider]} to turn this route on`);
        if (req.method !== 'POST') throw new WebhookError(405, `${provider} webhooks are POSTed`, { Allow: 'POST' });
        if (!feedback) throw new Error('a webhook route is on without a feedback ledger to record in');
        return await receiveVerified(provider, handler, req, feedback);
      } catch (error) {
        // Whatever was not read of a refused body is drained (bounded by the server's request timeout).
        if (!req.readableEnded) req.resume();
        return failureAnswer(provider, error);
      }
    },
  };
}

async function receiveVerified(provider: WebhookProvider, handler: ProviderHandler, req: IncomingMessage, feedback: FeedbackRecorder): Promise<WebhookAnswer> {
  // Missing credentials are refused before the body is read, and a body bigger than the provider sends before it is verified.
  handler.precheck?.(req.headers);
  const verified = await handler.verify({ headers: req.headers, body: await readRawBody(req, WEBHOOK_BODY_LIMITS[provider]) });
  let recorded = 0;
  let duplicates = 0;
  // One at a time, in order: a failure stops here and answers 500, and the ESP's retry finds the
  // ones before it already recorded (duplicates, applied nothing twice).
  for (const message of verified.messages) {
    const result = await feedback.record(message);
    if (result.duplicate) duplicates++;
    else recorded++;
  }
  verified.accepted?.();
  const event: WebhookEvent = { kind: 'webhook', provider, recorded, duplicates, ...(verified.note ? { note: verified.note } : {}) };
  return { status: 200, body: `ok: ${recorded} recorded, ${duplicates} already recorded\n`, headers: {}, event };
}

function failureAnswer(provider: WebhookProvider, error: unknown): WebhookAnswer {
  if (error instanceof WebhookError && error.status < 500) {
    // The reason may quote what the request sent: one line, whatever it held (the log and the answer alike).
    const reason = oneLine(error.message);
    return { status: error.status, body: `${reason}\n`, headers: error.headers, event: { kind: 'refused', status: error.status, reason: `${provider} webhook: ${reason}`, provider } };
  }
  // A store failure (disk full, a read-only state folder) or an unreachable certificate: 5xx, so the ESP retries.
  const status = error instanceof WebhookError ? error.status : 500;
  return { status, body: 'Could not record the events; please retry.\n', headers: {}, event: { kind: 'error', error, provider } };
}
