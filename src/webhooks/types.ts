import type { IncomingHttpHeaders } from 'node:http';
import type { FeedbackMessage } from '../audience/index.ts';

export const WEBHOOK_PROVIDERS = ['ses', 'sendgrid', 'mailgun', 'postmark'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

/** What each route verifies with; a provider absent here has its route off (404 with a hint). */
export interface WebhookConfig {
  ses?: {
    /** The SNS topics SES publishes to; a message from any other topic is refused. */
    topicArns: string[];
    /**
     * Tests only: the host name SigningCertURL and SubscribeURL must have (default sns.<region>.amazonaws.com).
     * Everything else about them is checked as in production: https, no user, no port, the path.
     */
    certificateHost?: RegExp;
    /** Tests only: fetch the signing certificate (PEM) at this URL (default: over https, 5 s, cached by URL). */
    fetchCertificate?: (url: string) => Promise<string>;
    /** Tests only: visit a SubscriptionConfirmation's SubscribeURL (default: GET over https, 5 s). */
    confirmSubscription?: (url: string) => Promise<void>;
  };
  /** SendGrid's "Verification Key": base64 DER (SPKI) of an ECDSA P-256 key, or PEM. */
  sendgrid?: { publicKey: string };
  /** Mailgun's "HTTP webhook signing key". */
  mailgun?: { signingKey: string };
  /** The basic auth the webhook URL given to Postmark carries (https://user:pass@host/webhooks/postmark). */
  postmark?: { user: string; password: string };
}

/** Each provider as a person would name it, for the CLI's list of routes. */
export const WEBHOOK_NAMES: Record<WebhookProvider, string> = {
  ses: 'Amazon SES (SNS)',
  sendgrid: 'SendGrid',
  mailgun: 'Mailgun',
  postmark: 'Postmark',
};

/** The environment variable that turns each route on, for the 404 hint (the CLI reads them; see src/config/env.ts). */
export const WEBHOOK_ENV: Record<WebhookProvider, string> = {
  ses: 'SES_SNS_TOPIC_ARN',
  sendgrid: 'SENDGRID_WEBHOOK_PUBLIC_KEY',
  mailgun: 'MAILGUN_WEBHOOK_SIGNING_KEY',
  postmark: 'POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD',
};

/** Told to the server's onEvent, for the CLI log. */
export type WebhookEvent =
  | { kind: 'webhook'; provider: WebhookProvider; recorded: number; duplicates: number; note?: string }
  | { kind: 'refused'; status: number; reason: string; provider?: WebhookProvider }
  | { kind: 'error'; error: unknown; provider?: WebhookProvider };

/** A request as the verifiers see it: the headers and the raw body bytes, exactly as received. */
export interface WebhookRequest {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What a verified request asks for. */
export interface Verified {
  /** One per event id, to record in the ledger. */
  messages: FeedbackMessage[];
  /** Said in the log (a confirmed SNS subscription). */
  note?: string;
  /** Run once the messages are recorded (Mailgun: remember the token, so a replay is refused). */
  accepted?: () => void;
}

/** One provider: checks on the headers alone first (before the body is read), then the whole request. */
export interface ProviderHandler {
  precheck?(headers: IncomingHttpHeaders): void;
  verify(request: WebhookRequest): Promise<Verified>;
}

/**
 * A request answered with something other than 200: 401 missing or garbled credentials, 403 a wrong
 * signature, topic or stale timestamp, 400 a body that is not what the provider sends, 413 too big;
 * 5xx when the ESP should retry (a certificate that could not be fetched).
 */
export class WebhookError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}
