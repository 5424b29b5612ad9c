/**
 * The Postfix harness makes real delivery status notifications (issue 14): mail to unknown
 * example.com users, accepted at RCPT TO, bounces inside Postfix, and Postfix's own DSN
 * (RFC 3464 multipart/report) comes back to the VERP return path's Maildir, all on 127.0.0.1.
 *
 * UPDATE_POSTFIX_FIXTURES=1 also copies the two DSNs, byte for byte, to tests/fixtures/bounces/
 * (postfix-real-dsn.eml: two unknown users, 5.1.1; postfix-real-dsn-soft.eml: a 4.2.2 tried once).
 */
import { chmod, copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/content.ts';
import { SKIP_POSTFIX, startPostfix, type Postfix } from '../helpers/postfix.ts';

const BOUNCES = 'bounces@news.example.com';
const RETURN_PATH = 'bounces+t0k3n@news.example.com';
const KNOWN = 'user0@example.com';
const UNKNOWN = ['nobody1@example.com', 'nobody2@example.com'];
const SOFT = 'full@example.com';
const MESSAGE_ID = '<issue-3.t0k3n@news.example.com>';

interface Dsn {
  raw: Buffer;
  mail: ParsedMail;
  /** Per-recipient fields of the message/delivery-status part, by Final-Recipient address (lower-cased). */
  recipients: Map<string, Map<string, string>>;
  /** The returned message (message/rfc822 part), as text. */
  returned: string;
}

/**
 * The delivery-status body is header-style field groups separated by blank lines (RFC 3464 §2.1):
 * the first group is about the message, each later one about one recipient.
 */
function fieldGroups(text: string): Map<string, string>[] {
  const unfolded = text.replace(/\r\n/g, '\n').replace(/\n[ \t]+/g, ' ');
  return unfolded
    .split(/\n\s*\n/)
    .filter((group) => group.trim() !== '')
    .map((group) => new Map(group.split('\n').map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()] as [string, string])));
}

/** `rfc822; ada@example.com` → `ada@example.com` (RFC 3464 §2.3.2: address-type ";" generic-address). */
const addressOf = (field: string | undefined) => (field ?? '').slice((field ?? '').indexOf(';') + 1).trim().toLowerCase();

async function readDsn(path: string): Promise<Dsn> {
  const raw = await readFile(path);
  // By default mailparser folds message/delivery-status into `text`; this keeps it a part of its own.
  const mail = await simpleParser(raw, { keepDeliveryStatus: true });
  const part = (type: string) => mail.attachments.find((a) => a.contentType === type)?.content.toString('utf8') ?? '';
  const [, ...perRecipient] = fieldGroups(part('message/delivery-status'));
  return { raw, mail, recipients: new Map(perRecipient.map((g) => [addressOf(g.get('final-recipient')), g])), returned: part('message/rfc822') };
}

const verdict = (dsn: Dsn, address: string) => {
  const fields = dsn.recipients.get(address);
  return { action: fields?.get('action'), status: fields?.get('status'), diagnostic: fields?.get('diagnostic-code') };
};

const headerAddress = (mail: ParsedMail, name: string) => {
  const value = mail.headers.get(name);
  return typeof value === 'string' ? value : (value as { value?: { address?: string }[] } | undefined)?.value?.[0]?.address;
};

function send(pf: Postfix, to: string[]) {
  const transport = createTransport({ host: '127.0.0.1', port: pf.port, secure: false, ignoreTLS: true });
  return transport.sendMail({
    envelope: { from: RETURN_PATH, to },
    from: 'Hemisphere Brief <news@news.example.com>',
    to: KNOWN,
    subject: 'Issue 3',
    messageId: MESSAGE_ID,
    text: 'Hello from issue 3.',
  });
}

describe.skipIf(SKIP_POSTFIX)('real DSNs from a Postfix on 127.0.0.1', () => {
  let accepting: Promise<Postfix>;
  let refusing: Promise<Postfix>;
  let startedAt = 0;

  beforeAll(() => {
    startedAt = Date.now();
    accepting = startPostfix({ mailboxes: [KNOWN], bounces: { mailbox: BOUNCES, acceptUnknown: true, soft: { [SOFT]: '4.2.2 Mailbox full' } } });
    refusing = startPostfix({ mailboxes: [KNOWN], bounces: { mailbox: BOUNCES } });
    // A failed start is reported by the test that awaits it, not as an unhandled rejection here.
    accepting.catch(() => {});
    refusing.catch(() => {});
  });
  afterAll(async () => {
    const all = await Promise.allSettled([accepting, refusing]);
    await Promise.all(all.flatMap((s) => (s.status === 'fulfilled' ? [s.value.stop()] : [])));
  });

  it('unknown users (5.1.1) and a full mailbox (4.2.2, tried once) come back as RFC 3464 reports to the VERP return path', async () => {
    const pf = await accepting;
    const sentAt = Date.now();
    const info = await send(pf, [KNOWN, ...UNKNOWN, SOFT]);
    expect(info.rejected).toEqual([]);
    const files = await pf.waitForBounces(2, 10_000);
    const arrivedMs = Date.now() - sentAt;
    await pf.settled();
    expect(await readdir(join(pf.bounceMaildir!, 'new'))).toHaveLength(2);
    console.log(`Postfix DSNs: 2 in the Maildir ${arrivedMs} ms after the send; test ${Date.now() - startedAt} ms with the Postfix start`);
    expect(arrivedMs).toBeLessThan(10_000);

    const dsns = await Promise.all(files.map(readDsn));
    for (const { mail, returned } of dsns) {
      expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/report', params: { 'report-type': 'delivery-status' } });
      expect(headerAddress(mail, 'to')).toBe(RETURN_PATH);
      expect(headerAddress(mail, 'delivered-to')).toBe(RETURN_PATH);
      expect(headerAddress(mail, 'x-original-to')).toBe(RETURN_PATH);
      expect(mail.headers.get('auto-submitted')).toBe('auto-replied');
      expect(returned).toContain(`Message-ID: ${MESSAGE_ID}`);
    }
    const hard = dsns.find((d) => d.recipients.has(UNKNOWN[0]!));
    const soft = dsns.find((d) => d.recipients.has(SOFT));
    expect([...(hard?.recipients.keys() ?? [])].sort()).toEqual(UNKNOWN);
    for (const address of UNKNOWN) {
      expect(verdict(hard!, address)).toEqual({ action: 'failed', status: '5.1.1', diagnostic: `X-Postfix; unknown user: "${address}"` });
    }
    expect([...(soft?.recipients.keys() ?? [])]).toEqual([SOFT]);
    expect(verdict(soft!, SOFT)).toEqual({ action: 'failed', status: '4.2.2', diagnostic: 'X-Postfix; Mailbox full' });

    const [delivered, ...more] = await pf.messages(KNOWN);
    expect(more).toEqual([]);
    expect(delivered?.messageId).toBe(MESSAGE_ID);

    if (process.env.UPDATE_POSTFIX_FIXTURES === '1') {
      await mkdir(join(FIXTURES, 'bounces'), { recursive: true });
      await copyFile(files[dsns.indexOf(hard!)]!, join(FIXTURES, 'bounces', 'postfix-real-dsn.eml'));
      await copyFile(files[dsns.indexOf(soft!)]!, join(FIXTURES, 'bounces', 'postfix-real-dsn-soft.eml'));
      // Maildir files are 0600; fixtures are read by anyone.
      for (const name of ['postfix-real-dsn.eml', 'postfix-real-dsn-soft.eml']) await chmod(join(FIXTURES, 'bounces', name), 0o644);
    }
  });

  it('without acceptUnknown an unknown user is still refused at RCPT TO (550 5.1.1), and nothing bounces', async () => {
    const pf = await refusing;
    const info = await send(pf, [KNOWN, UNKNOWN[0]!]);
    expect(info.rejected).toEqual([UNKNOWN[0]]);
    expect(String(info.rejectedErrors?.[0]?.message)).toMatch(/550 5\.1\.1/);
    await pf.settled();
    expect(await readdir(join(pf.bounceMaildir!, 'new'))).toEqual([]);
    expect(await pf.counts()).toEqual(new Map([[KNOWN, 1]]));
  });
});
