// Issue 14 item 1: with BOUNCE_ADDRESS, each message's envelope sender is a return path
// whose signed token names the recipient (VERP), its local part within 64 octets.
import { describe, expect, it } from 'vitest';
import { findReturnPathToken, issueTagText, returnPaths, returnPathToken, verifyReturnPathToken } from '../../src/audience/index.ts';
import { MAX_BOUNCE_LOCAL, parseSendEnv } from '../../src/config/index.ts';
import { isNewsletterError } from '../../src/errors.ts';
import { messageFor, prepareIssue } from '../../src/mail/index.ts';
import { envFor, fixtureIssue, SECRET } from '../send/helpers.ts';

const LIST = 'brief.news.example.com';
const SLUG = '2026-02-05-trump-petro';

describe('return path tokens', () => {
  it('keep the local part within 64 octets for any address, the longest bounce local part included', () => {
    const local = 'b'.repeat(MAX_BOUNCE_LOCAL);
    const longest = `${'x'.repeat(64)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(58)}.com`;
    for (const email of ['a@example.com', longest, 'Ünïcode@bücher.example']) {
      const path = returnPaths(`${local}@news.example.com`, LIST, SLUG, SECRET)(email);
      expect(path.slice(0, path.lastIndexOf('@')).length).toBeLessThanOrEqual(64);
      expect(path).toMatch(/^b+\+[a-z2-7]{24}@news\.example\.com$/);
    }
  });

  it('name one recipient of one issue: another address, issue, list or secret gives another token', () => {
    const token = returnPathToken(LIST, SLUG, 'ada@example.com', SECRET);
    expect(returnPathToken(LIST, SLUG, ' ADA@Example.com ', SECRET)).toBe(token);
    expect(returnPathToken(LIST, SLUG, 'bob@example.com', SECRET)).not.toBe(token);
    expect(returnPathToken(LIST, 'another-issue', 'ada@example.com', SECRET)).not.toBe(token);
    expect(returnPathToken('other.list', SLUG, 'ada@example.com', SECRET)).not.toBe(token);
    expect(returnPathToken(LIST, SLUG, 'ada@example.com', `${SECRET}x`)).not.toBe(token);
    expect(token.startsWith(issueTagText(LIST, SLUG))).toBe(true);
  });

  it('verify only for the address they were made for, so a forged bounce suppresses nobody', () => {
    const token = returnPathToken(LIST, SLUG, 'ada@example.com', SECRET);
    expect(verifyReturnPathToken(token, LIST, SLUG, 'ada@example.com', SECRET)).toBe(true);
    expect(verifyReturnPathToken(token.toUpperCase(), LIST, SLUG, 'ada@example.com', SECRET)).toBe(true);
    expect(verifyReturnPathToken(token, LIST, SLUG, 'bob@example.com', SECRET)).toBe(false);
    const flipped = token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a');
    expect(verifyReturnPathToken(flipped, LIST, SLUG, 'ada@example.com', SECRET)).toBe(false);
    expect(verifyReturnPathToken('', LIST, SLUG, 'ada@example.com', SECRET)).toBe(false);
  });

  it('are found in the addresses a bounce was delivered to, whatever their case, and only at the bounce address', () => {
    const token = returnPathToken(LIST, SLUG, 'ada@example.com', SECRET);
    expect(findReturnPathToken(['someone@else.example', `<BOUNCES+${token.toUpperCase()}@News.Example.com>`], 'bounces@news.example.com')).toBe(token);
    expect(findReturnPathToken([`bounces+${token}@other.example.com`], 'bounces@news.example.com')).toBeUndefined();
    expect(findReturnPathToken([`notbounces+${token}@news.example.com`], 'bounces@news.example.com')).toBeUndefined();
    expect(findReturnPathToken([`bounces+${token}x@news.example.com`], 'bounces@news.example.com')).toBeUndefined();
  });
});

describe('BOUNCE_ADDRESS', () => {
  it('makes each message\'s envelope sender its signed return path; unset, the From address as before', async () => {
    const built = await fixtureIssue();
    const plain = messageFor(prepareIssue(built, envFor(2525), SECRET), { email: 'ada@example.com' });
    expect(plain.envelope).toEqual({ from: expect.not.stringContaining('+') as unknown, to: ['ada@example.com'] });
    const prepared = prepareIssue(built, { ...envFor(2525), bounceAddress: 'bounces@news.example.com' }, SECRET);
    const { envelope } = messageFor(prepared, { email: 'ada@example.com' });
    const from = (envelope as { from: string }).from;
    const token = findReturnPathToken([from], 'bounces@news.example.com');
    expect(token).toBeDefined();
    expect(verifyReturnPathToken(token!, built.props.newsletter.listId, built.props.issue.slug, 'ada@example.com', SECRET)).toBe(true);
    // The From header is untouched: only the envelope changes.
    expect((plain.raw as Buffer).toString('latin1').split('\r\n\r\n')[0]).toMatch(/^From: .*@/m);
  });

  it.each([
    ['bounces+x@news.example.com', 'without "+"'],
    [`${'b'.repeat(MAX_BOUNCE_LOCAL + 1)}@news.example.com`, 'local part over'],
    ['Bounces <bounces@news.example.com>', 'bare ASCII address'],
  ])('refuses %s with the reason and the fix', (value, reason) => {
    let error: unknown;
    try {
      parseSendEnv({ BOUNCE_ADDRESS: value });
    } catch (e) {
      error = e;
    }
    expect(isNewsletterError(error)).toBe(true);
    expect((error as Error).message).toContain('BOUNCE_ADDRESS');
    expect((error as Error).message).toContain(reason);
  });
});

describe('the token MAC', () => {
  it('is HMAC-SHA256 exactly (RFC 2104), for short, 64-byte and long secrets', async () => {
    const { createHmac } = await import('node:crypto');
    for (const secret of [SECRET, 'k'.repeat(64), 'ü'.repeat(80)]) {
      const mac = createHmac('sha256', secret).update(`newsletter-return-path-v1\0${LIST}\0${SLUG}\0ada@example.com`).digest().subarray(0, 12);
      const token = returnPathToken(LIST, SLUG, 'Ada@Example.com', secret);
      // The last 96 bits of the 120-bit token are the MAC's first 12 bytes (base32: 5 bits a character).
      const bits = [...token].map((c) => 'abcdefghijklmnopqrstuvwxyz234567'.indexOf(c).toString(2).padStart(5, '0')).join('');
      const macBits = [...mac].map((b) => b.toString(2).padStart(8, '0')).join('');
      expect(bits.slice(24)).toBe(macBits);
    }
  });
});
