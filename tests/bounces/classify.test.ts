import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyMessage, type ClassifiedMessage, type ReportRecipient } from '../../src/bounces/report/index.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/bounces');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const classify = (name: string) => classifyMessage(fixture(name));

interface Expected {
  kind: ClassifiedMessage['kind'];
  format: string;
  messageId?: string;
  deliveredTo: string[];
  recipients: ReportRecipient[];
  originalMessageId?: string;
  feedbackType?: string;
}

// One fixture per format (each names its source in an X-Fixture-Source header).
const CASES: [string, Expected][] = [
  ['dsn-postfix-user-unknown.eml', {
    kind: 'bounce', format: 'dsn', messageId: '<20231114221320.3F2A81C0B5@mail.news.example.com>',
    // The VERP return path the lead reads the token from.
    deliveredTo: ['bounces+abc123@news.example.com'],
    recipients: [{
      address: 'nobody@example.org', originalRecipient: 'nobody@example.org', action: 'failed', status: '5.1.1', permanent: true,
      diagnostic: '550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table',
    }],
    originalMessageId: '<issue-7.abc123@news.example.com>',
  }],
  ['dsn-two-recipients.eml', {
    kind: 'bounce', format: 'dsn', messageId: '<202311150902.3AF92aZq012345@relay.example.net>', deliveredTo: ['bounces+t2r@news.example.com'],
    recipients: [
      { address: 'gone@example.net', action: 'failed', status: '5.1.1', permanent: true, diagnostic: '550 5.1.1 <gone@example.net>... User unknown' },
      { address: 'slow@example.com', action: 'delayed', status: '4.4.1', permanent: false, diagnostic: '451 4.4.1 reply: read error from mx.example.com.' },
    ],
    originalMessageId: '<issue-8.batch2@news.example.com>',
  }],
  ['dsn-mailbox-full.eml', {
    kind: 'bounce', format: 'dsn', messageId: '<99492c67-8994-47f4-8481-d8c6ec032749>', deliveredTo: ['bounces+full1@news.example.com'],
    recipients: [{
      address: 'jh1669@corp.example.edu', originalRecipient: 'jh1669@corp.example.edu', action: 'failed', status: '5.2.2', permanent: true,
      diagnostic: expect.stringMatching(/^550 5\.2\.2 STOREDRV\.Deliver: mailbox full\. The following information should help identify the cause: "MapiExceptionShutoffQuotaExceeded:16\.18969:AE000000, .*…$/) as string,
    }],
    originalMessageId: '<issue-3.full1@news.example.com>',
  }],
  ['dsn-policy-rejection.eml', {
    kind: 'bounce', format: 'dsn', messageId: '<20231116100005.77C0E1C0B6@mail.news.example.com>', deliveredTo: ['bounces+pol9@news.example.com'],
    recipients: [{
      address: 'reader@isp.example', originalRecipient: 'reader@isp.example', action: 'failed', status: '5.7.1', permanent: true,
      diagnostic: '554 5.7.1 Service unavailable; Client host [203.0.113.9] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.9',
    }],
    // The original came back as text/rfc822-headers.
    originalMessageId: '<issue-9.pol9@news.example.com>',
  }],
  ['dsn-gmail.eml', {
    kind: 'bounce', format: 'dsn', messageId: '<6557bd4b.050a0220.4d3a1.0a1bSMTPIN_ADDED_MISSING@mx.google.com>', deliveredTo: ['bounces+g55@news.example.com'],
    recipients: [{
      address: 'no.such.user.4711@gmail.com', action: 'failed', status: '5.1.1', permanent: true,
      diagnostic: "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. Learn more at 550 5.1.1 https://support.google.com/mail/?p=NoSuchUser a1si123456.21 - gsmtp",
    }],
    originalMessageId: '<issue-10.g55@news.example.com>',
  }],
  ['dsn-global-utf8.eml', {
    kind: 'bounce', format: 'dsn', messageId: '<20231118080000.UTF8DSN@mx.example.cn>', deliveredTo: ['bounces+u8@news.example.com'],
    recipients: [{ address: '用户@例子.广告', originalRecipient: '用户@例子.广告', action: 'failed', status: '5.1.1', permanent: true, diagnostic: '550 5.1.1 用户@例子.广告: mailbox unknown' }],
    originalMessageId: '<issue-11.u8@news.example.com>',
  }],
  ['arf-abuse.eml', {
    kind: 'complaint', format: 'arf', feedbackType: 'abuse', messageId: '<arf-2005-03-08-0001@isp.example>', deliveredTo: ['bounces+fbl7@news.example.com'],
    // Original-Rcpt-To wins over Removal-Recipient; the domain is lowercased, the local part kept.
    recipients: [{ address: 'Reader@isp.example', permanent: true }],
    originalMessageId: '<issue-7.fbl7@news.example.com>',
  }],
  ['arf-redacted.eml', {
    kind: 'complaint', format: 'arf', feedbackType: 'abuse', messageId: '<20231119.abcdef@arf.mail.yahoo.com>', deliveredTo: ['fbl@news.example.com'],
    recipients: [{ address: 'someone@yahoo.example', permanent: true }],
    originalMessageId: '<issue-12.yh12@news.example.com>',
  }],
  ['arf-redacted-verp.eml', {
    kind: 'complaint', format: 'arf', feedbackType: 'abuse', messageId: '<aol-fbl-000042@aol.example>', deliveredTo: ['fbl@news.example.com'],
    // The placeholder names nobody: the address stays unknown, the original identifies the recipient.
    recipients: [{ permanent: true }],
    originalMessageId: '<issue-12.zz42@news.example.com>',
  }],
  ['arf-not-spam.eml', {
    kind: 'unknown', format: 'arf', feedbackType: 'not-spam', messageId: '<notspam-77@isp.example>', deliveredTo: ['fbl@news.example.com'],
    recipients: [], originalMessageId: '<issue-13.ns77@news.example.com>',
  }],
  ['exim-prose.eml', {
    kind: 'bounce', format: 'exim', messageId: '<E1X58pT-0004bZ-Co@marutamachi.example.org>', deliveredTo: ['bounces+ex2@news.example.com'],
    recipients: [
      { address: 'kijitora@example.jp', action: 'failed', status: '5.1.1', permanent: true, diagnostic: 'SMTP error from remote mail server after RCPT TO:<kijitora@example.jp>: host mx.example.jp [192.0.2.153]: 550 5.1.1 <kijitora@example.jp>... User Unknown' },
      { address: 'sabatora@example.jp', action: 'failed', status: '5.2.1', permanent: true, diagnostic: 'SMTP error from remote mail server after RCPT TO:<sabatora@example.jp>: host mx.example.jp [192.0.2.153]: 550 5.2.1 <sabatora@example.jp>... Mailbox disabled' },
    ],
    originalMessageId: '<issue-5.ex2@news.example.com>',
  }],
  ['exchange-prose.eml', {
    kind: 'bounce', format: 'exchange', messageId: '<e1f0c2a4-55aa-4a63-a0c7-2b9f6c6de001@AM0PR02MB1234.eurprd02.prod.outlook.com>', deliveredTo: ['bounces+o365@news.example.com'],
    recipients: [{ address: 'alex.former@contoso.example', action: 'failed', status: '5.1.10', permanent: true, diagnostic: "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'" }],
    originalMessageId: '<issue-14.o365@news.example.com>',
  }],
  ['yahoo-prose.eml', {
    kind: 'bounce', format: 'yahoo', messageId: '<yahoo-failure-notice-1@mta1445.mail.gq1.yahoo.com>', deliveredTo: ['bounces+yh1@news.example.com'],
    // No enhanced code anywhere: the bare 554 reply makes it 5.0.0.
    recipients: [{ address: 'ghost.reader@yahoo.com', action: 'failed', status: '5.0.0', permanent: true, diagnostic: "554: delivery error: dd This user doesn't have a yahoo.com account (ghost.reader@yahoo.com) [0] - mta1445.mail.gq1.yahoo.com" }],
    originalMessageId: '<issue-15.yh1@news.example.com>',
  }],
  ['qmail-prose.eml', {
    // No Message-ID of its own, as qmail writes them.
    kind: 'bounce', format: 'qmail', deliveredTo: ['bounces+qm1@news.example.com'],
    recipients: [{ address: 'kuroneko@example.com', action: 'failed', status: '5.1.1', permanent: true, diagnostic: 'Sorry, no mailbox here by that name. (#5.1.1)' }],
    originalMessageId: '<issue-4.qm1@news.example.com>',
  }],
  ['postfix-prose.eml', {
    kind: 'bounce', format: 'postfix-prose', messageId: '<20070712071428.8CB3F248313@old.example.net>', deliveredTo: ['bounces+pf0@news.example.com'],
    recipients: [{ address: 'scottj@example.com', action: 'failed', status: '5.1.0', permanent: true, diagnostic: 'host mailstore1.example.com[192.0.2.201] said: 550 #5.1.0 Address rejected scottj@example.com (in reply to RCPT TO command)' }],
    originalMessageId: '<issue-1.pf0@news.example.com>',
  }],
  ['mailer-daemon-prose.eml', {
    kind: 'bounce', format: 'mailer-daemon', messageId: '<202311241510.AUFAAA01234@gw.example.org>', deliveredTo: ['bounces+sm1@news.example.com'],
    recipients: [{ address: 'nobody.here@example.org', action: 'failed', status: '5.1.1', permanent: true, diagnostic: '550 5.1.1 <nobody.here@example.org>... User unknown' }],
    originalMessageId: '<issue-16.sm1@news.example.com>',
  }],
  ['gmail-prose.eml', {
    kind: 'bounce', format: 'gmail', messageId: '<12bdbe7a4a7e3940ab3ee3ef74db77e0@google.com>', deliveredTo: ['bounces+gm2@news.example.com'],
    recipients: [{ address: 'neko-nyaan@google.example.com', action: 'failed', status: '5.2.2', permanent: true, diagnostic: 'The email account that you tried to reach is over quota. 552 5.2.2 https://support.google.com/mail/?p=OverQuotaPerm' }],
    originalMessageId: '<issue-2.gm2@news.example.com>',
  }],
  ['auto-reply-out-of-office.eml', { kind: 'auto-reply', format: 'out-of-office', messageId: '<oof-reply-1@contoso.example>', deliveredTo: ['bounces+oof1@news.example.com'], recipients: [] }],
  ['auto-reply-subject-only.eml', { kind: 'auto-reply', format: 'out-of-office', messageId: '<CAHans0001@mail.firma.example>', deliveredTo: ['bounces+oof2@news.example.com'], recipients: [] }],
  // Says the person left and even quotes a 550: still an auto-reply (RFC 3834 Auto-Submitted), never a bounce.
  ['auto-reply-no-longer-with-company.eml', { kind: 'auto-reply', format: 'auto-submitted', messageId: '<CAJaneVacation01@mail.gmail.com>', deliveredTo: ['bounces+left1@news.example.com'], recipients: [] }],
  ['challenge-response.eml', { kind: 'auto-reply', format: 'challenge-response', messageId: '<challenge-8812@challenge.example>', deliveredTo: ['bounces+cr1@news.example.com'], recipients: [] }],
  // A reader's reply, even one quoting "550 5.1.1 user unknown", is not a bounce.
  ['human-reply.eml', { kind: 'unknown', format: 'unknown', messageId: '<CAPat0001@mail.example.net>', deliveredTo: ['bounces+hr1@news.example.com'], recipients: [] }],
];

describe('classifyMessage: one fixture per format', () => {
  it.each(CASES)('%s', async (name, expected) => {
    const result = await classify(name);
    expect(result.kind).toBe(expected.kind);
    expect(result.format).toBe(expected.format);
    expect(result.messageId).toBe(expected.messageId);
    expect(result.deliveredTo).toEqual(expected.deliveredTo);
    expect(result.recipients).toEqual(expected.recipients);
    expect(result.original?.messageId).toBe(expected.originalMessageId);
    expect(result.feedbackType).toBe(expected.feedbackType);
    if (expected.kind === 'unknown') expect(result.reason).toBeTruthy();
  });
});

describe('what the lead needs to find the recipient', () => {
  it('exposes the whole original of a DSN: To, From, Return-Path (VERP), decoded Subject, List-Id', async () => {
    expect((await classify('dsn-postfix-user-unknown.eml')).original).toEqual({
      messageId: '<issue-7.abc123@news.example.com>',
      to: ['nobody@example.org'],
      from: 'news@news.example.com',
      returnPath: 'bounces+abc123@news.example.com',
      subject: 'Issue 7: Café notes',
      listId: 'hemisphere-brief.news.example.com',
    });
  });

  it('reads an ARF original attached inline (mailparser would otherwise parse it into the text)', async () => {
    const result = await classify('arf-abuse.eml');
    expect(result.original).toMatchObject({ returnPath: 'bounces+fbl7@news.example.com', listId: 'hemisphere-brief.news.example.com' });
  });

  it('keeps a redacted complaint identifiable by the original Message-ID and VERP Return-Path', async () => {
    const result = await classify('arf-redacted-verp.eml');
    expect(result.recipients).toEqual([{ permanent: true }]);
    expect(result.original).toMatchObject({ messageId: '<issue-12.zz42@news.example.com>', returnPath: 'bounces+zz42@news.example.com', to: ['redacted@aol.example'] });
  });

  it('says why a not-spam report is not a complaint', async () => {
    expect((await classify('arf-not-spam.eml')).reason).toBe('not-spam report');
  });

  it('collects every delivery header, lowercased and without repeats', async () => {
    const raw = Buffer.from(
      'Delivered-To: Bounces+XyZ@News.Example.com\r\nDelivered-To: bounces+xyz@news.example.com\r\nX-Original-To: a@b.example\r\nEnvelope-To: c@d.example\r\nX-Envelope-To: <e@f.example>\r\nTo: "List, The" <g@h.example>, i@j.example\r\nSubject: hi\r\n\r\nhello\r\n',
    );
    expect((await classifyMessage(raw)).deliveredTo).toEqual(['bounces+xyz@news.example.com', 'a@b.example', 'c@d.example', 'e@f.example', 'g@h.example', 'i@j.example']);
  });
});

const dsn = (statusFields: string, text = 'See the report.') =>
  Buffer.from(
    [
      'From: MAILER-DAEMON@mx.example.net',
      'To: bounces+k1@news.example.com',
      'Subject: Delivery Status Notification',
      'Message-ID: <dsn-inline@mx.example.net>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      text,
      '',
      '--b',
      'Content-Type: message/delivery-status',
      '',
      statusFields,
      '',
      '--b--',
      '',
    ].join('\r\n'),
  );

describe('DSN rules (RFC 3464 / RFC 3463)', () => {
  it('lets the structured fields win over the prose', async () => {
    const prose = 'This is the mail system at host mx.example.net.\r\n\r\n<x@example.org>: host mx said: 452 4.2.2 mailbox full (in reply to RCPT TO command)';
    const result = await classifyMessage(dsn('Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; x@example.org\r\nAction: failed\r\nStatus: 5.1.1', prose));
    // Status from the field; the missing Diagnostic-Code is filled from the prose.
    expect(result.recipients).toEqual([{ address: 'x@example.org', action: 'failed', status: '5.1.1', permanent: true, diagnostic: 'host mx said: 452 4.2.2 mailbox full (in reply to RCPT TO command)' }]);
  });

  it('treats a class-2 status as no failure', async () => {
    const result = await classifyMessage(dsn('Final-Recipient: rfc822; ok@example.org\r\nAction: delivered\r\nStatus: 2.0.0'));
    expect(result.recipients).toEqual([{ address: 'ok@example.org', action: 'delivered', status: '2.0.0', permanent: false }]);
  });

  it('takes the status from the Diagnostic-Code when Status is missing, and a bare reply code as x.0.0', async () => {
    const result = await classifyMessage(
      dsn('Final-Recipient: rfc822; a@example.org\r\nAction: failed\r\nDiagnostic-Code: smtp; 550-5.1.1 no such user\r\n\r\nFinal-Recipient: rfc822; b@example.org\r\nAction: delayed\r\nDiagnostic-Code: smtp; 421 try later\r\n\r\nFinal-Recipient: rfc822; c@example.org\r\nAction: failed'),
    );
    expect(result.recipients.map((r) => [r.address, r.status, r.permanent])).toEqual([
      ['a@example.org', '5.1.1', true],
      ['b@example.org', '4.0.0', false],
      // A failed DSN without any code is permanent.
      ['c@example.org', undefined, true],
    ]);
  });

  it('falls back to Original-Recipient, unfolds and cuts long diagnostics to 300 characters', async () => {
    const long = `smtp; 550 5.1.1 ${'x'.repeat(200)}\r\n ${'y'.repeat(200)}`;
    const result = await classifyMessage(dsn(`Original-Recipient: rfc822;<Who@Example.ORG>\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: ${long}`));
    const [recipient] = result.recipients;
    expect(recipient?.address).toBe('Who@example.org');
    expect(Array.from(recipient?.diagnostic ?? '')).toHaveLength(300);
    expect(recipient?.diagnostic).toMatch(/^550 5\.1\.1 x+ y+…$/);
  });

  it('caps 10,000 recipient blocks at 1,000 and says so', async () => {
    const blocks = Array.from({ length: 10_000 }, (_, i) => `Final-Recipient: rfc822; r${i}@example.org\r\nAction: failed\r\nStatus: 5.1.1`).join('\r\n\r\n');
    const result = await classifyMessage(dsn(`Reporting-MTA: dns; mx\r\n\r\n${blocks}`));
    expect(result.kind).toBe('bounce');
    expect(result.recipients).toHaveLength(1000);
    expect(result.recipients[999]?.address).toBe('r999@example.org');
    expect(result.reason).toMatch(/only the first 1000/);
  });

  it('a delivery-status part without recipient blocks and no prose is unknown, with the reason', async () => {
    const result = await classifyMessage(dsn('Reporting-MTA: dns; mx.example.net'));
    expect(result).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/without recipient fields/) as string });
  });
});

describe('prose bounces need a mail-system sender', () => {
  const exim = (from: string, subject: string, returnPath: string) =>
    Buffer.from(
      `Return-Path: ${returnPath}\r\nFrom: ${from}\r\nTo: bounces+p@news.example.com\r\nSubject: ${subject}\r\n\r\n` +
        'A message that you sent could not be delivered to one or more of its\r\nrecipients. This is a permanent error. The following address(es) failed:\r\n\r\n  gone@example.org\r\n    550 5.1.1 User unknown\r\n',
    );

  it.each([
    ['MAILER-DAEMON', 'Mail Delivery System <Mailer-Daemon@mx.example.org>', 'Hi', '<someone@example.org>'],
    ['a bounce subject', 'Someone <someone@example.org>', 'Mail delivery failed: returning message to sender', '<someone@example.org>'],
    ['an empty Return-Path', 'Someone <someone@example.org>', 'Hi', '<>'],
  ])('reads it from %s', async (_name, from, subject, returnPath) => {
    const result = await classifyMessage(exim(from, subject, returnPath));
    expect(result).toMatchObject({ kind: 'bounce', format: 'exim', recipients: [{ address: 'gone@example.org', status: '5.1.1', permanent: true }] });
  });

  it('does not read it from a person forwarding the same text', async () => {
    expect((await classifyMessage(exim('Someone <someone@example.org>', 'Fwd: look at this', '<someone@example.org>'))).kind).toBe('unknown');
  });

  it('lists an unreadable mail-system message as unknown, not as an auto-reply, though it says Auto-Submitted', async () => {
    const raw = Buffer.from('From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\nAuto-Submitted: auto-replied\r\nSubject: Something happened\r\n\r\nYour message had a problem.\r\n');
    expect(await classifyMessage(raw)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/from a mail system/) as string });
  });

  it('marks a Postfix delay warning as delayed, not permanent', async () => {
    const raw = Buffer.from(
      'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\nSubject: Delayed Mail (still being retried)\r\nTo: bounces+d@news.example.com\r\n\r\n' +
        'This is the mail system at host mx.example.net.\r\n\r\n####################################################################\r\n# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\r\n####################################################################\r\n\r\n' +
        '<later@example.org>: connect to mx.example.org[192.0.2.9]:25: Connection timed out\r\n',
    );
    expect((await classifyMessage(raw)).recipients).toEqual([
      { address: 'later@example.org', action: 'delayed', permanent: false, diagnostic: 'connect to mx.example.org[192.0.2.9]:25: Connection timed out' },
    ]);
  });

  it('reads a bounce whose text is ISO-8859-1', async () => {
    const raw = Buffer.concat([
      Buffer.from('From: MAILER-DAEMON@yahoo.com\r\nSubject: Failure Notice\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nSorry, we were unable to deliver your message to the following address.\r\n\r\n<m'),
      Buffer.from([0xfc]),
      Buffer.from('ller@example.de>:\r\nRemote host said: 550 5.1.1 unbekannt\r\n'),
    ]);
    expect((await classifyMessage(raw)).recipients).toMatchObject([{ address: 'müller@example.de', status: '5.1.1' }]);
  });
});

describe('hostile and broken input never throws', () => {
  it('refuses a message over 10 MB without parsing it', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 'a');
    const started = performance.now();
    const result = await classifyMessage(big);
    expect(performance.now() - started).toBeLessThan(50);
    expect(result).toMatchObject({ kind: 'unknown', recipients: [], deliveredTo: [] });
    expect(result.reason).toMatch(/over the 10 MB limit/);
  });

  it('scans a 9.9 MB body that is one long line in linear time (an unbounded address pattern took 92 s)', async () => {
    const raw = Buffer.from(`From: MAILER-DAEMON@mx.example.net\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\n${'y'.repeat(9.9 * 1024 * 1024)}\r\n`);
    const started = performance.now();
    const result = await classifyMessage(raw);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.kind).toBe('unknown');
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['binary garbage', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))],
    ['a multipart/report with no boundary', Buffer.from('Content-Type: multipart/report; report-type=delivery-status\r\n\r\nFinal-Recipient: rfc822; a@b.c\r\n')],
    ['a 10,000-part MIME tree', Buffer.from(`Content-Type: multipart/mixed; boundary=x\r\n\r\n${'--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n'.repeat(10_000)}--x--\r\n`)],
    ['a 1 MB header', Buffer.from(`Subject: ${'a'.repeat(1024 * 1024)}\r\n\r\nbody\r\n`)],
  ])('%s → unknown with a reason', async (_name, raw) => {
    const result = await classifyMessage(raw);
    expect(result.kind).toBe('unknown');
    expect(result.reason).toBeTruthy();
  });

  it('survives a few hundred seeded garbled messages', async () => {
    const seeds = CASES.map(([name]) => fixture(name));
    const random = seededRandom(14);
    const pick = (n: number) => Math.floor(random() * n);
    for (let i = 0; i < 300; i++) {
      const base = seeds[pick(seeds.length)]!;
      let raw: Buffer;
      switch (i % 5) {
        case 0: // flip bytes
          raw = Buffer.from(base);
          for (let j = 0; j < 20; j++) raw[pick(raw.length)] = pick(256);
          break;
        case 1: // truncate anywhere (boundaries and headers cut short)
          raw = base.subarray(0, pick(base.length));
          break;
        case 2: // splice two messages together
          raw = Buffer.concat([base.subarray(0, pick(base.length)), seeds[pick(seeds.length)]!.subarray(pick(200))]);
          break;
        case 3: // remove every blank line (no header/body split, no field blocks)
          raw = Buffer.from(base.toString('latin1').replace(/\n\s*\n/g, '\n'), 'latin1');
          break;
        default: // random bytes
          raw = Buffer.from(Array.from({ length: pick(3000) }, () => pick(256)));
      }
      const result = await classifyMessage(raw);
      expect(['bounce', 'complaint', 'auto-reply', 'unknown']).toContain(result.kind);
      expect(Array.isArray(result.deliveredTo) && Array.isArray(result.recipients)).toBe(true);
    }
  });
});

