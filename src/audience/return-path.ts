import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * VERP (variable envelope return path): with BOUNCE_ADDRESS=bounces@news.example.com,
 * each message's envelope sender is `bounces+TOKEN@news.example.com`, so a bounce
 * comes back addressed to a token that names the recipient, whatever the bounce's
 * own format says (or fails to say).
 *
 * The token is 24 base32 characters (lowercase: some servers lowercase local parts),
 * 15 bytes:
 *   3 bytes  the issue tag: SHA-256 of (list id, issue slug), so a bounce is told
 *            apart by issue and only that issue's journals are searched;
 *   12 bytes HMAC-SHA256 with UNSUBSCRIBE_SECRET over (list id, slug, address),
 *            so nobody without the secret can make the token of an address: a
 *            forged bounce cannot suppress someone.
 * The address itself is not in the token (a local part holds 64 octets, an
 * address up to 254), so it is found by recomputing the tokens of the issue's
 * recipients from its send journal (src/bounces).
 */
const RETURN_PATH_TOKEN_LENGTH = 24;
const DOMAIN = 'newsletter-return-path-v1';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lowercase, no padding; 15 bytes give exactly 24 characters. */
function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** The issue tag: the token's first 3 bytes. */
export function issueTag(listId: string, slug: string): Buffer {
  return createHash('sha256').update(`${DOMAIN}\0${listId}\0${slug}`).digest().subarray(0, 3);
}

/** The token for one recipient of one issue. */
export function returnPathToken(listId: string, slug: string, email: string, secret: string): string {
  return returnPathTokens(listId, slug, secret)(email);
}

/**
 * The tokens of one issue. HMAC-SHA256 (RFC 2104) with the key's inner and outer
 * pads hashed once and copied per address: the same bytes as createHmac, at about
 * a third of its cost, which matters when `bounces` recomputes a million tokens.
 */
export function returnPathTokens(listId: string, slug: string, secret: string): (email: string) => string {
  if (!secret) throw new Error('return path secret is empty');
  const key = Buffer.alloc(64);
  const raw = Buffer.from(secret, 'utf8');
  (raw.length > 64 ? createHash('sha256').update(raw).digest() : raw).copy(key);
  const inner = createHash('sha256').update(key.map((b) => b ^ 0x36)).update(`${DOMAIN}\0${listId}\0${slug}\0`);
  const outer = createHash('sha256').update(key.map((b) => b ^ 0x5c));
  const tag = issueTag(listId, slug);
  return (email) => {
    const mac = outer.copy().update(inner.copy().update(email.trim().toLowerCase()).digest()).digest();
    return base32(Buffer.concat([tag, mac.subarray(0, 12)]));
  };
}

/** The return paths of one issue: `bounces+TOKEN@domain` per recipient. */
export function returnPaths(bounceAddress: string, listId: string, slug: string, secret: string): (email: string) => string {
  const at = bounceAddress.lastIndexOf('@');
  const local = bounceAddress.slice(0, at);
  const domain = bounceAddress.slice(at + 1);
  const token = returnPathTokens(listId, slug, secret);
  return (email) => `${local}+${token(email)}@${domain}`;
}

/**
 * What every token of this issue starts with: the tag's first 20 bits (4 characters; the fifth
 * mixes in the MAC). Used to pick the journals to search; the full token is then verified.
 */
export function issueTagText(listId: string, slug: string): string {
  return base32(issueTag(listId, slug)).slice(0, 4);
}

/**
 * The token in any of `addresses` that is BOUNCE_ADDRESS's local part + "+" + 24 base32
 * characters at its domain (case-insensitive), or undefined.
 */
export function findReturnPathToken(addresses: readonly string[], bounceAddress: string): string | undefined {
  const at = bounceAddress.lastIndexOf('@');
  const local = bounceAddress.slice(0, at).toLowerCase();
  const domain = bounceAddress.slice(at + 1).toLowerCase();
  for (const address of addresses) {
    const a = address.trim().replace(/^<|>$/g, '').toLowerCase();
    const i = a.lastIndexOf('@');
    if (i < 0 || a.slice(i + 1) !== domain) continue;
    const part = a.slice(0, i);
    if (!part.startsWith(`${local}+`)) continue;
    const token = part.slice(local.length + 1);
    if (token.length === RETURN_PATH_TOKEN_LENGTH && /^[a-z2-7]+$/.test(token)) return token;
  }
  return undefined;
}

/** True only when `token` is the one made for this address of this issue. Constant-time in the token's content. */
export function verifyReturnPathToken(token: string, listId: string, slug: string, email: string, secret: string): boolean {
  const expected = Buffer.from(returnPathToken(listId, slug, email, secret));
  const given = Buffer.from(token.toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
