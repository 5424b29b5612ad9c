import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { NewsletterError } from '../../src/errors.ts';
import { composeMessage, messageFor, messageIdFor, prepareIssue, toRfc822, type MessageInput } from '../../src/mail/index.ts';
import { testSend } from '../../src/send/index.ts';
import { tempDir } from '../helpers/cli.ts';
import { startSmtpTestServer } from '../helpers/smtp-test-server.ts';
import { envFor, fixtureIssue, LIST_ID, SECRET } from '../send/helpers.ts';

async function input(over: Partial<MessageInput> = {}): Promise<MessageInput> {
  const built = await fixtureIssue();
  return {
    props: built.props,
    personalized: { html: '<p>Hi</p>', text: 'Hi', subject: 'Issue 3' },
    recipient: { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
    unsubscribe: { url: 'https://example.com/u?e=ada%40example.com&t=abc', mailto: 'unsubscribe@example.com' },
    ...over,
  };
}

describe('composeMessage', () => {
  it('builds the headers a careful sender needs, and toRfc822 gives the bytes', async () => {
    const date = new Date('2026-03-01T08:00:00Z');
    const raw = await toRfc822(composeMessage(await input({ date })));
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('Issue 3');
    expect(parsed.date?.toISOString()).toBe(date.toISOString());
    expect(parsed.from?.value[0]).toEqual({ address: 'brief@hemispherebrief.example.com', name: 'The Hemisphere Brief' });
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0] : undefined).toEqual({ address: 'ada@example.com', name: 'Ada Lovelace' });
    expect(parsed.text?.trim()).toBe('Hi');
    expect(parsed.html).toBe('<p>Hi</p>');
    expect(raw.toString()).toMatch(/^Content-Type: multipart\/alternative;/m);
    const lines = parsed.headerLines.map((h) => h.line.replace(/\r\n\s+/g, ' '));
    expect(lines).toContain('List-Unsubscribe: <https://example.com/u?e=ada%40example.com&t=abc>, <mailto:unsubscribe@example.com?subject=unsubscribe>');
    expect(lines).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(lines).toContain(`List-ID: "The Hemisphere Brief" <${LIST_ID}>`);
  });

  it('uses MAIL_FROM / REPLY_TO overrides and omits the mailto when none is configured', async () => {
    const options = composeMessage(await input({ from: 'Desk <desk@news.example.org>', replyTo: 'replies@news.example.org', unsubscribe: { url: 'https://example.com/u' } }));
    const parsed = await simpleParser(await toRfc822(options));
    expect(parsed.from?.value[0]?.address).toBe('desk@news.example.org');
    expect(parsed.replyTo?.value[0]?.address).toBe('replies@news.example.org');
    expect(parsed.messageId).toMatch(/@news\.example\.org>$/);
    expect(parsed.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toBe('List-Unsubscribe: <https://example.com/u>');
  });

  it('gives the same Message-ID for the same (issue, recipient), whatever the case, and different ones otherwise', async () => {
    const a = composeMessage(await input({ recipient: { email: 'Ada@Example.com' } })).messageId;
    const b = composeMessage(await input({ recipient: { email: 'ada@example.com' } })).messageId;
    expect(a).toBe(b);
    expect(a).toBe(messageIdFor('2026-03-01-send-fixture', 3, 'ada@example.com', 'hemispherebrief.example.com'));
    expect(messageIdFor('other-issue', 4, 'ada@example.com', 'x.example')).not.toBe(messageIdFor('2026-03-01-send-fixture', 3, 'ada@example.com', 'x.example'));
    expect(messageIdFor('2026-03-01-send-fixture', 3, 'bob@example.com', 'x.example')).not.toBe(messageIdFor('2026-03-01-send-fixture', 3, 'ada@example.com', 'x.example'));
  });

  it.each<[string, (i: MessageInput) => MessageInput]>([
    ['subject', (i) => ({ ...i, personalized: { ...i.personalized, subject: 'Hi\r\nBcc: victim@example.com' } })],
    ['first name', (i) => ({ ...i, recipient: { ...i.recipient, firstName: 'Eve\nBcc: victim@example.com' } })],
    ['last name', (i) => ({ ...i, recipient: { ...i.recipient, lastName: 'X\rY' } })],
    ['recipient address', (i) => ({ ...i, recipient: { email: 'a@example.com\r\nBcc: victim@example.com' } })],
    ['unsubscribe URL', (i) => ({ ...i, unsubscribe: { url: 'https://example.com/u\r\nX-Evil: 1' } })],
    ['unsubscribe mailto address', (i) => ({ ...i, unsubscribe: { url: 'https://example.com/u', mailto: 'u@example.com\nX: 1' } })],
    ['From address', (i) => ({ ...i, from: 'Desk <desk@example.com>\r\nBcc: victim@example.com' })],
    ['Reply-To address', (i) => ({ ...i, replyTo: 'r@example.com\nBcc: victim@example.com' })],
  ])('refuses a line break in the %s, naming the field and the recipient', async (field, change) => {
    const base = await input();
    const bad = change(base);
    let error: unknown;
    try {
      composeMessage(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NewsletterError);
    expect((error as NewsletterError).message).toContain(`The ${field} for`);
    expect((error as NewsletterError).where).toBe(bad.recipient.email);
  });
});

describe('messageFor (one recipient, from the compiled issue)', () => {
  it('refuses an issue subject with a line break before any message is made', async () => {
    const built = await fixtureIssue();
    const bad = { ...built, props: { ...built.props, issue: { ...built.props.issue, subject: 'Hi\r\nBcc: victim@example.com' } } };
    expect(() => prepareIssue(bad, {}, SECRET)).toThrow(/subject contains a line break/);
  });

  it('gives each recipient an unsubscribe URL only they can use', async () => {
    const prepared = prepareIssue(await fixtureIssue(), {}, SECRET);
    const text = async (email: string) => (await simpleParser(await toRfc822(messageFor(prepared, { email })))).text ?? '';
    const url = (t: string) => /https:\/\/hemispherebrief\.example\.com\/unsubscribe\?\S+/.exec(t)?.[0];
    const a = url(await text('a@example.com'));
    const b = url(await text('b@example.com'));
    expect(a).toContain('e=a%40example.com');
    expect(b).toContain('e=b%40example.com');
    expect(new URL(a!).searchParams.get('t')).not.toBe(new URL(b!).searchParams.get('t'));
  });
});

describe('DKIM', () => {
  it('signs List-Unsubscribe and List-Unsubscribe-Post when DKIM_* is set', async () => {
    const dir = await tempDir();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    await writeFile(join(dir, 'dkim.pem'), privateKey);
    const server = await startSmtpTestServer();
    try {
      const env = envFor(server.port, { DKIM_DOMAIN: 'brief.example.org', DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY_FILE: join(dir, 'dkim.pem') });
      await testSend({ built: await fixtureIssue(), to: 'ada@example.com', env });
      const signature = server.received[0]!.parsed.headerLines.find((h) => h.key === 'dkim-signature')!.line.replace(/\r\n\s+/g, '');
      expect(signature).toMatch(/d=brief\.example\.org;/);
      expect(signature).toMatch(/s=mail;/);
      const signed = /[;\s]h=([^;]+);/.exec(signature)![1]!.toLowerCase().split(':');
      expect(signed).toEqual(expect.arrayContaining(['from', 'to', 'subject', 'list-unsubscribe', 'list-unsubscribe-post', 'list-id']));
    } finally {
      await server.close();
    }
  });
});

/** Every line of a message, in octets (latin1 keeps one character per byte). */
function longestLine(raw: Buffer): number {
  return Math.max(...raw.toString('latin1').split('\r\n').map((l) => l.length));
}

describe('header lines stay within 998 octets (RFC 5322 §2.1.1)', () => {
  it.each([
    ['3,000 letters without a space', 'A'.repeat(3000)],
    ['punctuation that must be quoted', 'a.b,c'.repeat(600)],
    ['non-ASCII', 'Zoë'.repeat(700)],
  ])('a first name of %s in To and Subject is folded or encoded and decodes back', async (_what, firstName) => {
    const subject = `${firstName}, your issue 3 is here`;
    const raw = await toRfc822(composeMessage(await input({ personalized: { html: '<p>Hi</p>', text: 'Hi', subject }, recipient: { email: 'ada@example.com', firstName, lastName: 'Lovelace' } })));
    expect(longestLine(raw)).toBeLessThanOrEqual(998);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(subject);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0] : undefined).toEqual({ address: 'ada@example.com', name: `${firstName} Lovelace` });
  });

  it('does so on the fast path of send too (pre-encoded parts)', async () => {
    const firstName = 'B'.repeat(3000);
    const prepared = prepareIssue(await fixtureIssue(), {}, SECRET);
    const raw = await toRfc822(messageFor(prepared, { email: 'ada@example.com', firstName }));
    expect(longestLine(raw)).toBeLessThanOrEqual(998);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(`${firstName}, your issue 3 is here`);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.name : undefined).toBe(firstName);
  });

  it.each([
    ['non-ASCII', 'Ω'.repeat(400)],
    ['ASCII without a space', 'N'.repeat(1200)],
  ])('a long %s newsletter name in List-Id is encoded in words that fold', async (_what, name) => {
    const base = await input();
    const props = { ...base.props, newsletter: { ...base.props.newsletter, name } };
    const raw = await toRfc822(composeMessage({ ...base, props, from: 'Desk <desk@example.com>' }));
    expect(longestLine(raw)).toBeLessThanOrEqual(998);
    const line = (await simpleParser(raw)).headerLines.find((h) => h.key === 'list-id')!.line.replace(/\r\n\s/g, ' ');
    const [, phrase, id] = /^List-ID: (.*) <([^>]+)>$/.exec(line)!;
    expect(id).toBe(LIST_ID);
    // mailparser leaves List-Id's phrase as written; decode its encoded words the way it decodes a Subject.
    expect((await simpleParser(`Subject: ${phrase}\r\n\r\n`)).subject).toBe(name);
  });

  it('refuses an unsubscribe URL that cannot fit on one line, naming it and the recipient', async () => {
    const bad = await input({ unsubscribe: { url: `https://example.com/u?x=${'a'.repeat(1500)}` } });
    expect(() => composeMessage(bad)).toThrow(NewsletterError);
    try {
      composeMessage(bad);
    } catch (error) {
      expect((error as NewsletterError).message).toMatch(/unsubscribe URL for ada@example\.com is \d+ characters/);
      expect((error as NewsletterError).where).toBe('ada@example.com');
    }
  });
});

describe('From and Reply-To reaching the headers (newsletter.yml or an override)', () => {
  it.each<[string, (i: MessageInput) => MessageInput]>([
    ['Reply-To address', (i) => ({ ...i, props: { ...i.props, newsletter: { ...i.props.newsletter, replyTo: 'x@example.com\u2028Bcc: y@evil.com' } } })],
    ['Reply-To address', (i) => ({ ...i, replyTo: 'Friends: a@example.com, y@evil.com;' })],
    ['From address', (i) => ({ ...i, props: { ...i.props, newsletter: { ...i.props.newsletter, from: { name: 'News\u2029Bcc: y@evil.com', email: 'news@example.com' } } } })],
    ['From address', (i) => ({ ...i, from: 'News <news@exämple.com>' })],
  ])('refuses a group, a list, a control character or a non-ASCII address in the %s', async (field, change) => {
    const bad = change(await input());
    expect(() => composeMessage(bad)).toThrow(new RegExp(`The ${field} for ada@example\\.com`));
  });
});

describe('prepareIssue (once per run, before anything is sent)', () => {
  it('refuses a newsletter.yml replyTo that is not exactly one mailbox, naming the field', async () => {
    const built = await fixtureIssue();
    const bad = { ...built, props: { ...built.props, newsletter: { ...built.props.newsletter, replyTo: 'x@example.com\u2028Bcc: y@evil.com' } } };
    expect(() => prepareIssue(bad, {}, SECRET)).toThrow(/newsletter\.yml replyTo must not contain control characters/);
  });
});
