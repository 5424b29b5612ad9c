/**
 * What a failed delivery means for the run, read from what the reply says:
 * the reply code, the RFC 3463 enhanced status, the SMTP command it answered
 * and its wording. nodemailer errors carry `code` (EENVELOPE, EMESSAGE,
 * EAUTH, ECONNECTION…), `responseCode`, `command` (CONN, EHLO, STARTTLS,
 * AUTH PLAIN, MAIL FROM, RCPT TO, DATA…) and `response`; we keep all of them.
 *
 * The rules are one ordered table (RULES below), each row with its source.
 */
import { HARD_BOUNCE_STATUS, HARD_BOUNCE_TEXT } from '../audience/index.ts';
import { certificateFix } from '../mail/index.ts';

export type ReplyKind =
  /** Recipient deferral: this message alone waits for its retry; its connection takes the next message at once. */
  | 'deferral'
  /** Server throttle: the whole sender slows down (AIMD). */
  | 'throttle'
  /** Sender or message refusal, certain: stop (exit 3), recipients stay pending. */
  | 'sender'
  /** Permanent, but it may be about the message or sender rather than this recipient. */
  | 'unclear'
  /** Recipient refusal: permanent failure for this recipient. */
  | 'recipient'
  /** Dropped connection, timeout, no or garbled reply: retry this message later, no slowdown. */
  | 'connection'
  /** Cannot connect or negotiate TLS at all: stop if it keeps happening. */
  | 'unreachable';

export interface SmtpFailure {
  kind: ReplyKind;
  /** nodemailer's error code, e.g. EENVELOPE. */
  code: string;
  responseCode?: number;
  /** RFC 3463 enhanced status, e.g. '4.7.1', when the reply has one. */
  enhanced?: string;
  command?: string;
  /** The server's reply or the error message, one line. */
  message: string;
  /** One line: why this kind, e.g. "5.1.1 at RCPT TO: the mailbox does not exist". */
  why: string;
  /** For 'sender' and 'unreachable': what to change, naming the setting. */
  fix?: string;
}

/** Where in the session the reply came (RFC 5321 §3.3: MAIL, RCPT, DATA are one transaction). */
type Stage = 'connect' | 'auth' | 'mail' | 'rcpt' | 'data' | 'other';

interface Reply {
  code: string;
  responseCode?: number;
  enhanced?: string;
  command?: string;
  stage: Stage;
  /** The reply text without its codes (or the error message), for wording checks. */
  text: string;
  /** nodemailer's own message, e.g. "EHLO failed but HELO does not support required STARTTLS". */
  errorText: string;
  /** A system error code under nodemailer's, e.g. ECONNREFUSED under ECONNECTION. */
  syscall: string;
}

interface Rule {
  kind: ReplyKind;
  when: (r: Reply) => boolean;
  why: string;
  fix?: string;
}

// ---------------------------------------------------------------- fixes (named settings: src/config/env.ts)

const AUTH_FIX = 'Set SMTP_USER and SMTP_PASSWORD (or the credentials in SMTP_URL) to an account this server accepts, then run the same command again: recipients not sent to yet are still pending.';
const SENDER_FIX = 'Set MAIL_FROM to an address this account may send from (or add it to the relay\'s allowed senders), then run the same command again.';
const RELAY_FIX = 'The server does not relay for this client: log in with SMTP_USER/SMTP_PASSWORD (or SMTP_URL), or allow this host on the relay (Postfix: mynetworks), then run the same command again.';
const AUTHENTICITY_FIX = 'Make MAIL_FROM\'s domain pass SPF for this server and sign with DKIM (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY_FILE) so DMARC passes, then run the same command again.';
const HOST_FIX = 'The receiving server refuses this sending host or IP (blocklist, reverse DNS, reputation): send through your provider\'s relay (SMTP_HOST or SMTP_URL) or get the IP delisted, then run the same command again.';
const SIZE_FIX = 'The message is larger than the server accepts: make the issue smaller (fewer or smaller images, linked rather than embedded), then run the same command again.';
const QUOTA_FIX = 'The provider\'s sending limit for this account is used up: wait until it resets (or raise it), then run the same command again; recipients not sent to yet are still pending.';
const CONNECT_FIX = 'Check SMTP_HOST and SMTP_PORT (or SMTP_URL): no mail server accepts the connection there.';
const DNS_FIX = 'Check SMTP_HOST (or the host in SMTP_URL): the name does not resolve.';
const TLS_CERT_FIX = 'The server\'s certificate is not trusted: for a self-signed relay set SMTP_TLS_CA_FILE to a PEM file with its certificate (or CA); set SMTP_TLS_SERVERNAME to the name on the certificate when SMTP_HOST is an IP or alias; or, knowingly, SMTP_TLS_VERIFY=false.';
const TLS_FIRST_FIX = 'The server accepts this only over TLS: set SMTP_REQUIRE_TLS=true (or use its TLS port, SMTP_URL smtps://…), then run the same command again.';
const STARTTLS_FIX = 'SMTP_REQUIRE_TLS=true but the server offers no working STARTTLS: use its TLS port (465, or SMTP_URL smtps://…), enable STARTTLS on the server, or set SMTP_REQUIRE_TLS=false for a trusted local relay.';

// ---------------------------------------------------------------- wording
// Postfix texts from src/smtpd/smtpd_check.c and smtpd.c ("Recipient address rejected:",
// "Sender address rejected:", "Client host rejected:", "Relay access denied",
// "450 4.7.1 Error: too much mail from %s"); provider texts from the pages cited at RULES.

const RATE = /\brate\b|too many|too much mail|connection limit|unexpected volume|server busy|resources temporarily unavailable|\bts[s]?0\d\b|throttl|slow down/i;
const GREYLIST = /gr[ea]y.?list|try again later|please retry|retry later|try later|temporarily (deferred|rejected|blocked)/i;
const MAILBOX = /mailbox|user unknown|unknown (user|recipient)|no such (user|mailbox|recipient|address)|recipient address rejected|recipient (not found|unknown|rejected)|invalid recipient|does ?n[o']t exist|user not found|account (is )?(disabled|inactive|suspended|unavailable)|over quota|unrouteable address|address not found/i;
/** After DATA the server may speak of the message; only an unmistakable "this account" counts (Yahoo: "554 delivery error: dd This user doesn't have a yahoo.com account"). */
const MAILBOX_AFTER_DATA = /user unknown|unknown user|no such (user|mailbox)|doesn'?t have an? [\w.-]+ account|mailbox (is )?(disabled|unavailable|not found)|account is over quota|does not exist/i;
const SENDER = /sender address rejected|sender (address )?(is )?not (allowed|authori[sz]ed|permitted|owned)|not owned by (auth )?user|sender verify failed|unauthori[sz]ed sender|banned sender|unregistered domain/i;
const RELAY = /relay(ing)? (access )?(denied|not permitted|not allowed|prohibited)|unable to relay|not permitted to relay|relay not permitted/i;
const SENDING_QUOTA = /\b(sending|relay) (limit|quota)\b.*\b(exceeded|reached)\b|\bdaily\b.*\b(limit|quota)\b/i;
const AUTH_WORDS = /authenticat|must (log|sign) ?in|credentials|password/i;
const AUTHENTICITY = /\b(dmarc|spf|dkim)\b|sender is unauthenticated|unauthenticated email/i;
const HOST_BLOCK = /client host (\[[^\]]*\] )?(rejected|blocked)|blocked using|black.?list|block.?list|spamhaus|\bptr\b|reverse dns|helo command rejected|connections will not be accepted|banned sending ip|ip reputation|traffic not accepted/i;
const TLS_SYSCALL = /CERT|SELF_SIGNED|UNABLE_TO_|^ERR_TLS|^ERR_SSL/;
const CERT = /certificate|self.signed|unable to (get|verify)|altnames|cert_|hostname\/ip does not match/i;

// ---------------------------------------------------------------- status helpers

const statusOf = (r: Reply): number[] => r.enhanced?.split('.').map(Number) ?? [];
const subject = (r: Reply): number | undefined => statusOf(r)[1];
const is = (r: Reply, ...codes: string[]): boolean => r.enhanced !== undefined && codes.includes(r.enhanced);
const transient = (r: Reply): boolean => r.responseCode !== undefined && r.responseCode >= 400 && r.responseCode < 500;
const permanent = (r: Reply): boolean => r.responseCode !== undefined && r.responseCode >= 500 && r.responseCode < 600;
/** X.7.n with lo ≤ n ≤ hi: Microsoft's ranges (4.7.500-699 throttling, 5.7.606-649 banned IP). */
const policyIn = (r: Reply, lo: number, hi: number): boolean => {
  const [, s, d] = statusOf(r);
  return s === 7 && d !== undefined && d >= lo && d <= hi;
};
const atTransaction = (r: Reply): boolean => r.stage === 'rcpt' || r.stage === 'data';

// ---------------------------------------------------------------- the table
// First matching row wins. Sources, cited by the tag in each row's comment:
// [5321]  RFC 5321 §4.2.1-4.2.3 reply codes (4yz transient, 5yz permanent; 421 closes the channel,
//         §3.8), §4.2.4 (503), §4.2.5 replies after DATA's final "." (4yz: try this message again
//         later; 5yz: do not). https://www.rfc-editor.org/rfc/rfc5321#section-4.2
// [3463]  RFC 3463 enhanced status: X.1 addressing (X.1.7/X.1.8 = the sender's address), X.2 mailbox,
//         X.3 mail system (X.3.4 too big), X.4 routing, X.5 protocol, X.6 content, X.7 security/policy.
//         https://www.rfc-editor.org/rfc/rfc3463
// [4954]  RFC 4954 §6 AUTH: 454 4.7.0 temporary failure, 530 5.7.0 required, 534 5.7.9 too weak,
//         535 5.7.8 invalid credentials, 538 5.7.11 encryption required.
// [7372]  RFC 7372 §3: X.7.20-22 DKIM, X.7.23/24 SPF, X.7.25 reverse DNS, X.7.26 several checks
//         failed, X.7.27 sender address has null MX.
// [7504]  RFC 7504: 521 host / 556 domain does not accept mail; RFC 7505: 5.1.10 null MX.
// [gmail] https://support.google.com/a/answer/3726730 ("Gmail SMTP errors and codes")
// [ms]    https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online
//         and https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/fix-error-code-451-4-7-500-699-asxxx-in-exchange-online
// [yahoo] https://senders.yahooinc.com/smtp-error-codes/ and https://help.yahoo.com/kb/SLN3444.html
// [postfix] https://www.postfix.org/postconf.5.html (smtpd_*_restrictions, anvil limits),
//         https://www.postfix.org/SMTPD_ACCESS_README.html; postgrey's "Greylisted, see …".
const RULES: readonly Rule[] = [
  // ---- no SMTP reply: nodemailer's own errors (lib/errors.js) or the network
  { kind: 'sender', fix: AUTH_FIX, why: 'the server needs a login and none (or none usable) is set',
    when: (r) => r.responseCode === undefined && (r.code === 'EAUTH' || r.code === 'ENOAUTH') },
  // EREQUIRETLS, a refused STARTTLS ("454 4.7.0 TLS not available"), or nodemailer's
  // "EHLO failed but HELO does not support required STARTTLS".
  { kind: 'unreachable', fix: STARTTLS_FIX, why: 'TLS is required and the server has no working STARTTLS',
    when: (r) => r.code === 'EREQUIRETLS' || (r.command === 'STARTTLS' && r.responseCode !== undefined && r.responseCode !== 421) || (r.stage === 'connect' && /STARTTLS/.test(r.errorText) && !CERT.test(r.errorText)) },
  // A certificate nodemailer's TLS socket refuses arrives as ESOCKET at CONN with Node's code kept in
  // originalCode (DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID, CERT_HAS_EXPIRED…), not as ETLS.
  { kind: 'unreachable', fix: TLS_CERT_FIX, why: 'the TLS handshake failed (certificate not trusted or for another name)',
    when: (r) => r.responseCode === undefined && (r.code === 'ETLS' || TLS_SYSCALL.test(r.syscall) || CERT.test(r.text)) },
  { kind: 'unreachable', fix: DNS_FIX, why: 'the SMTP host name does not resolve',
    when: (r) => r.responseCode === undefined && (r.code === 'EDNS' || r.syscall === 'ENOTFOUND' || r.code === 'ENOTFOUND') },
  { kind: 'unreachable', fix: CONNECT_FIX, why: 'nothing accepts connections at the SMTP host and port',
    when: (r) => r.responseCode === undefined && ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].some((c) => r.syscall === c || r.code === c) },
  // nodemailer checks the message against the SIZE the server announced before MAIL FROM.
  { kind: 'sender', fix: SIZE_FIX, why: 'the message is larger than the SIZE the server announced',
    when: (r) => r.responseCode === undefined && r.code === 'EMESSAGE' && r.stage === 'mail' },
  { kind: 'sender', fix: SENDER_FIX, why: 'nodemailer refused the sender address before sending it',
    when: (r) => r.responseCode === undefined && r.code === 'EENVELOPE' && /sender/i.test(r.text) },
  { kind: 'recipient', why: 'nodemailer refused the recipient address before sending it',
    when: (r) => r.responseCode === undefined && r.code === 'EENVELOPE' },
  // ECONNECTION, ETIMEDOUT, ESOCKET, ECONNRESET, EPROTOCOL without a reply code, unknown errors.
  { kind: 'connection', why: 'the connection dropped, timed out or gave no usable reply; this message is retried later',
    when: (r) => r.responseCode === undefined },

  // ---- replies about the whole session
  { kind: 'throttle', why: 'the server closes the connection: fewer or slower connections', // [5321 §3.8, §4.2.3]; [gmail] 421 4.7.0/4.4.5; [yahoo] 421 4.7.0 [TSS04]
    when: (r) => r.responseCode === 421 },
  { kind: 'connection', why: 'bad sequence of commands: a session problem, not a verdict on the message', // [5321 §4.2.4]
    when: (r) => r.responseCode === 503 },
  { kind: 'unreachable', fix: CONNECT_FIX, why: 'the server refuses the session: no mail service for this client here', // [7504 §3] 521; 554 greeting [5321 §3.1]
    when: (r) => permanent(r) && r.stage === 'connect' && !HOST_BLOCK.test(r.text) },

  // [postfix] smtpd_tls_auth_only / [gmail] "530 5.7.0 Must issue a STARTTLS command first": a 530 about TLS, not credentials.
  { kind: 'sender', fix: TLS_FIRST_FIX, why: 'the server takes mail or a login only over TLS',
    when: (r) => permanent(r) && /starttls/i.test(r.text) },

  // ---- authentication [4954]
  // 454 4.7.0 at AUTH is the server's auth backend failing for a moment (Gmail: "Too many login
  // attempts, please try again later"): the credentials may be fine and no recipient is involved,
  // so the whole sender waits and retries: a throttle, not a stop.
  { kind: 'throttle', why: 'temporary authentication failure on the server; everything waits',
    when: (r) => transient(r) && r.stage === 'auth' },
  // [gmail] 530 5.7.0 Authentication Required, 535 5.7.8 Username and Password not accepted,
  // 534 5.7.9/5.7.14; [ms] 530 5.7.57 Client not authenticated, 535 5.7.139 SmtpClientAuthentication disabled.
  { kind: 'sender', fix: AUTH_FIX, why: 'the server wants a login or refused the credentials',
    when: (r) => permanent(r) && (r.stage === 'auth' || [530, 534, 535, 538].includes(r.responseCode ?? 0) || is(r, '5.7.8', '5.7.11', '5.7.57', '5.7.139') || (is(r, '5.7.0') && AUTH_WORDS.test(r.text))) },

  // ---- transient replies about the sender, not one recipient
  // [postfix] defer_unauth_destination: "454 4.7.1 <x>: Relay access denied": a retry without a login never passes.
  { kind: 'sender', fix: RELAY_FIX, why: 'relaying denied: this client may not send to other domains through the server',
    when: (r) => transient(r) && RELAY.test(r.text) },
  // [gmail] 4.7.28 / "450 4.2.1 Peak SMTP relay limit exceeded for customer"; [ms] 451 4.7.500-699
  // "Server busy. Please try again later from [ip]"; [yahoo] [TSS04] "unexpected volume";
  // [postfix] anvil "450 4.7.1 Error: too much mail from 127.0.0.1" (about the client, at MAIL FROM or RCPT).
  // X.2.x rate wording is the mailbox's own pace ([gmail] "450 4.2.1 … receiving mail at a rate
  // that prevents additional messages"): a recipient deferral, below.
  { kind: 'throttle', why: 'the server limits this sender\'s rate or connections; everything slows down',
    when: (r) => transient(r) && (is(r, '4.7.28') || policyIn(r, 500, 699) || SENDING_QUOTA.test(r.text) || (subject(r) !== 2 && RATE.test(r.text))) },
  // Greylisting answers at RCPT or after DATA: [postfix]/postgrey "450 4.2.0 <x>: Recipient address
  // rejected: Greylisted, see http://postgrey.schweikert.ch/help/…"; many answer "451 4.7.1 Please try again later".
  { kind: 'deferral', why: 'greylisting: this recipient is retried later',
    when: (r) => transient(r) && atTransaction(r) && GREYLIST.test(r.text) },
  { kind: 'throttle', why: 'a temporary refusal of the session or sender, not of one recipient; everything waits', // [5321 §4.2.3] 4yz at MAIL FROM; "Sender address rejected: Domain not found" 450 4.1.8
    when: (r) => transient(r) && (r.stage === 'connect' || r.stage === 'mail' || SENDER.test(r.text) || HOST_BLOCK.test(r.text) || is(r, '4.1.7', '4.1.8')) },
  // [5321 §4.2.2] 450 mailbox busy, 451 local error, 452 storage; §4.2.5 4yz after DATA; [3463] 4.2.x
  // mailbox, 4.3.x system, 4.4.x routing, 4.7.1 policy; [gmail] 450 4.2.1 receiving rate, 452 4.2.2 over quota.
  { kind: 'deferral', why: 'a temporary problem with this recipient; it alone is retried later',
    when: (r) => transient(r) },

  // ---- permanent refusals of the sender or the message, certain
  // [gmail] "550 5.4.5 Daily user sending limit exceeded", "550 5.7.1 Daily SMTP relay limit exceeded for customer".
  { kind: 'sender', fix: QUOTA_FIX, why: 'the provider\'s sending limit for this account is used up',
    when: (r) => permanent(r) && (is(r, '5.4.5') || SENDING_QUOTA.test(r.text)) },
  // [postfix] "554 5.7.1 <x@y>: Relay access denied" at RCPT TO: it is about the client, not the recipient;
  // [ms] 550 5.7.54 "Unable to relay recipient in non-accepted domain", 5.7.64 "Relay Access Denied".
  { kind: 'sender', fix: RELAY_FIX, why: 'relaying denied: this client may not send to other domains through the server',
    when: (r) => permanent(r) && RELAY.test(r.text) },
  // [7372] X.7.27: the sender's domain has a null MX; [3463] X.1.7/X.1.8 bad sender address;
  // [postfix] "553 5.7.1 <s>: Sender address rejected: not owned by user x", "554 5.7.1 <s>: Sender address rejected: Access denied";
  // [ms] 550 5.7.750 "Client blocked from sending from unregistered domains" (MAIL_FROM's domain is not the tenant's).
  { kind: 'sender', fix: SENDER_FIX, why: 'the server refuses the sender address (MAIL_FROM)',
    when: (r) => permanent(r) && (is(r, '5.1.7', '5.1.8', '5.7.27', '5.7.750') || SENDER.test(r.text)) },
  // [7372] X.7.20-26; [gmail] "550 5.7.26 This mail has been blocked because the sender is unauthenticated",
  // "550-5.7.26 Unauthenticated email from … is not accepted due to domain's DMARC policy"; [ms] 550 5.7.23 SPF.
  { kind: 'sender', fix: AUTHENTICITY_FIX, why: 'the message fails SPF/DKIM/DMARC for MAIL_FROM\'s domain',
    when: (r) => permanent(r) && (is(r, '5.7.20', '5.7.21', '5.7.22', '5.7.23', '5.7.24', '5.7.26') || AUTHENTICITY.test(r.text)) },
  // [gmail] 550 5.7.25 "does not have a PTR record"; [ms] "550 5.7.606 Access denied, banned sending IP",
  // 5.7.708 "traffic not accepted from this IP"; [yahoo] "553 5.7.1 [BL21]
  // Connections will not be accepted from …, because the ip is in Spamhaus's list"; [postfix] "Client host rejected".
  { kind: 'sender', fix: HOST_FIX, why: 'the server refuses this sending host or IP',
    when: (r) => permanent(r) && (is(r, '5.7.25', '5.7.708') || policyIn(r, 606, 649) || HOST_BLOCK.test(r.text)) },
  // [3463] X.3.4 / [5321] 552 answered to MAIL FROM …SIZE=n (RFC 1870): the same for every recipient.
  { kind: 'sender', fix: SIZE_FIX, why: 'the message is larger than the server accepts',
    when: (r) => permanent(r) && r.stage === 'mail' && (is(r, '5.3.4') || r.responseCode === 552) },
  // [5321 §3.3] MAIL FROM opens the transaction with the sender only: its refusal is never about a recipient.
  { kind: 'sender', fix: SENDER_FIX, why: 'the server refuses the transaction at MAIL FROM, before any recipient',
    when: (r) => permanent(r) && r.stage === 'mail' },

  // ---- permanent refusals of this recipient
  // [3463] X.1.x addressing (5.1.1 no such mailbox, 5.1.2 domain, 5.1.3 syntax, 5.1.6 moved, 5.1.10 null MX [7504]),
  // X.2.x mailbox (5.2.1 disabled, 5.2.2 full: [gmail] "552 5.2.2 … over quota"); 556 [7504].
  { kind: 'recipient', why: 'the address or its mailbox is refused',
    when: (r) => permanent(r) && (r.stage === 'rcpt' || r.stage === 'data') && (subject(r) === 1 || subject(r) === 2 || r.responseCode === 556) },
  // [postfix] "550 5.1.1 <x>: Recipient address rejected: User unknown in local recipient table",
  // "554 5.7.1 <x>: Recipient address rejected: Access denied" (check_recipient_access); [ms] "550 5.4.1 … Recipient address rejected: Access denied".
  { kind: 'recipient', why: 'the refusal names this recipient\'s mailbox',
    when: (r) => permanent(r) && r.stage === 'rcpt' && MAILBOX.test(r.text) },
  // One recipient per message, so an unmistakable "no such account" after DATA is this recipient's. [yahoo] 554 … dd
  { kind: 'recipient', why: 'the reply after DATA says this recipient\'s account does not exist or is disabled',
    when: (r) => permanent(r) && r.stage === 'data' && MAILBOX_AFTER_DATA.test(r.text) },
  { kind: 'recipient', why: 'no route to the recipient\'s domain', // [3463] 5.4.4 unable to route, 5.4.6 loop
    when: (r) => permanent(r) && r.stage === 'rcpt' && subject(r) === 4 },
  // [5321 §4.2.3] 550 mailbox unavailable, 551 user not local, 552 storage, 553 mailbox name not allowed.
  { kind: 'recipient', why: 'a mailbox refusal at RCPT TO with no enhanced code',
    when: (r) => permanent(r) && r.stage === 'rcpt' && r.enhanced === undefined && [550, 551, 552, 553].includes(r.responseCode ?? 0) },

  // ---- permanent, but maybe about the message or sender: the streak rule decides
  // [gmail] "552 5.3.4 Your message exceeded Google's message size limits", "550 5.7.1 … likely unsolicited mail",
  // "550 5.7.1 The user or domain that you are sending to (or from) has a policy that prohibited the mail";
  // [yahoo] "554 5.7.9 Message not accepted for policy reasons"; [3463] 5.6.x content; 554 with no enhanced code.
  { kind: 'unclear', why: 'a permanent refusal that may be about the message or sender (size, content, policy), not this recipient',
    when: (r) => permanent(r) && (atTransaction(r) || r.stage === 'other') },
  { kind: 'connection', why: 'an unexpected reply; this message is retried later',
    when: () => true },
];

// ---------------------------------------------------------------- reading nodemailer errors

interface NodemailerErrorLike {
  code?: unknown;
  originalCode?: unknown;
  responseCode?: unknown;
  command?: unknown;
  response?: unknown;
  message?: unknown;
}

const REPLY_LINE = /^(\d{3})[ -]?(?:([245]\.\d{1,3}\.\d{1,3})\b)?\s*/;

/** "550-5.1.1 a\n550 5.1.1 b" → code 550, enhanced 5.1.1, text "a b": one line without repeated codes. */
function parseReply(response: string): { responseCode?: number; enhanced?: string; text: string } {
  const lines = response.split(/\r?\n/).filter((l) => l.trim());
  const first = REPLY_LINE.exec(lines[0] ?? '');
  const text = lines.map((l) => l.replace(REPLY_LINE, '')).join(' ');
  return { responseCode: first ? Number(first[1]) : undefined, enhanced: first?.[2], text: oneLine(text) };
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function stageOf(command: string | undefined): Stage {
  const c = command?.toUpperCase() ?? '';
  if (c === 'CONN' || c.startsWith('EHLO') || c.startsWith('HELO') || c.startsWith('LHLO') || c === 'STARTTLS') return 'connect';
  if (c.startsWith('AUTH')) return 'auth';
  if (c.startsWith('MAIL')) return 'mail';
  if (c.startsWith('RCPT')) return 'rcpt';
  if (c.startsWith('DATA')) return 'data';
  return 'other';
}

function readError(error: unknown): Reply & { message: string } {
  const e: NodemailerErrorLike = typeof error === 'object' && error !== null ? error : {};
  const code = typeof e.code === 'string' ? e.code : 'EUNKNOWN';
  const command = typeof e.command === 'string' ? e.command : undefined;
  const syscall = typeof e.originalCode === 'string' ? e.originalCode : '';
  const errorText = oneLine(typeof e.message === 'string' ? e.message : String(error));
  const reply = typeof e.response === 'string' && /^\d{3}/.test(e.response) ? parseReply(e.response) : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : reply?.responseCode;
  const enhanced = reply?.enhanced;
  const text = reply ? reply.text : errorText;
  const message = (reply ? [responseCode, enhanced, text].filter(Boolean).join(' ') : errorText).slice(0, 480);
  return { code, command, syscall, stage: stageOf(command), text, errorText, message, ...(responseCode ? { responseCode } : {}), ...(enhanced ? { enhanced } : {}) };
}

export function classifySmtpError(error: unknown): SmtpFailure {
  const r = readError(error);
  const rule = RULES.find((row) => row.when(r)) ?? RULES[RULES.length - 1]!;
  // A TLS problem (untrusted or expired certificate, wrong name, smtps:// to a plain port) gets the
  // fix for its exact cause; it stops the run like any TLS failure, as retrying cannot help.
  const tlsFix = rule.kind === 'unreachable' || rule.kind === 'connection' ? certificateFix(error) : undefined;
  const kind = tlsFix ? 'unreachable' : rule.kind;
  const fix = tlsFix ?? rule.fix;
  const at = r.command ? ` at ${r.command}` : '';
  const label = [r.responseCode, r.enhanced].filter(Boolean).join(' ') || r.syscall || r.code;
  return {
    kind,
    code: r.code,
    ...(r.responseCode ? { responseCode: r.responseCode } : {}),
    ...(r.enhanced ? { enhanced: r.enhanced } : {}),
    ...(r.command ? { command: r.command } : {}),
    message: r.message,
    why: `${label}${at}: ${rule.why}`,
    ...(fix ? { fix } : {}),
  };
}

/** `550 5.1.1 <x@y>: user unknown (RCPT TO)` for reports: one line, the code once, ≤ 500 characters. */
export function describeFailure(f: SmtpFailure): string {
  const msg = f.responseCode && !f.message.startsWith(String(f.responseCode)) ? `${f.responseCode} ${f.message}` : f.message;
  const line = oneLine(f.command ? `${msg} (${f.command})` : msg);
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}

/** "552 5.3.4": the same key means "the same permanent reply" for the streak rule. */
export function refusalKey(f: SmtpFailure): string {
  return [f.responseCode ?? f.code, f.enhanced].filter(Boolean).join(' ');
}

/**
 * A recipient refusal that means "never mail this address again" (a hard
 * bounce), as opposed to a 5xx about this message (content, size, policy).
 */
export function isHardBounce(f: SmtpFailure): boolean {
  if (f.kind !== 'recipient' || f.responseCode === undefined) return false;
  const nullMx = f.responseCode === 556 && f.enhanced === '5.1.10';
  if (!nullMx && (f.responseCode < 550 || f.responseCode > 553)) return false;
  const enhanced = f.enhanced ?? /\b[245]\.\d{1,3}\.\d{1,3}\b/.exec(f.message)?.[0];
  return enhanced ? HARD_BOUNCE_STATUS.has(enhanced) : HARD_BOUNCE_TEXT.test(f.message);
}

/**
 * The `source` recorded for a hard bounce, e.g. "smtp 550 5.1.1 <a@example.com>: user unknown (RCPT TO)":
 * the reply as reports show it, its code once (the same text when a later run writes a bounce kept in the journal).
 */
export function bounceSource(f: SmtpFailure): string {
  return `smtp ${describeFailure(f)}`.slice(0, 300);
}
