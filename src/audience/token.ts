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
  const token = makeUnsubscribeToken(email, listId, secret);
  const shape = shapeOf(base);
  // A base64url token is the same after form encoding; the address is encoded as URLSearchParams does.
  if (shape) return shape[0] + new URLSearchParams([['e', email]]).toString().slice(2) + shape[1] + token + shape[2];
  return withParams(base, email, token);
}

function withParams(base: string, e: string, t: string): string {
  const url = new URL(base);
  url.searchParams.set('e', e);
  url.searchParams.set('t', t);
  return url.toString();
}

/** Placeholders made only of characters that form encoding leaves alone. */
const E_MARK = 'E0unsubscribeAddressMark';
const T_MARK = 'T0unsubscribeTokenMark';
let lastShape: { base: string; parts: readonly [string, string, string] | undefined } | undefined;

/**
 * The link around the address and the token, for one base: what withParams gives
 * with placeholders, split at them. Parsing the base and re-serializing its query
 * is most of a link's cost and the same for every recipient, so a run does it once
 * (one base per run: a one-entry cache). Undefined when a placeholder does not
 * appear exactly once (a base that already contains one): then every link is built whole.
 */
function shapeOf(base: string): readonly [string, string, string] | undefined {
  if (lastShape?.base !== base) {
    const whole = withParams(base, E_MARK, T_MARK);
    const [before, rest, ...more] = whole.split(E_MARK);
    const [middle, after, ...moreT] = rest?.split(T_MARK) ?? [];
    const parts = more.length || moreT.length || before === undefined || middle === undefined || after === undefined || before.includes(T_MARK) ? undefined : ([before, middle, after] as const);
    lastShape = { base, parts };
  }
  return lastShape.parts;
}
