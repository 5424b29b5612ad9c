import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { classifySmtpError, describeFailure, isHardBounce, refusalKey, type ReplyKind } from '../../src/send/classify.ts';
import { startSmtpTestServer, type FaultPlan, type SmtpTestServer } from '../helpers/smtp-test-server.ts';

/**
 * An error shaped exactly as nodemailer's smtp-connection `_formatError` shapes it:
 * `code` by step (EENVELOPE for MAIL FROM/RCPT TO, EMESSAGE after DATA, EAUTH for AUTH),
 * `response` the raw reply (multi-line replies joined with "\n"), `responseCode` its number.
 */
function replyError(command: string, response: string, code = codeFor(command)) {
  const responseCode = Number(/^\d+/.exec(response)?.[0]);
  return Object.assign(new Error(`${command} failed: ${response}`), { code, command, response, ...(responseCode ? { responseCode } : {}) });
}
function codeFor(command: string): string {
  if (command === 'DATA') return 'EMESSAGE';
  if (command.startsWith('AUTH')) return 'EAUTH';
  if (command === 'CONN' || command === 'EHLO') return 'EPROTOCOL';
  if (command === 'STARTTLS') return 'ETLS';
  return 'EENVELOPE';
}
function localError(code: string, message: string, command = 'CONN', originalCode?: string) {
  return Object.assign(new Error(message), { code, command, ...(originalCode ? { originalCode } : {}) });
}

const GMAIL_NO_SUCH_USER = [
  "550-5.1.1 The email account that you tried to reach does not exist. Please try",
  "550-5.1.1 double-checking the recipient's email address for typos or",
  '550-5.1.1 unnecessary spaces. For more information, go to',
  '550 5.1.1  https://support.google.com/mail/?p=NoSuchUser d2si1234 - gsmtp',
].join('\n');
const GMAIL_RATE = [
  '450-4.2.1 The user you are trying to contact is receiving mail at a rate that',
  '450-4.2.1 prevents additional messages from being delivered. Please resend your',
  '450-4.2.1 message at a later time. If the user is able to receive mail at that',
  '450-4.2.1 time, your message will be delivered. For more information, please',
  '450 4.2.1  https://support.google.com/mail/?p=ReceivingRate d2si1234 - gsmtp',
].join('\n');
const GMAIL_UNAUTHENTICATED = [
  '550-5.7.26 This mail has been blocked because the sender is unauthenticated.',
  '550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.',
  '550 5.7.26  https://support.google.com/mail/answer/81126#authentication d2si1234 - gsmtp',
].join('\n');
const GMAIL_SPAM = [
  '550-5.7.1 [203.0.113.5] Our system has detected that this message is',
  '550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail,',
  '550 5.7.1 this message has been blocked. https://support.google.com/mail/?p=UnsolicitedMessageError - gsmtp',
].join('\n');

type Row = [command: string, response: string];

// Real reply texts: Postfix (smtpd_check.c, anvil, postgrey), Gmail (support.google.com/a/answer/3726730),
// Microsoft 365 (learn.microsoft.com NDR pages), Yahoo (senders.yahooinc.com/smtp-error-codes).
const TABLE: Record<ReplyKind, Row[]> = {
  deferral: [
    ['RCPT TO', '450 4.2.0 <ada@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html'],
    ['RCPT TO', '451 4.7.1 Please try again later'],
    ['RCPT TO', GMAIL_RATE],
    ['RCPT TO', '452 4.2.2 The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp'],
    ['RCPT TO', '450 4.1.1 <ada@example.com>: Recipient address rejected: unverified address: Address verification in progress'],
    ['RCPT TO', '451 Temporary local problem - please try later'],
    ['DATA', '451 4.3.0 Mail server temporarily rejected message. - gsmtp'],
    ['DATA', '450 4.7.1 Greylisted, please retry in 5 minutes'],
  ],
  throttle: [
    ['CONN', '421 4.7.0 mail.example.com Error: too many connections from 127.0.0.1'],
    ['MAIL FROM', '450 4.7.1 Error: too much mail from 127.0.0.1'],
    ['RCPT TO', '450 4.7.1 Error: too many recipients from 127.0.0.1'],
    ['RCPT TO', '421 4.7.0 Try again later, closing connection. (EHLO) - gsmtp'],
    ['DATA', '451 4.7.500 Server busy. Please try again later from [203.0.113.5]. (S77719) [FR2DEU01FT008.eop-deu01.prod.protection.outlook.com]'],
    ['DATA', '451 4.7.650 The mail server [203.0.113.5] has been temporarily rate limited due to IP reputation.'],
    ['MAIL FROM', '421 4.7.0 [TSS04] Messages from 203.0.113.5 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes'],
    ['RCPT TO', '450 4.2.1 Peak SMTP relay limit exceeded for customer. This is a temporary error. For more information on SMTP relay limits, please contact your administrator - gsmtp'],
    ['AUTH PLAIN', '454 4.7.0 Too many login attempts, please try again later. - gsmtp'],
    ['MAIL FROM', '451 4.3.0 Error: queue file write error'],
    ['RCPT TO', '450 4.7.25 Client host rejected: cannot find your hostname, [203.0.113.5]'],
    ['RCPT TO', '450 4.1.8 <news@example.org>: Sender address rejected: Domain not found'],
  ],
  sender: [
    ['MAIL FROM', '530 5.7.0 Authentication required'],
    ['AUTH PLAIN', '535 5.7.8 Username and Password not accepted. For more information, go to https://support.google.com/mail/?p=BadCredentials - gsmtp'],
    ['AUTH LOGIN', '534-5.7.9 Application-specific password required. Learn more at\n534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor - gsmtp'],
    ['MAIL FROM', '530 5.7.57 Client not authenticated to send mail during MAIL FROM [BN0PR04CA0001.namprd04.prod.outlook.com]'],
    ['AUTH LOGIN', '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.'],
    ['RCPT TO', '554 5.7.1 <ada@example.com>: Relay access denied'],
    ['RCPT TO', '454 4.7.1 <ada@example.com>: Relay access denied'],
    ['RCPT TO', '550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain'],
    ['RCPT TO', '553 5.7.1 <news@example.org>: Sender address rejected: not owned by user newsletter'],
    ['RCPT TO', '550 5.1.8 <news@example.org>: Sender address rejected: Domain not found'],
    ['MAIL FROM', '553 5.1.7 The sender address <news> is not a valid RFC 5321 address. - gsmtp'],
    ['MAIL FROM', '550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains.'],
    ['DATA', GMAIL_UNAUTHENTICATED],
    ['DATA', "550 5.7.26 Unauthenticated email from example.org is not accepted due to domain's DMARC policy. - gsmtp"],
    ['DATA', '550 5.7.25 [203.0.113.5] The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not point to the sending IP. - gsmtp'],
    ['RCPT TO', '550 5.7.606 Access denied, banned sending IP [203.0.113.5]. To request removal from this list please visit https://sender.office.com/ and follow the directions.'],
    ['RCPT TO', '550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.'],
    ['MAIL FROM', "550 5.7.1 Unfortunately, messages from [203.0.113.5] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150)."],
    ['RCPT TO', "553 5.7.1 [BL21] Connections will not be accepted from 203.0.113.5, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes"],
    ['RCPT TO', '554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org'],
    ['MAIL FROM', '552 5.3.4 Message size exceeds fixed limit'],
    ['MAIL FROM', '550 5.4.5 Daily user sending limit exceeded. For more information on Gmail sending limits go to https://support.google.com/a/answer/166852 - gsmtp'],
    ['MAIL FROM', '530 5.7.0 Must issue a STARTTLS command first'],
    ['MAIL FROM', '550 5.1.0 <news@example.org> sender rejected'],
  ],
  unclear: [
    ['DATA', '552 5.3.4 Message size exceeds fixed limit'],
    ['DATA', "552-5.3.4 Your message exceeded Google's message size limits.\n552 5.3.4  https://support.google.com/mail/?p=MaxSizeError - gsmtp"],
    ['DATA', GMAIL_SPAM],
    ['DATA', '554 5.7.1 Message rejected as spam'],
    ['DATA', '550 5.7.1 This message violates example.com email policy. - gcdp <sessionid> - gsmtp'],
    ['RCPT TO', '550 5.7.1 The user or domain that you are sending to (or from) has a policy that prohibited the mail that you sent.'],
    ['DATA', '554 5.6.0 Message exceeded 50 hops, this may indicate a mail loop. - gsmtp'],
    ['DATA', '554 5.7.9 Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes'],
    ['DATA', '554 Transaction failed'],
  ],
  recipient: [
    ['RCPT TO', '550 5.1.1 <ada@example.com>: Recipient address rejected: User unknown in local recipient table'],
    ['RCPT TO', GMAIL_NO_SUCH_USER],
    ['RCPT TO', '552 5.2.2 The email account that you tried to reach is over quota. - gsmtp'],
    ['RCPT TO', '550 5.2.1 The email account that you tried to reach is disabled. - gsmtp'],
    ['RCPT TO', '556 5.1.10 Recipient address has null MX'],
    ['RCPT TO', '550 No such user here'],
    ['RCPT TO', '554 5.7.1 <ada@example.com>: Recipient address rejected: Access denied'],
    ['RCPT TO', '550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [BN1NAM02FT011.eop-nam02.prod.protection.outlook.com]'],
    ['DATA', "554 delivery error: dd This user doesn't have a yahoo.com account (ada@yahoo.com) [0] - mta1234.mail.ne1.yahoo.com"],
  ],
  connection: [
    ['RCPT TO', '503 5.5.1 Error: need MAIL command'],
  ],
  unreachable: [
    ['CONN', '521 5.3.2 mail.example.com does not accept mail'],
    ['STARTTLS', '454 4.7.0 TLS not available due to local problem'],
  ],
};

const rows = Object.entries(TABLE).flatMap(([kind, list]) => list.map(([command, response]) => ({ kind: kind as ReplyKind, command, response })));

describe('classifySmtpError: replies from real servers', () => {
  it.each(rows)('$kind ← $command "$response"', ({ kind, command, response }) => {
    const f = classifySmtpError(replyError(command, response));
    expect(f.kind, f.why).toBe(kind);
    expect(f.command).toBe(command);
    expect(f.why).toMatch(new RegExp(`at ${command}: .+`));
    if (kind === 'sender' || kind === 'unreachable') expect(f.fix).toMatch(/then run the same command again|SMTP_/);
  });

  it.each([
    ['MAIL FROM', '530 5.7.0 Authentication required', /SMTP_USER and SMTP_PASSWORD/],
    ['AUTH PLAIN', '535 5.7.8 Authentication credentials invalid', /SMTP_PASSWORD/],
    ['RCPT TO', '554 5.7.1 <ada@example.com>: Relay access denied', /SMTP_USER\/SMTP_PASSWORD.*mynetworks/],
    ['RCPT TO', '553 5.7.1 <news@example.org>: Sender address rejected: not owned by user newsletter', /MAIL_FROM/],
    ['DATA', GMAIL_UNAUTHENTICATED, /DKIM_DOMAIN.*DKIM_SELECTOR/],
    ['DATA', '550 5.7.25 The IP address sending this message does not have a PTR record setup', /SMTP_HOST/],
    ['MAIL FROM', '552 5.3.4 Message size exceeds fixed limit', /smaller/],
    ['MAIL FROM', '530 5.7.0 Must issue a STARTTLS command first', /SMTP_REQUIRE_TLS=true/],
    ['STARTTLS', '454 4.7.0 TLS not available due to local problem', /SMTP_REQUIRE_TLS/],
  ])('the fix for %s "%s" names the setting to change', (command, response, fix) => {
    expect(classifySmtpError(replyError(command, response)).fix).toMatch(fix);
  });

  it.each([
    [localError('ECONNECTION', 'Connection closed unexpectedly'), 'connection', undefined],
    [localError('ETIMEDOUT', 'Timeout'), 'connection', undefined],
    [localError('ESOCKET', 'read ECONNRESET', 'CONN', 'ECONNRESET'), 'connection', undefined],
    [localError('EPROTOCOL', 'Unexpected Response'), 'connection', undefined],
    [new Error('something odd'), 'connection', undefined],
    [undefined, 'connection', undefined],
    [localError('ESOCKET', 'connect ECONNREFUSED 127.0.0.1:2525', 'CONN', 'ECONNREFUSED'), 'unreachable', /SMTP_HOST and SMTP_PORT/],
    [localError('EDNS', 'getaddrinfo ENOTFOUND smtp.example.invalid', 'CONN', 'ENOTFOUND'), 'unreachable', /SMTP_HOST/],
    [localError('ETLS', 'Error initiating TLS - self-signed certificate', 'STARTTLS'), 'unreachable', /SMTP_TLS_CA_FILE/],
    [localError('ESOCKET', 'certificate has expired', 'CONN', 'CERT_HAS_EXPIRED'), 'unreachable', /SMTP_TLS_CA_FILE/],
    [localError('ETLS', "Error initiating TLS - Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ", 'STARTTLS'), 'unreachable', /SMTP_TLS_SERVERNAME/],
    [localError('ETLS', 'Error initiating TLS - unable to verify the first certificate', 'CONN'), 'unreachable', /SMTP_TLS_VERIFY=false/],
    [localError('EREQUIRETLS', 'Server does not support REQUIRETLS extension (RFC 8689)', 'MAIL FROM'), 'unreachable', /SMTP_REQUIRE_TLS/],
    [Object.assign(localError('ECONNECTION', 'EHLO failed but HELO does not support required STARTTLS. response=502 5.5.2 Error: command not recognized', 'EHLO'), { response: '502 5.5.2 Error: command not recognized', responseCode: 502 }), 'unreachable', /SMTP_REQUIRE_TLS/],
    [localError('EAUTH', 'Missing credentials for "PLAIN"', 'API'), 'sender', /SMTP_USER/],
    [localError('ENOAUTH', 'Authentication info was not provided', 'API'), 'sender', /SMTP_USER/],
    [localError('EMESSAGE', 'Message size larger than allowed 1000', 'MAIL FROM'), 'sender', /smaller/],
    [localError('EENVELOPE', 'Invalid sender "news@"', 'API'), 'sender', /MAIL_FROM/],
    [localError('EENVELOPE', 'No recipients defined', 'API'), 'recipient', undefined],
  ])('nodemailer error %o is %s', (error, kind, fix) => {
    const f = classifySmtpError(error);
    expect(f.kind, f.why).toBe(kind);
    if (fix) expect(f.fix).toMatch(fix);
    expect(f.why.length).toBeGreaterThan(10);
  });
});

describe('describeFailure, refusalKey, isHardBounce', () => {
  it('writes a multi-line reply as one line with its codes once', () => {
    const line = describeFailure(classifySmtpError(replyError('RCPT TO', GMAIL_NO_SUCH_USER)));
    expect(line).toMatch(/^550 5\.1\.1 The email account that you tried to reach does not exist\. Please try double-checking .* gsmtp \(RCPT TO\)$/);
    expect(line.match(/550/g)).toHaveLength(1);
    expect(line.match(/5\.1\.1/g)).toHaveLength(1);
    expect(line).not.toContain('\n');
  });

  it('does not repeat the code when the message already starts with it', () => {
    expect(describeFailure({ kind: 'recipient', code: 'EENVELOPE', responseCode: 550, enhanced: '5.1.1', command: 'RCPT TO', message: '550 5.1.1 <x@y>: user unknown', why: '' })).toBe('550 5.1.1 <x@y>: user unknown (RCPT TO)');
    expect(describeFailure({ kind: 'recipient', code: 'EENVELOPE', responseCode: 550, message: 'user unknown', why: '' })).toBe('550 user unknown');
  });

  it('keeps a long reply to one line of at most 500 characters', () => {
    const line = describeFailure(classifySmtpError(replyError('DATA', `554 5.7.1 ${'blocked '.repeat(200)}\n554 5.7.1 more`)));
    expect(line.length).toBeLessThanOrEqual(500);
    expect(line).not.toContain('\n');
  });

  it('gives the same refusal key to the same reply for different recipients', () => {
    const a = classifySmtpError(replyError('DATA', '552 5.3.4 <ada@example.com>: Message size exceeds fixed limit'));
    const b = classifySmtpError(replyError('DATA', '552 5.3.4 <bob@example.com>: Message size exceeds fixed limit'));
    expect(refusalKey(a)).toBe('552 5.3.4');
    expect(refusalKey(b)).toBe(refusalKey(a));
    expect(refusalKey(classifySmtpError(replyError('DATA', '554 5.7.1 Message rejected as spam')))).toBe('554 5.7.1');
  });

  it.each([
    ['RCPT TO', '550 5.1.1 <ada@example.com>: Recipient address rejected: User unknown in local recipient table', true],
    ['RCPT TO', GMAIL_NO_SUCH_USER, true],
    ['RCPT TO', '550 5.2.1 The email account that you tried to reach is disabled. - gsmtp', true],
    ['RCPT TO', "553 5.1.2 We weren't able to find the recipient domain. - gsmtp", true],
    ['RCPT TO', '556 5.1.10 Recipient address has null MX', true],
    ['RCPT TO', '550 No such user here', true],
    // Mailbox full: a recipient refusal, but RFC 3463 calls it usually transient, so not "never again".
    ['RCPT TO', '552 5.2.2 The email account that you tried to reach is over quota. - gsmtp', false],
    ['RCPT TO', '554 5.7.1 <ada@example.com>: Recipient address rejected: Access denied', false],
    // The same words about the sender or the message never burn the recipient.
    ['MAIL FROM', '550 5.1.1 <news@example.org>: Sender address rejected: User unknown', false],
    ['RCPT TO', '554 5.7.1 <ada@example.com>: Relay access denied', false],
    ['DATA', '552 5.3.4 Message size exceeds fixed limit', false],
    ['RCPT TO', '450 4.1.1 <ada@example.com>: Recipient address rejected: User unknown', false],
  ])('%s "%s" is a hard bounce: %s', (command, response, hard) => {
    expect(isHardBounce(classifySmtpError(replyError(command, response)))).toBe(hard);
  });
});

// The same replies through real nodemailer, from the loopback test server: the command,
// code and response shapes the classifier reads are the ones nodemailer really produces.
describe('classifySmtpError on real nodemailer errors', () => {
  let server: SmtpTestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function failureFrom(plan: FaultPlan) {
    server = await startSmtpTestServer(plan);
    return sendOnce(server.port);
  }
  async function sendOnce(port: number, options: Record<string, unknown> = {}) {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, ...options });
    try {
      await transport.sendMail({ from: 'news@example.org', to: 'ada@example.com', subject: 'Hi', text: 'Hello' });
    } catch (error) {
      return classifySmtpError(error);
    } finally {
      transport.close();
    }
    throw new Error('the server accepted the message');
  }

  it('451 4.2.0 at RCPT TO is a recipient deferral, not a throttle', async () => {
    const f = await failureFrom({ replyFor: (stage) => (stage === 'RCPT' ? '451 4.2.0 Greylisted, see http://postgrey.schweikert.ch/help/example.com.html' : undefined) });
    expect(f).toMatchObject({ kind: 'deferral', code: 'EENVELOPE', command: 'RCPT TO', responseCode: 451, enhanced: '4.2.0' });
    expect(describeFailure(f)).toBe('451 4.2.0 Greylisted, see http://postgrey.schweikert.ch/help/example.com.html (RCPT TO)');
  });

  it('421 at connect is a server throttle', async () => {
    const f = await failureFrom({ stormMs: 60_000 });
    expect(f).toMatchObject({ kind: 'throttle', command: 'CONN', responseCode: 421, enhanced: '4.7.0' });
    expect(f.message).toContain('too many connections from 127.0.0.1');
  });

  it('530 at MAIL FROM is a sender refusal whose fix names SMTP_USER/SMTP_PASSWORD, not a failure of the recipient', async () => {
    const f = await failureFrom({ requireAuth: { user: 'u', pass: 'p' } });
    expect(f).toMatchObject({ kind: 'sender', code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 530 });
    expect(f.fix).toMatch(/SMTP_USER and SMTP_PASSWORD/);
    expect(isHardBounce(f)).toBe(false);
  });

  it('535 at AUTH is a sender refusal', async () => {
    server = await startSmtpTestServer({ rejectAuth: true });
    const f = await sendOnce(server.port, { auth: { user: 'u', pass: 'wrong' } });
    expect(f).toMatchObject({ kind: 'sender', code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, enhanced: '5.7.8' });
  });

  it('550 5.1.1 at RCPT TO is a recipient refusal and a hard bounce', async () => {
    const f = await failureFrom({ permanentFail: () => true });
    expect(f).toMatchObject({ kind: 'recipient', code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, enhanced: '5.1.1' });
    expect(isHardBounce(f)).toBe(true);
  });

  it('552 5.3.4 after DATA is unclear, with the key the streak rule compares', async () => {
    const f = await failureFrom({ replyFor: (stage) => (stage === 'DATA' ? '552 5.3.4 Message size exceeds fixed limit' : undefined) });
    expect(f).toMatchObject({ kind: 'unclear', code: 'EMESSAGE', command: 'DATA', responseCode: 552 });
    expect(refusalKey(f)).toBe('552 5.3.4');
  });

  it('a closed port is unreachable, with a fix naming SMTP_HOST and SMTP_PORT', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const f = await sendOnce(port);
    expect(f).toMatchObject({ kind: 'unreachable', command: 'CONN' });
    expect(f.fix).toMatch(/SMTP_HOST and SMTP_PORT/);
  });

  it('a self-signed certificate is unreachable, with a fix naming SMTP_TLS_CA_FILE', async () => {
    const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url)), 'utf8');
    server = await startSmtpTestServer({ tls: { key: fixture('snakeoil-key.pem'), cert: fixture('snakeoil.pem') } });
    const f = await sendOnce(server.port, { ignoreTLS: false, requireTLS: true });
    // nodemailer reports it as a socket error with Node's code kept aside, not as ETLS.
    expect(f).toMatchObject({ kind: 'unreachable', code: 'ESOCKET', command: 'CONN', message: 'self-signed certificate' });
    expect(f.why).toMatch(/^DEPTH_ZERO_SELF_SIGNED_CERT at CONN: /);
    expect(f.fix).toMatch(/SMTP_TLS_CA_FILE/);
  });
});
