import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { WebhookError, type WebhookProvider } from './types.ts';

/** SendGrid batches events: up to about 1 MB a POST. Anything bigger is refused (413), never buffered. */
export const MAX_WEBHOOK_BODY = 1024 * 1024;

/**
 * Each provider's own limit, checked before anything is verified (an unauthenticated request is not
 * buffered past what its ESP could send): an SNS message is at most 256 KB
 * (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html), plus its envelope; Mailgun and
 * Postmark post one event a request; SendGrid batches up to about 1 MB.
 */
export const WEBHOOK_BODY_LIMITS: Readonly<Record<WebhookProvider, number>> = {
  ses: 300 * 1024,
  sendgrid: MAX_WEBHOOK_BODY,
  mailgun: 256 * 1024,
  postmark: 256 * 1024,
};

/** The raw body, at most `limit` bytes (413 beyond, from the Content-Length before anything is read). */
export async function readRawBody(req: IncomingMessage, limit = MAX_WEBHOOK_BODY): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

const tooLarge = (limit: number) => new WebhookError(413, `request body over ${limit} bytes`, { Connection: 'close' });

/** One header's value (the first, when repeated). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The body as JSON, or 400: nothing an ESP sends is anything else. */
export function parseJson(body: Buffer | string, what: string): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as unknown;
  } catch {
    throw new WebhookError(400, `body is not JSON (expected ${what})`);
  }
}

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A string field, bounded (a hostile payload may send megabytes in any field); numbers as their text. */
export function str(value: unknown, max = 1000): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value === '') return undefined;
  return value.length > max ? value.slice(0, max) : value;
}

/** An array field, at most `max` entries (SES sends one notification for at most 50 recipients). */
export function list(value: unknown, max = 500): unknown[] {
  return Array.isArray(value) ? value.slice(0, max) : [];
}

/** Standard base64 (RFC 4648 §4), padded or not: a signature or a basic-auth credential. */
export const isBase64 = (text: string) => /^[A-Za-z0-9+/]+={0,2}$/.test(text);

// C0 and C1 controls, DEL, and the Unicode line/paragraph separators and bidi overrides: anything that
// could end a log line or change how the rest of it shows in a terminal.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One log-safe line: control characters written as \uXXXX, so nothing a request sends can forge a log line. */
export const oneLine = (text: string) => text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A value a request sent, quoted for a refusal reason: bounded, JSON-quoted, one line. */
export function quoted(value: unknown, max = 200): string {
  const text = typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
  if (text === undefined) return value === undefined ? '(none)' : `(a ${Array.isArray(value) ? 'list' : value === null ? 'null' : typeof value})`;
  return oneLine(JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text));
}

/** Equal, in time that does not depend on where the two differ (hashing first makes the lengths equal too). */
export function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Is this Unix time (seconds) within `maxAgeSeconds` of now, either way? */
export function isFresh(seconds: number, maxAgeSeconds: number, now: number): boolean {
  return Number.isFinite(seconds) && Math.abs(now / 1000 - seconds) <= maxAgeSeconds;
}

/**
 * "issue-N" from our Message-ID, `<32 hex>.issue-N@domain` (src/mail/message.ts messageIds),
 * when the ESP hands the original header back.
 */
export function issueFromMessageId(value: unknown): string | undefined {
  const text = str(value, 300);
  return text ? /(?:^|<)[0-9a-f]{32}\.(issue-\d{1,9})@/i.exec(text.trim())?.[1] : undefined;
}

/** A stable id for an event that came without one: the same event retried gets the same id. */
export const contentId = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
