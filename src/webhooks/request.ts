import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { WebhookError } from './types.ts';

/** SendGrid batches events: up to about 1 MB a POST. Anything bigger is refused (413), never buffered. */
export const MAX_WEBHOOK_BODY = 1024 * 1024;

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
