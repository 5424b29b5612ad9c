import { verify, X509Certificate, type KeyObject } from 'node:crypto';
import type { FeedbackMessage } from '../audience/index.ts';
import { header, isBase64, isObject, oneLine, parseJson, quoted, str, type Json } from './request.ts';
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
 * the TopicArn is ours, the Timestamp is within an hour, the SigningCertURL is
 * https://sns.<region>.amazonaws.com/SimpleNotificationService-<hex>.pem (403, nothing fetched);
 * then the signature against the certificate's key (403): SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA.
 */
type SesConfig = NonNullable<WebhookConfig['ses']>;

/**
 * SNS's endpoint in a region: sns.us-east-1.amazonaws.com, sns.us-gov-west-1.amazonaws.com,
 * sns.cn-north-1.amazonaws.com.cn (https://docs.aws.amazon.com/general/latest/gr/sns.html).
 * The region's shape is spelled out: a looser `sns\.[a-z0-9-]+\.` also takes sns.s3.amazonaws.com and
 * sns.s3-ap-southeast-2.amazonaws.com, the S3 virtual hosts of anyone's bucket named "sns", where a
 * forger could put a certificate of their own.
 */
export const SNS_HOST = /^sns\.[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d\.amazonaws\.com(\.cn)?$/;
/** The signing certificate's path, as every SigningCertURL SNS sends has it (the docs' examples: SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem). */
const CERTIFICATE_PATH = /^\/SimpleNotificationService-[0-9a-f]{1,64}\.pem$/;
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
  const host = config.certificateHost ?? SNS_HOST;
  const confirm = config.confirmSubscription ?? getOverHttps;

  return {
    async verify(request: WebhookRequest): Promise<Verified> {
      const message = parseJson(request.body, 'an SNS message');
      if (!isObject(message) || typeof message.Type !== 'string' || !TYPES.has(message.Type)) throw new WebhookError(400, 'not an SNS message (no known Type)');
      const said = header(request.headers, 'x-amz-sns-message-type');
      if (said !== undefined && said !== message.Type) throw new WebhookError(400, `x-amz-sns-message-type ${quoted(said)} does not match the body's Type ${message.Type}`);
      const signature = signatureOf(message);
      if (typeof message.TopicArn !== 'string' || !config.topicArns.includes(message.TopicArn)) throw new WebhookError(403, `SNS topic ${quoted(message.TopicArn)} is not one of SES_SNS_TOPIC_ARN`);
      const sent = typeof message.Timestamp === 'string' ? Date.parse(message.Timestamp) : NaN;
      if (!Number.isFinite(sent) || Math.abs(now() - sent) > MAX_AGE_MS) throw new WebhookError(403, 'SNS Timestamp is more than an hour away (a replay, or a wrong clock)');
      const certUrl = certificateUrl(signature.certUrl, host);
      if (!certUrl) throw new WebhookError(403, 'SigningCertURL is not https://sns.<region>.amazonaws.com/SimpleNotificationService-….pem; not fetched');
      const key = await certificates.get(certUrl, now());
      if (!verify(signature.algorithm, Buffer.from(stringToSign(message), 'utf8'), key, signature.bytes)) throw new WebhookError(403, 'SNS signature does not match');
      return afterVerified(message, host, confirm);
    },
  };
}

function signatureOf(message: Json): { algorithm: string; bytes: Buffer; certUrl: string } {
  const { Signature, SignatureVersion, SigningCertURL } = message;
  if (typeof Signature !== 'string' || typeof SigningCertURL !== 'string' || SignatureVersion === undefined) throw new WebhookError(401, 'SNS message without Signature, SignatureVersion or SigningCertURL');
  const version = str(SignatureVersion, 10);
  const algorithm = version === undefined ? undefined : ALGORITHMS.get(version);
  if (!algorithm) throw new WebhookError(401, `unknown SNS SignatureVersion ${quoted(SignatureVersion, 20)}`);
  if (!isBase64(Signature)) throw new WebhookError(401, 'SNS Signature is not base64');
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

async function afterVerified(message: Json, host: RegExp, confirm: (url: string) => Promise<void>): Promise<Verified> {
  const topic = String(message.TopicArn);
  if (message.Type === 'SubscriptionConfirmation') {
    const url = subscribeUrl(message.SubscribeURL, host);
    if (!url) throw new WebhookError(403, 'SubscribeURL is not https://sns.<region>.amazonaws.com/?Action=ConfirmSubscription…; not visited');
    try {
      await confirm(url);
    } catch (cause) {
      // 5xx: SNS sends the confirmation again.
      throw new WebhookError(503, `could not confirm the subscription to ${topic}: ${oneLine((cause as Error).message)}`);
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

/**
 * The SigningCertURL to fetch (normalised), or undefined: https on an SNS host, the default port, no
 * user or password, the path SNS's certificates have, no query or fragment.
 */
export function certificateUrl(value: unknown, host: RegExp = SNS_HOST): string | undefined {
  const url = snsUrl(value, host);
  return url && CERTIFICATE_PATH.test(url.pathname) && !url.search && !url.hash ? url.href : undefined;
}

/** The SubscribeURL to visit, or undefined: as above, at the root, with Action=ConfirmSubscription. */
export function subscribeUrl(value: unknown, host: RegExp = SNS_HOST): string | undefined {
  const url = snsUrl(value, host);
  return url && url.pathname === '/' && url.searchParams.get('Action') === 'ConfirmSubscription' && !url.hash ? url.href : undefined;
}

/** https on `host`, nothing else in the authority: a user name or a port is refused, not just ignored. */
function snsUrl(value: unknown, host: RegExp): URL | undefined {
  if (typeof value !== 'string' || value.length > 2000) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const plainAuthority = !url.username && !url.password && !url.port;
  return url.protocol === 'https:' && plainAuthority && host.test(url.hostname) ? url : undefined;
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
      throw new WebhookError(503, `could not fetch the SNS signing certificate: ${oneLine((cause as Error).message)}`);
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
