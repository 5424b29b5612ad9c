/**
 * What a failed delivery means for the run. nodemailer errors carry `code`
 * (ECONNECTION, EAUTH, EENVELOPE…), `responseCode` (the SMTP reply) and
 * `command` (CONN, AUTH PLAIN, RCPT TO, DATA…); we keep all three.
 */
export type Outcome =
  /** 421/451/454: the server asks us to slow down. Not a failure: the whole sender slows and the message waits. */
  | 'throttle'
  /** Other 4xx, dropped connections, timeouts: retry this message later with backoff. */
  | 'transient'
  /** 5xx: the server refuses this message for good; record it, never retry. */
  | 'permanent'
  /** Bad credentials: nothing will work; stop the run. */
  | 'auth'
  /** Cannot connect or negotiate TLS at all: stop the run if it keeps happening. */
  | 'unreachable';

export interface SmtpFailure {
  outcome: Outcome;
  /** nodemailer's error code, e.g. EENVELOPE. */
  code: string;
  responseCode?: number;
  command?: string;
  /** The server's reply or the error message, one line. */
  message: string;
}

export const THROTTLE_CODES: ReadonlySet<number> = new Set([421, 451, 454]);
const AUTH_CODES: ReadonlySet<number> = new Set([530, 534, 535, 538]);
const UNREACHABLE_SYSCALLS: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

interface NodemailerErrorLike {
  code?: unknown;
  originalCode?: unknown;
  responseCode?: unknown;
  command?: unknown;
  response?: unknown;
  message?: unknown;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 500);
}

export function classifySmtpError(error: unknown): SmtpFailure {
  const e = (error ?? {}) as NodemailerErrorLike;
  const code = typeof e.code === 'string' ? e.code : 'EUNKNOWN';
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const command = typeof e.command === 'string' ? e.command : undefined;
  const message = oneLine(typeof e.response === 'string' ? e.response : typeof e.message === 'string' ? e.message : String(error));
  const base = { code, message, ...(responseCode ? { responseCode } : {}), ...(command ? { command } : {}) };
  const isAuthCommand = command?.toUpperCase().startsWith('AUTH') ?? false;

  if (code === 'EAUTH' || code === 'ENOAUTH' || (responseCode !== undefined && AUTH_CODES.has(responseCode) && isAuthCommand))
    return { ...base, outcome: responseCode === 454 ? 'throttle' : 'auth' };
  if (responseCode !== undefined && THROTTLE_CODES.has(responseCode)) return { ...base, outcome: 'throttle' };
  // 503 is "bad sequence of commands": a session problem, not a verdict on the message.
  if (responseCode !== undefined && responseCode >= 500 && responseCode !== 503) return { ...base, outcome: 'permanent' };
  if (responseCode !== undefined && responseCode >= 400) return { ...base, outcome: 'transient' };
  if (code === 'ETLS' || code === 'EDNS' || code === 'EREQUIRETLS') return { ...base, outcome: 'unreachable' };
  const syscall = typeof e.originalCode === 'string' ? e.originalCode : '';
  if (command === 'CONN' && UNREACHABLE_SYSCALLS.has(syscall) && syscall !== 'ECONNRESET') return { ...base, outcome: 'unreachable' };
  // A message the envelope refused locally (e.g. no recipient) will never go through.
  if (code === 'EENVELOPE' && responseCode === undefined) return { ...base, outcome: 'permanent' };
  return { ...base, outcome: 'transient' };
}

/** `550 5.1.1 <x@y>: user unknown (RCPT TO)` for reports. */
export function describeFailure(f: SmtpFailure): string {
  const msg = f.responseCode && !f.message.startsWith(String(f.responseCode)) ? `${f.responseCode} ${f.message}` : f.message;
  return f.command ? `${msg} (${f.command})` : msg;
}

// RFC 3463 enhanced codes that say the address itself is bad or gone:
// 5.1.1 no such mailbox, 5.1.2 bad domain, 5.1.3 bad syntax, 5.1.6 moved, 5.1.10 null MX, 5.2.1 disabled.
const HARD_BOUNCE_STATUS = /\b5\.(1\.(1|2|3|6|10)|2\.1)\b/;
const HARD_BOUNCE_TEXT = /user unknown|unknown user|no such (user|mailbox)|mailbox (does not exist|not found|unavailable)|recipient (address )?rejected|does not exist/i;

/**
 * A permanent failure that means "never mail this address again" (a hard
 * bounce), as opposed to a 5xx about this message (content, size, policy).
 */
export function isHardBounce(f: SmtpFailure): boolean {
  if (f.outcome !== 'permanent' || f.responseCode === undefined || f.responseCode < 550 || f.responseCode > 553) return false;
  const status = /\b[245]\.\d{1,3}\.\d{1,3}\b/.exec(f.message);
  return status ? HARD_BOUNCE_STATUS.test(status[0]) : HARD_BOUNCE_TEXT.test(f.message);
}
