import { describe, expect, it } from 'vitest';
import { makeUnsubscribeToken, unsubscribeUrl, verifyUnsubscribeToken } from '../../src/audience/token.ts';

const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';
const LIST = 'brief.example.com';

describe('unsubscribe tokens', () => {
  it('round-trips: the token made for an address verifies for it, whatever the case of the address', () => {
    const token = makeUnsubscribeToken('Ada@Example.com', LIST, SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // base64url of 32 bytes, no padding
    expect(verifyUnsubscribeToken(token, 'Ada@Example.com', LIST, SECRET)).toBe(true);
    expect(verifyUnsubscribeToken(token, 'ada@example.com', LIST, SECRET)).toBe(true);
    expect(makeUnsubscribeToken('ada@example.com', LIST, SECRET)).toBe(token);
  });

  it('rejects a token made for another address (nobody can reuse theirs to unsubscribe someone else)', () => {
    const mallorys = makeUnsubscribeToken('mallory@example.com', LIST, SECRET);
    expect(verifyUnsubscribeToken(mallorys, 'ada@example.com', LIST, SECRET)).toBe(false);
  });

  it('rejects a token made with another secret (forged) or for another list', () => {
    const forged = makeUnsubscribeToken('ada@example.com', LIST, 'a guess at the secret');
    expect(verifyUnsubscribeToken(forged, 'ada@example.com', LIST, SECRET)).toBe(false);
    const otherList = makeUnsubscribeToken('ada@example.com', 'other.example.com', SECRET);
    expect(verifyUnsubscribeToken(otherList, 'ada@example.com', LIST, SECRET)).toBe(false);
  });

  const good = makeUnsubscribeToken('ada@example.com', LIST, SECRET);
  const flip = (t: string, i: number) => t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
  it.each([
    ['one character changed at the start', flip(good, 0)],
    ['one character changed at the end', flip(good, good.length - 1)],
    ['cut short', good.slice(0, -1)],
    ['a character added', `${good}A`],
    ['a stray character the base64 decoder would skip', `${good.slice(0, 10)}!${good.slice(10)}`],
    ['padding added', `${good}=`],
    ['standard base64 instead of base64url', Buffer.from(good, 'base64url').toString('base64')],
    ['empty', ''],
  ])('rejects a tampered token: %s', (_label, token) => {
    expect(verifyUnsubscribeToken(token, 'ada@example.com', LIST, SECRET)).toBe(false);
  });

  it('does not confuse where the list id ends and the address begins', () => {
    const token = makeUnsubscribeToken('b@example.com', 'a.example.com', SECRET);
    expect(verifyUnsubscribeToken(token, 'example.com\0b@example.com', 'a', SECRET)).toBe(false);
  });

  it('refuses to sign with an empty secret', () => {
    expect(() => makeUnsubscribeToken('ada@example.com', LIST, '')).toThrow(/secret is empty/);
  });
});

describe('unsubscribeUrl', () => {
  it('adds e= and t= to the base, encoding the address', () => {
    const url = new URL(unsubscribeUrl('https://brief.example.com/unsubscribe', 'ada+news@example.com', LIST, SECRET));
    expect(url.origin + url.pathname).toBe('https://brief.example.com/unsubscribe');
    expect(url.search).toBe(`?e=ada%2Bnews%40example.com&t=${makeUnsubscribeToken('ada+news@example.com', LIST, SECRET)}`);
    const t = url.searchParams.get('t')!;
    expect(verifyUnsubscribeToken(t, url.searchParams.get('e')!, LIST, SECRET)).toBe(true);
  });

  it('joins with & when the base already has a query, and keeps a fragment last', () => {
    const url = unsubscribeUrl('https://brief.example.com/u?list=weekly#top', 'ada@example.com', LIST, SECRET);
    expect(url).toBe(`https://brief.example.com/u?list=weekly&e=ada%40example.com&t=${makeUnsubscribeToken('ada@example.com', LIST, SECRET)}#top`);
  });
});

describe('unsubscribeUrl built from the base once per run', () => {
  /** The link as URLSearchParams builds it whole, for every recipient (what unsubscribeUrl gave before it kept the base's shape). */
  function builtWhole(base: string, email: string): string {
    const url = new URL(base);
    url.searchParams.set('e', email);
    url.searchParams.set('t', makeUnsubscribeToken(email, LIST, SECRET));
    return url.toString();
  }
  const bases = [
    'https://brief.example.com/unsubscribe',
    'https://brief.example.com/u?list=weekly#top',
    'https://brief.example.com/u?a=b%20c&d=e+f&g=~h',
    // Already has e= (replaced in place) or t= before e= (the order of the two swaps).
    'https://brief.example.com/u?e=old&x=1',
    'https://brief.example.com/u?t=old&e=old',
    // Contains the placeholder the shape is cut at: built whole.
    'https://brief.example.com/u?q=E0unsubscribeAddressMark',
    'https://brief.example.com/u?',
    'https://BRIEF.example.com:443/a/../u/?x=%41#',
  ];
  const emails = ['ada@example.com', 'ada+news@example.com', "o'brien~x@example.com", 'zoë@exämple.com', 'a b&c=d@example.com', 'ａｄａ@例え.jp', '!*()._-@example.com'];
  it.each(bases)('gives the same link as building it whole: %s', (base) => {
    for (const email of emails) expect(unsubscribeUrl(base, email, LIST, SECRET)).toBe(builtWhole(base, email));
  });

  it('follows a change of base between calls', () => {
    expect(unsubscribeUrl(bases[0]!, 'ada@example.com', LIST, SECRET)).toBe(builtWhole(bases[0]!, 'ada@example.com'));
    expect(unsubscribeUrl(bases[1]!, 'ada@example.com', LIST, SECRET)).toBe(builtWhole(bases[1]!, 'ada@example.com'));
    expect(unsubscribeUrl(bases[0]!, 'bob@example.com', LIST, SECRET)).toBe(builtWhole(bases[0]!, 'bob@example.com'));
  });
});
