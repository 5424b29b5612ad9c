import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Unsubscribe tokens: HMAC-SHA256 over (list id, lowercased address) with a
 * secret only the sender and the unsubscribe endpoint know, base64url-encoded
 * (43 characters). Without the secret nobody can make the token for another
 * address, so a link cannot be edited to unsubscribe someone else.
 *
 * The signed message is a domain tag, the list id and the address separated by
 * NUL. A list id cannot contain NUL (RFC 2919 allows only [A-Za-z0-9.-]), so
 * no (list, address) pair can be shifted into another with the same bytes.
 */
const DOMAIN = 'newsletter-unsubscribe-v1';

function digest(email: string, listId: string, secret: string): string {
  if (!secret) throw new Error('unsubscribe token secret is empty');
  return createHmac('sha256', secret).update(`${DOMAIN}\0${listId}\0${email.trim().toLowerCase()}`).digest('base64url');
}

export function makeUnsubscribeToken(email: string, listId: string, secret: string): string {
  return digest(email, listId, secret);
}

/** True only for the token made for exactly this address and list. Constant-time in the token's content. */
export function verifyUnsubscribeToken(token: string, email: string, listId: string, secret: string): boolean {
  if (typeof token !== 'string' || typeof email !== 'string' || !email) return false;
  const expected = Buffer.from(digest(email, listId, secret), 'utf8');
  // Compare the text as sent, not its base64 decoding: Node's decoder skips
  // stray characters, so "abc!" and "abc" would decode the same.
  const given = Buffer.from(token, 'utf8');
  // timingSafeEqual throws on different lengths; a length mismatch reveals only
  // the (public) token length.
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}

/**
 * The recipient's own unsubscribe link: `base` with `e=<address>&t=<token>`
 * added to its query (after any query it already has; a #fragment stays last).
 */
export function unsubscribeUrl(base: string, email: string, listId: string, secret: string): string {
  const url = new URL(base);
  url.searchParams.set('e', email);
  url.searchParams.set('t', makeUnsubscribeToken(email, listId, secret));
  return url.toString();
}
