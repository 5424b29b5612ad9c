import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { foldLines } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import { describe, expect, it } from 'vitest';
import { unsubscribeUrl } from '../../src/audience/index.ts';
import { NewsletterError } from '../../src/errors.ts';
import { composeMessage, createSmtpTransport, messageFor, prepareIssue, toRfc822, type PreparedIssue } from '../../src/mail/index.ts';
import { toLine } from '../../src/mail/raw-message.ts';
import { personalize, valuesFor } from '../../src/personalize/index.ts';
import { buildIssue } from '../../src/render/build.ts';
import { ROOT } from '../helpers/content.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { startSmtpTestServer } from '../helpers/smtp-test-server.ts';
import { envFor, fixtureIssue, SECRET } from '../send/helpers.ts';
import { dkimConfig, dkimKeys, verifyDkim } from './dkim-verifier.ts';

type Recipient = { email: string; firstName?: string; lastName?: string };

const FIRST = [
  'Ana', 'Ben', 'Zoë', 'José 🎉', '李小龍', '日本語の名前', 'Ωmega', '🎉🎉', 'Tom & Jerry <b>', `O'Brien "the" =3D`, 'a>b', 'Smith, John', '"Quoted"', 'semi;colon',
  'back\\slash', '=?utf-8?q?x?=', 'Marie-Christine Élisabeth de la Fontaine', 'Bartholomew-Maximilian', '李'.repeat(15), 'A'.repeat(100), 'Word '.repeat(30).trim(),
  '  Padded  ', '', '   ', 'B'.repeat(1200), 'Zoë'.repeat(400), 'under_score', 'x'.repeat(60),
];
const LAST = ['Lee', "O'Brien", 'García', '', 'Müller', '金', 'Nguyen-Tran', '=='.repeat(40), 'Okafor Jr.', '<script>', 'Long '.repeat(25).trim(), 'trailing   '];
const LOCAL = ['reader', 'first.last', 'plus+tag', "o'brien", 'x_y', 'UPPER', 'a1'];
const DOMAIN = ['example.com', 'Example.COM', 'list.example.co.uk', 'sub-domain.example.org', 'bücher.example', 'x.example'];

/** Deterministic subscribers covering the names and addresses that take each path. */
function subscribers(n: number): Recipient[] {
  const random = seededRandom(13);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const first = pick(FIRST);
    const last = pick(LAST);
    return { email: `${pick(LOCAL)}${i}@${pick(DOMAIN)}`, ...(first || random() < 0.5 ? { firstName: first } : {}), ...(last ? { lastName: last } : {}) };
  });
}

const DATE = new Date('2026-03-01T08:00:07Z');

/** Today's composition, independent of the splice: nodemailer encodes the personalized parts itself. */
async function composed(prepared: PreparedIssue, r: Recipient): Promise<Buffer> {
  const { props } = prepared;
  const url = unsubscribeUrl(prepared.unsubscribeBase, r.email, props.newsletter.listId, prepared.secret);
  const personalized = personalize(prepared.compiled, valuesFor(props, r, url));
  const bytes = await toRfc822(
    composeMessage({ props, personalized, recipient: r, unsubscribe: { url, mailto: prepared.unsubscribeMailto }, from: prepared.from, replyTo: prepared.replyTo, date: DATE, extraHeaders: prepared.extraHeaders }),
  );
  // On the wire SMTP makes every line break CRLF (nodemailer's DataStream): that is what a receiver decodes.
  return Buffer.from(bytes.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

const header = (m: ParsedMail, key: string) => m.headerLines.find((h) => h.key === key)?.line.replace(/\r\n[ \t]/g, ' ').replace(/^[^:]+:\s*/, '');
const addresses = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value);

/** The header block of each part of a multipart/alternative message, unfolded, keys lower-cased. */
function partHeaders(raw: Buffer): string[][] {
  const text = raw.toString('latin1');
  const boundary = /boundary="([^"]+)"/.exec(text)![1]!;
  return text
    .split(`\r\n--${boundary}`)
    .slice(1, -1)
    .map((part) => part.replace(/^\r\n/, '').split('\r\n\r\n')[0]!.replace(/\r\n[ \t]/g, ' ').split('\r\n').map((l) => l.replace(/^[^:]+/, (k) => k.toLowerCase())));
}

function expectWireReady(raw: Buffer, who: string): void {
  const text = raw.toString('latin1');
  expect(/\r(?!\n)|(?<!\r)\n/.test(text), `${who}: a bare CR or LF`).toBe(false);
  expect(text.endsWith('\r\n'), who).toBe(true);
  for (const line of text.split('\r\n')) expect(line.length, `${who}: ${line.slice(0, 60)}…`).toBeLessThanOrEqual(998);
  // 7-bit: the parts are quoted-printable, the headers encoded words (an SMTPUTF8 address aside).
  const ascii = (s: string) => Buffer.byteLength(s, 'utf8') === s.length;
  if (ascii(who)) expect(ascii(Buffer.from(raw).toString('utf8')), who).toBe(true);
}

/** The error a call throws (undefined when it returns), as the fields a caller sees. */
function thrown(f: () => unknown): { code: string; message: string; where: string | undefined; fix: string | undefined } | undefined {
  try {
    f();
    return undefined;
  } catch (error) {
    if (!(error instanceof NewsletterError)) throw error;
    return { code: error.code, message: error.message, where: error.where, fix: error.fix };
  }
}

/** Compares every recipient; returns how many messages were made (the rest both refused alike). */
async function compareAll(prepared: PreparedIssue, list: Recipient[]): Promise<number> {
  let spliced = 0;
  for (const r of list) {
    // A long name beside an address that cannot sit next to encoded words: both refuse, with the same error.
    const refused = thrown(() => messageFor(prepared, r, DATE));
    if (refused) {
      expect(refused, JSON.stringify(r)).toEqual(await composed(prepared, r).then(() => undefined, (error: NewsletterError) => ({ code: error.code, message: error.message, where: error.where, fix: error.fix })));
      continue;
    }
    const mail = messageFor(prepared, r, DATE);
    expect(Buffer.isBuffer(mail.raw), r.email).toBe(true);
    const raw = mail.raw as Buffer;
    expectWireReady(raw, r.email);
    const todayRaw = await composed(prepared, r);
    const [ours, today] = await Promise.all([simpleParser(raw), simpleParser(todayRaw)]);
    const who = JSON.stringify(r);
    expect(addresses(ours.from), who).toEqual(addresses(today.from));
    expect(addresses(ours.to), who).toEqual(addresses(today.to));
    expect(addresses(ours.replyTo), who).toEqual(addresses(today.replyTo));
    expect(ours.subject, who).toBe(today.subject);
    expect(ours.messageId, who).toBe(today.messageId);
    expect(mail.messageId, who).toBe(today.messageId);
    expect(ours.date?.toISOString(), who).toBe(today.date?.toISOString());
    for (const key of ['list-unsubscribe', 'list-unsubscribe-post', 'list-id', 'mime-version', 'x-newsletter-sample-secret'])
      expect(header(ours, key), `${who} ${key}`).toBe(header(today, key));
    expect((ours.headers.get('content-type') as { value: string }).value).toBe('multipart/alternative');
    expect(partHeaders(raw), who).toEqual(partHeaders(todayRaw));
    expect(ours.text, who).toBe(today.text);
    expect(ours.html, who).toBe(today.html);
    expect(mail.envelope, who).toEqual({ from: prepared.from.address, to: [r.email] });
    spliced++;
  }
  return spliced;
}

describe('the spliced message (raw-message.ts) against composeMessage + MailComposer', () => {
  it('says the same for 1,000 generated subscribers of the fixture issue (subject with a merge field)', async () => {
    const prepared = prepareIssue(await fixtureIssue(), envFor(2525), SECRET);
    expect(prepared.raw).toBeDefined();
    expect(await compareAll(prepared, subscribers(1000))).toBeGreaterThan(950);
  }, 120_000);

  it('and for the seed issue (non-ASCII subject without merge fields), with an extra header and a Reply-To', async () => {
    const built = await buildIssue({ contentDir: `${ROOT}/content` });
    const prepared = prepareIssue(built, { unsubscribeMailto: 'unsubscribe@example.com' }, SECRET, { extraHeaders: { 'X-Newsletter-Sample-Secret': 'sample, see the docs' } });
    expect(await compareAll(prepared, subscribers(100))).toBeGreaterThan(90);
  }, 120_000);

  it('writes To exactly as nodemailer does on its shortcut for plain names and addresses', () => {
    const node = new MimeNode(false, {});
    for (const r of subscribers(2000)) {
      const name = [r.firstName, r.lastName].filter((p) => p && p.trim()).join(' ');
      if (name.length > 200) continue; // the stand-in case, compared above
      expect(toLine(name, r.email, r.email)).toBe(foldLines(`To: ${node.encodeHeaderValue('To', name ? { name, address: r.email } : r.email)}`, 76));
    }
  });

  it.each<[string, Recipient]>([
    ['first name', { email: 'eve@example.com', firstName: 'Eve\r\nBcc: victim@example.com' }],
    ['last name', { email: 'eve@example.com', firstName: 'Eve', lastName: 'X\rY' }],
    ['recipient address', { email: 'eve@example.com\r\nBcc: victim@example.com' }],
    ['To name', { email: 'odd=?x@example.com', firstName: 'L'.repeat(600) }],
  ])('refuses a bad %s with the same NewsletterError as composeMessage', async (_field, r) => {
    const prepared = prepareIssue(await fixtureIssue(), envFor(2525), SECRET);
    const caught = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return error;
      }
      throw new Error('no error');
    };
    const ours = caught(() => messageFor(prepared, r, DATE)) as NewsletterError;
    const url = unsubscribeUrl(prepared.unsubscribeBase, r.email, prepared.props.newsletter.listId, SECRET);
    const today = caught(() =>
      composeMessage({ props: prepared.props, personalized: personalize(prepared.compiled, valuesFor(prepared.props, r, url)), recipient: r, unsubscribe: { url, mailto: prepared.unsubscribeMailto }, from: prepared.from, date: DATE }),
    ) as NewsletterError;
    expect(ours).toBeInstanceOf(NewsletterError);
    expect({ code: ours.code, message: ours.message, where: ours.where, fix: ours.fix }).toEqual({ code: today.code, message: today.message, where: today.where, fix: today.fix });
    expect(ours.code).toBe('ESEND');
  });

  it('refuses every recipient, naming each, when a value all messages share would inject a header', async () => {
    const built = await fixtureIssue();
    const bad = { ...built, props: { ...built.props, newsletter: { ...built.props.newsletter, name: 'Brief\r\nBcc: victim@example.com' } } };
    const prepared = prepareIssue(bad, {}, SECRET);
    for (const email of ['a@example.com', 'b@example.com'])
      expect(() => messageFor(prepared, { email }, DATE)).toThrow(expect.objectContaining({ code: 'ESEND', where: email, message: expect.stringContaining(`The newsletter name for ${email}`) }));
  });

  it.each<[string, Recipient, string]>([
    ['empty', { email: '' }, 'a recipient without a name'],
    ['blank (the reader named by name)', { email: '  ', firstName: 'Ada', lastName: 'Lovelace' }, 'the recipient "Ada Lovelace"'],
  ])('refuses a recipient address that is %s (it made an empty To field; nodemailer leaves To out), signed run or not', async (_kind, r, who) => {
    for (const prepared of [prepareIssue(await fixtureIssue(), envFor(2525), SECRET), prepareIssue(await fixtureIssue(), envFor(2525), SECRET, { dkim: dkimConfig(dkimKeys(1024)) })])
      expect(() => messageFor(prepared, r, DATE)).toThrow(expect.objectContaining({ code: 'ESEND', where: who, message: expect.stringContaining(`The recipient address of ${who} is empty`) }));
  });
});

describe('the spliced bytes through nodemailer to a real SMTP server', () => {
  it('arrive whole, DKIM-signed (RSA-2048) as messageFor made them, and the signature verifies (mailauth), covering both List-Unsubscribe headers', async () => {
    const keys = dkimKeys();
    const server = await startSmtpTestServer();
    const transport = createSmtpTransport(envFor(server.port).smtp!, { concurrency: 1 });
    try {
      const prepared = prepareIssue(await fixtureIssue(), envFor(server.port), SECRET, { dkim: dkimConfig(keys) });
      const recipient = { email: 'zoe+news@example.com', firstName: 'Zoë', lastName: `O'Brien` };
      const mail = messageFor(prepared, recipient, DATE);
      const info = await transport.sendMail(mail);
      expect(info.messageId).toBe(mail.messageId);
      expect(server.received).toHaveLength(1);
      const got = server.received[0]!;
      expect(got.envelopeTo).toEqual(['zoe+news@example.com']);
      // What arrived is the signed message as messageFor made it, byte for byte: the transport signs nothing.
      expect(got.raw).toBe((mail.raw as Buffer).toString('utf8'));
      expect(got.raw.startsWith('DKIM-Signature: ')).toBe(true);
      const result = await verifyDkim(got.raw, keys);
      expect(result.result).toBe('pass');
      expect(result.signed).toEqual(expect.arrayContaining(['from', 'to', 'subject', 'date', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post', 'list-id']));
      // And the verifier can fail: one changed byte of the body, or of a signed header, breaks it.
      const end = got.raw.indexOf('\r\n\r\n');
      expect((await verifyDkim(got.raw.slice(0, end) + got.raw.slice(end).replace('Zo=C3=AB', 'Zo=C3=AC'), keys)).result).not.toBe('pass');
      expect((await verifyDkim(got.raw.replace('List-Unsubscribe-Post: List-Unsubscribe=One-Click', 'List-Unsubscribe-Post: List-Unsubscribe=One-click'), keys)).result).toBe('fail');
      expect(got.parsed.subject).toBe('Zoë, your issue 3 is here');
    } finally {
      transport.close();
      await server.close();
    }
  });
});
