import type { IncomingMessage } from 'node:http';
import { readRawBody, WebhookError } from '../webhooks/index.ts';

/** A one-click POST body is 26 bytes; anything near this limit is not one. */
export const MAX_BODY_BYTES = 16 * 1024;

export class BodyTooLarge extends Error {}

/** The body as text, at most `limit` bytes: the webhooks' bounded reader, its 413 as BodyTooLarge. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  try {
    return (await readRawBody(req, limit)).toString('utf8');
  } catch (error) {
    if (error instanceof WebhookError && error.status === 413) throw new BodyTooLarge(error.message);
    throw error;
  }
}

/**
 * Does this POST body carry `List-Unsubscribe=One-Click` (RFC 8058 §3.1)?
 * Mail providers send it as application/x-www-form-urlencoded or as
 * multipart/form-data; our own confirmation page sends the first.
 */
export function isOneClick(contentType: string | undefined, body: string): boolean {
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) return multipartField(contentType!, body, 'List-Unsubscribe') === 'One-Click';
  // urlencoded, or no content type at all (some clients omit it): parse as a form.
  return new URLSearchParams(body.trim()).get('List-Unsubscribe') === 'One-Click';
}

/** The value of one text field of a multipart/form-data body, or undefined. */
function multipartField(contentType: string, body: string, name: string): string | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const delimiter = boundary?.[1] ?? boundary?.[2];
  if (!delimiter) return undefined;
  for (const part of body.split(`--${delimiter}`)) {
    const split = part.search(/\r?\n\r?\n/);
    if (split === -1) continue;
    const headers = part.slice(0, split);
    const disposition = /^content-disposition:[^\r\n]*$/im.exec(headers)?.[0] ?? '';
    const field = /\bname="([^"]*)"|\bname=([^;\s]+)/i.exec(disposition);
    if ((field?.[1] ?? field?.[2]) !== name) continue;
    return part.slice(split).replace(/^\r?\n\r?\n/, '').replace(/\r?\n$/, '');
  }
  return undefined;
}
