import { verify, X509Certificate, type KeyObject } from 'node:crypto';
import type { FeedbackMessage } from '../audience/index.ts';
import { header, isObject, parseJson, str, type Json } from './request.ts';
import { sesItems } from './ses.ts';
import { WebhookError, type ProviderHandler, type Verified, type WebhookConfig, type WebhookRequest } from './types.ts';

/**
 * Amazon SES bounces and complaints, delivered by SNS over HTTPS.
 *
 * Verified by hand, following https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 * (and the HTTP/HTTPS JSON formats, https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html):
 * AWS's `sns-validator` npm package is unmaintained since 2024, and fetches certificates over
 * https only, with no injection point for a test certificate served on 127.0.0.1.
 *
 * Checked in this order, the cheap ones before any network traffic: a signature is there (401),
 * the TopicArn is ours, the Timestamp is within an hour, the SigningCertURL is https on
 * sns.<region>.amazonaws.com (403, nothing fetched); then the signature against the
 * certificate's key (403): SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA.
 */
type SesConfig = NonNullable<WebhookConfig['ses']>;

const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
/** SNS retries a failed HTTP delivery within seconds to minutes (its default delivery policy); an older message is a replay. */
const MAX_AGE_MS = 60 * 60 * 1000;
const FETCH_TIMEOUT_MS = 5000;
const MAX_CERTIFICATE_BYTES = 16 * 1024;

const TYPES = new Set(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']);
// The string to sign: each "Name\nvalue\n", in this order (Subject only when present).
const NOTIFICATION_FIELDS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'];
const CONFIRMATION_FIELDS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
const ALGORITHMS = new Map([['1', 'sha1'], ['2', 'sha256']]);

export function snsHandler(config: SesConfig, now: () => number = Date.now): ProviderHandler {
  const certificates = new CertificateCache(config.fetchCertificate ?? fetchOverHttps);
  const hostOk = (url: URL) => url.protocol === 'https:' && (config.certificateHost ?? SNS_HOST).test(url.hostname);
  const confirm = config.confirmSubscription ?? getOverHttps;

  return {
    async verify(request: WebhookRequest): Promise<Verified> {
      const message = parseJson(request.body, 'an SNS message');
      if (!isObject(message) || typeof message.Type !== 'string' || !TYPES.has(message.Type)) throw new WebhookError(400, 'not an SNS message (no known Type)');
      const said = header(request.headers, 'x-amz-sns-message-type');
      if (said !== undefined && said !== message.Type) throw new WebhookError(400, `x-amz-sns-message-type ${said} does not match the body's Type ${message.Type}`);
      const signature = signatureOf(message);
      if (typeof message.TopicArn !== 'string' || !config.topicArns.includes(message.TopicArn)) throw new WebhookError(403, `SNS topic ${str(message.TopicArn, 200) ?? '(none)'} is not one of SES_SNS_TOPIC_ARN`);
      const sent = typeof message.Timestamp === 'string' ? Date.parse(message.Timestamp) : NaN;
      if (!Number.isFinite(sent) || Math.abs(now() - sent) > MAX_AGE_MS) throw new WebhookError(403, 'SNS Timestamp is more than an hour away (a replay, or a wrong clock)');
      const certUrl = safeUrl(signature.certUrl);
      if (!certUrl || !hostOk(certUrl)) throw new WebhookError(403, 'SigningCertURL is not https on an SNS host; not fetched');
      const key = await certificates.get(certUrl.href, now());
      if (!verify(signature.algorithm, Buffer.from(stringToSign(message), 'utf8'), key, signature.bytes)) throw new WebhookError(403, 'SNS signature does not match');
      return afterVerified(message, hostOk, confirm);
    },
  };
}

function signatureOf(message: Json): { algorithm: string; bytes: Buffer; certUrl: string } {
  const { Signature, SignatureVersion, SigningCertURL } = message;
  if (typeof Signature !== 'string' || typeof SigningCertURL !== 'string' || SignatureVersion === undefined) throw new WebhookError(401, 'SNS message without Signature, SignatureVersion or SigningCertURL');
  const version = str(SignatureVersion, 10);
  const algorithm = version === undefined ? undefined : ALGORITHMS.get(version);
  if (!algorithm) throw new WebhookError(401, `unknown SNS SignatureVersion ${version ?? '(not a string)'}`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(Signature)) throw new WebhookError(401, 'SNS Signature is not base64');
  return { algorithm, bytes: Buffer.from(Signature, 'base64'), certUrl: SigningCertURL };
}

function stringToSign(message: Json): string {
  const fields = message.Type === 'Notification' ? NOTIFICATION_FIELDS : CONFIRMATION_FIELDS;
  let text = '';
  for (const name of fields) {
    const value = message[name];
    if (typeof value === 'string') text += `${name}\n${value}\n`;
  }
  return text;
}

async function afterVerified(message: Json, hostOk: (url: URL) => boolean, confirm: (url: string) => Promise<void>): Promise<Verified> {
  const topic = String(message.TopicArn);
  if (message.Type === 'SubscriptionConfirmation') {
    const url = safeUrl(message.SubscribeURL);
    if (!url || !hostOk(url)) throw new WebhookError(403, 'SubscribeURL is not https on an SNS host; not visited');
    try {
      await confirm(url.href);
    } catch (cause) {
      // 5xx: SNS sends the confirmation again.
      throw new WebhookError(503, `could not confirm the subscription to ${topic}: ${(cause as Error).message}`);
    }
    return { messages: [], note: `confirmed the SNS subscription to ${topic}` };
  }
  if (message.Type === 'UnsubscribeConfirmation') return { messages: [], note: `SNS says the subscription to ${topic} was removed; nothing done` };
  if (typeof message.MessageId !== 'string' || !message.MessageId) throw new WebhookError(400, 'SNS Notification without MessageId');
  const items = sesItems(parseInner(message.Message));
  const messages: FeedbackMessage[] = items.length ? [{ id: `ses:${message.MessageId.slice(0, 200)}`, source: 'webhook:ses', items }] : [];
  return { messages };
}

function parseInner(text: unknown): unknown {
  try {
    return typeof text === 'string' ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

function safeUrl(value: unknown): URL | undefined {
  try {
    return typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    return undefined;
  }
}

/** Signing certificates by URL: SNS signs every message with one of a few, rotated rarely. */
class CertificateCache {
  static readonly MAX = 16;
  readonly #keys = new Map<string, Promise<X509Certificate>>();

  constructor(private readonly fetchPem: (url: string) => Promise<string>) {}

  async get(url: string, now: number): Promise<KeyObject> {
    let pending = this.#keys.get(url);
    if (!pending) {
      pending = this.#load(url);
      if (this.#keys.size >= CertificateCache.MAX) this.#keys.delete(this.#keys.keys().next().value!);
      this.#keys.set(url, pending);
      // A failure is not remembered: the next message tries again.
      pending.catch(() => this.#keys.delete(url));
    }
    const certificate = await pending;
    const from = Date.parse(certificate.validFrom);
    const to = Date.parse(certificate.validTo);
    if (now < from || now > to) throw new WebhookError(403, `the SNS signing certificate is not valid now (${certificate.validFrom} to ${certificate.validTo})`);
    return certificate.publicKey;
  }

  async #load(url: string): Promise<X509Certificate> {
    let pem: string;
    try {
      pem = await this.fetchPem(url);
    } catch (cause) {
      // 5xx: SNS retries the delivery; the certificate may be reachable then.
      throw new WebhookError(503, `could not fetch the SNS signing certificate: ${(cause as Error).message}`);
    }
    try {
      return new X509Certificate(pem);
    } catch {
      throw new WebhookError(403, 'SigningCertURL does not hold a certificate');
    }
  }
}

/** GET over https, 5 s at most, no redirects, at most 16 kB: the certificate's PEM. */
async function fetchOverHttps(url: string): Promise<string> {
  const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.length;
    if (size > MAX_CERTIFICATE_BYTES) {
      await reader.cancel();
      throw new Error(`more than ${MAX_CERTIFICATE_BYTES} bytes`);
    }
    chunks.push(read.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Visit SubscribeURL (the answer's body, an XML receipt, is not needed). */
async function getOverHttps(url: string): Promise<void> {
  const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
}
