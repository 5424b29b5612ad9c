import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { join } from 'node:path';
import DKIM from 'nodemailer/lib/dkim';
import RelaxedBody from 'nodemailer/lib/dkim/relaxed-body';
import { describe, expect, it } from 'vitest';
import { parseSendEnv } from '../../src/config/index.ts';
import { DKIM_SIGNED_HEADERS, DkimSigner, messageFor, prepareIssue, type PreparedIssue } from '../../src/mail/index.ts';
import { isCanonicalPiece, relaxedBody, type RoomyMessage } from '../../src/mail/dkim.ts';
import { unsubscribeUrl } from '../../src/audience/index.ts';
import { valuesFor } from '../../src/personalize/index.ts';
import { sendIssue, testSend } from '../../src/send/index.ts';
import { tempDir } from '../helpers/cli.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { startSmtpTestServer } from '../helpers/smtp-test-server.ts';
import { envFor, fixtureIssue, SECRET, writeList } from '../send/helpers.ts';
import { dkimConfig, dkimKeys, DOMAIN, SELECTOR, verifyDkim } from './dkim-verifier.ts';

const DATE = new Date('2026-03-01T08:00:07Z');
const KEYS = dkimKeys();

/** nodemailer's own RelaxedBody (the canonicalizer its DKIM signer streams a body through), on one body. */
function nodemailerCanonical(body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = new RelaxedBody({ debug: true });
    stream.on('hash', (_hash: string, canonical: Buffer) => resolve(canonical.toString('latin1')));
    stream.on('data', () => {});
    stream.on('error', reject);
    stream.end(Buffer.from(body, 'latin1'));
  });
}

/** The message nodemailer's DKIM stream makes of these bytes, with the options its transport's `dkim` would have. */
function nodemailerSigned(raw: Buffer): Promise<Buffer> {
  const dkim = new DKIM({ domainName: DOMAIN, keySelector: SELECTOR, privateKey: KEYS.pem, headerFieldNames: DKIM_SIGNED_HEADERS });
  return buffer(dkim.sign(raw));
}

const FIRST = ['Ana', 'Zoë', 'José 🎉', '李小龍', 'Tom & Jerry <b>', `O'Brien "the" =3D`, 'a>b', 'Double  Space', 'Tab\there', 'Tabs\t\tand  spaces ', '  Padded  ', 'Trailing   ', 'Marie-Christine Élisabeth de la Fontaine', 'Word '.repeat(30).trim(), '李'.repeat(30), ''];
const LAST = ['Lee', 'García', '', 'Müller', '<script>', 'Long '.repeat(25).trim(), 'trailing   ', 'in\tside', '=='.repeat(40)];

/** Deterministic subscribers whose values take both the canonical and the canonicalizing paths. */
function subscribers(n: number): { email: string; firstName?: string; lastName?: string }[] {
  const random = seededRandom(6376);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const first = pick(FIRST);
    const last = pick(LAST);
    return { email: `reader.${i}@example.com`, ...(first ? { firstName: first } : {}), ...(last ? { lastName: last } : {}) };
  });
}

/** The same run without a signer: the bytes the signer signs. */
const unsigned = (prepared: PreparedIssue): PreparedIssue => ({ ...prepared, signer: undefined });

/** One recipient's message as the raw template makes it (what messageFor signs), with its body hint. */
function made(prepared: PreparedIssue, r: { email: string; firstName?: string; lastName?: string }, date = DATE): RoomyMessage {
  const url = unsubscribeUrl(prepared.unsubscribeBase, r.email, prepared.props.newsletter.listId, prepared.secret);
  const values = valuesFor(prepared.props, r, url);
  return prepared.raw!.message({ ...r, values, unsubscribeUrl: url, subject: prepared.compiled.subject(values), messageId: prepared.messageIdOf(r.email), time: date.getTime() });
}

describe('relaxed body canonicalization (RFC 6376 §3.4.4)', () => {
  it.each([
    ['empty', ''],
    ['only line breaks', '\r\n\r\n\r\n'],
    ['no final line break', 'a  b\t'],
    ['space runs, tabs, trailing space', 'a \t b  \r\n\tc\t\r\n'],
    ['bare LF and bare CR', 'a\nb\rc\r\n\r'],
    ['CR before CRLF, space before CR', 'a \r\r\nb\r \n'],
    ['whitespace-only lines inside and at the end', 'a\r\n \t \r\nb\r\n  \r\n\t\r\n'],
  ])('gives what nodemailer RelaxedBody gives: %s', async (_name, body) => {
    expect(relaxedBody(body)).toBe(await nodemailerCanonical(body));
  });

  it('matches nodemailer on 3,000 random bodies of spaces, tabs, CR, LF and text', async () => {
    const random = seededRandom(3);
    const alphabet = ['a', 'b', ' ', '  ', '\t', '\r', '\n', '\r\n', '='];
    for (let t = 0; t < 3000; t++) {
      let body = '';
      for (let n = Math.floor(random() * 16); n > 0; n--) body += alphabet[Math.floor(random() * alphabet.length)];
      expect(JSON.stringify(relaxedBody(body)), JSON.stringify(body)).toBe(JSON.stringify(await nodemailerCanonical(body)));
    }
  });

  it.each([
    ['plain text', 'Hi Ann,=\r\n see you', true],
    ['a tab', 'a\tb', false],
    ['two spaces', 'a  b', false],
    ['a space before a line break', 'a \r\nb', false],
    ['a space at its end', 'a ', false],
    ['a bare LF', 'a\nb', false],
    ['a CR at its end', 'a\r', false],
    ['an LF at its start', '\nb', false],
  ])('a piece with %s is canonical on its own: %s', (_name, piece, canonical) => {
    expect(isCanonicalPiece(piece)).toBe(canonical);
    // A canonical piece between line breaks canonicalizes to itself.
    if (canonical) expect(relaxedBody(`x\r\n${piece}\r\nx\r\n`)).toBe(`x\r\n${piece}\r\nx\r\n`);
  });
});

describe('messages signed as messageFor makes them', () => {
  it('for 200 subscribers: the bytes nodemailer DKIM would send, verified by mailauth, over both body paths', async () => {
    const prepared = prepareIssue(await fixtureIssue(), envFor(2525), SECRET, { dkim: dkimConfig(KEYS) });
    let canonical = 0;
    for (const r of subscribers(200)) {
      const signed = messageFor(prepared, r, DATE).raw as Buffer;
      const bytes = messageFor(unsigned(prepared), r, DATE).raw as Buffer;
      // The whole field equals nodemailer's (RSA PKCS#1 v1.5 signatures are deterministic): same bh=, h=, b=, folding.
      expect(signed.toString('latin1')).toBe((await nodemailerSigned(bytes)).toString('latin1'));
      expect(signed.subarray(signed.length - bytes.length).equals(bytes)).toBe(true);
      const verdict = await verifyDkim(signed, KEYS);
      expect(verdict, r.email).toMatchObject({ result: 'pass' });
      const body = bytes.toString('latin1', bytes.indexOf('\r\n\r\n') + 4);
      if (relaxedBody(body) === body) canonical++;
    }
    // Both paths ran: bodies hashed as they are, and bodies (tabs, space runs in values) canonicalized first.
    expect(canonical).toBeGreaterThan(20);
    expect(canonical).toBeLessThan(180);
  });

  it('covers both List-Unsubscribe headers; a changed body byte, Subject or List-Unsubscribe-Post fails', async () => {
    const prepared = prepareIssue(await fixtureIssue(), envFor(2525), SECRET, { dkim: dkimConfig(KEYS) });
    const signed = (messageFor(prepared, { email: 'zoe@example.com', firstName: 'Zoë' }, DATE).raw as Buffer).toString('latin1');
    const verdict = await verifyDkim(signed, KEYS);
    expect(verdict.result).toBe('pass');
    expect(verdict.signed).toEqual(expect.arrayContaining(['from', 'to', 'subject', 'date', 'message-id', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post']));
    const end = signed.indexOf('\r\n\r\n');
    const body = signed.slice(end);
    expect(body).toContain('Zo=C3=AB');
    expect(await verifyDkim(signed.slice(0, end) + body.replace('Zo=C3=AB', 'Zo=C3=AC'), KEYS)).toMatchObject({ result: 'neutral', comment: 'body hash did not verify' });
    expect(signed).toMatch(/^Subject: \S/m);
    expect(await verifyDkim(signed.replace(/^Subject: /m, 'Subject: Re: '), KEYS)).toMatchObject({ result: 'fail' });
    expect(await verifyDkim(signed.replace('List-Unsubscribe-Post: List-Unsubscribe=One-Click', 'List-Unsubscribe-Post: List-Unsubscribe=One-click'), KEYS)).toMatchObject({ result: 'fail' });
    // The wrong public key fails too: the verifier is not passing everything.
    expect(await verifyDkim(signed, dkimKeys(1024))).toMatchObject({ result: 'fail' });
  });

  it('signs a canonical body the same with its hint (hashed as it is) and without (canonicalized)', async () => {
    const prepared = prepareIssue(await fixtureIssue(), envFor(2525), SECRET, { dkim: dkimConfig(KEYS) });
    const reader = { email: 'zoe@example.com', firstName: 'Zoë' };
    // The hint path is taken only for a body its maker vouches for: this one's.
    expect(made(prepared, reader).bodyCanonical).toBe(true);
    const bytes = messageFor(unsigned(prepared), reader, DATE).raw as Buffer;
    expect(prepared.signer!.sign(bytes).toString('latin1')).toBe((messageFor(prepared, reader, DATE).raw as Buffer).toString('latin1'));
  });

  it('a body its maker calls canonical is canonical: 3,000 random readers, names of spaces, tabs and other text', async () => {
    const prepared = prepareIssue(await fixtureIssue(), envFor(2525), SECRET);
    const random = seededRandom(8301);
    const alphabet = ['a', 'b', ' ', '  ', '\t', '=', 'é', '\v', '\f', '\u00a0', '\u3000', '😀', '"', '<', '&', '\u0085', 'x'.repeat(70)];
    const word = (max: number): string => {
      let text = '';
      for (let n = Math.floor(random() * max); n > 0; n--) text += alphabet[Math.floor(random() * alphabet.length)];
      return text;
    };
    const vouched = { yes: 0, no: 0 };
    for (let i = 0; i < 3000; i++) {
      const message = made(prepared, { email: `reader.${i}@example.com`, firstName: word(8), lastName: word(4) });
      const body = message.buffer.toString('latin1', message.bodyStart);
      if (message.bodyCanonical) expect(relaxedBody(body) === body, JSON.stringify(body.slice(0, 200))).toBe(true);
      vouched[message.bodyCanonical ? 'yes' : 'no']++;
    }
    // Both kinds were made: the property was tested, not passed for want of canonical bodies.
    expect(vouched.yes).toBeGreaterThan(300);
    expect(vouched.no).toBeGreaterThan(300);
  });

  it('reads a header line without ":" as no field, as nodemailer does (it used to sign "Subjectx" as the Subject)', async () => {
    const signer = new DkimSigner(dkimConfig(KEYS));
    const message = Buffer.from('From: a@example.com\r\nSubject: real\r\nSubjectx\r\nTo: b@example.com\r\nFromx\r\n\r\nbody\r\n', 'latin1');
    expect(signer.sign(message).toString('latin1')).toBe((await nodemailerSigned(message)).toString('latin1'));
    expect(await verifyDkim(signer.sign(message), KEYS)).toMatchObject({ result: 'pass' });
  });

  it('refuses a key that is not RSA, in the environment and in the signer (it used to leave messages unsigned)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'ed.pem'), generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => parseSendEnv({ DKIM_DOMAIN: DOMAIN, DKIM_SELECTOR: SELECTOR, DKIM_PRIVATE_KEY_FILE: 'ed.pem' }, dir)).toThrow(/DKIM_PRIVATE_KEY_FILE holds a key of type ed25519, not RSA/);
    expect(() => new DkimSigner({ domainName: DOMAIN, keySelector: SELECTOR, key: generateKeyPairSync('ed25519').privateKey })).toThrow(expect.objectContaining({ code: 'ECONFIG' }));
  });
});

describe('DKIM through a real SMTP server, configured as send reads it (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY_FILE)', () => {
  it('test-send and send deliver messages with exactly one signature, which mailauth verifies', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'dkim.pem'), KEYS.pem);
    const server = await startSmtpTestServer();
    try {
      const env = envFor(server.port, { DKIM_DOMAIN: DOMAIN, DKIM_SELECTOR: SELECTOR, DKIM_PRIVATE_KEY_FILE: join(dir, 'dkim.pem') });
      await testSend({ built: await fixtureIssue(), to: 'zoe+news@example.com', env });
      const summary = await sendIssue({ built: await fixtureIssue(), listPath: await writeList(dir, 5), env, stateDir: join(dir, 'state') });
      expect(summary.stats.sent).toBe(5);
      expect(server.received).toHaveLength(6);
      for (const got of server.received) {
        // Signed once, when the message was made: the transport adds no second signature.
        expect(got.parsed.headerLines.filter((h) => h.key === 'dkim-signature')).toHaveLength(1);
        const verdict = await verifyDkim(Buffer.from(got.raw, 'utf8'), KEYS);
        expect(verdict, got.envelopeTo.join()).toMatchObject({ result: 'pass' });
        expect(verdict.signed).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post']));
      }
    } finally {
      await server.close();
    }
  });
});
