import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { relative, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { NewsletterError } from '../errors.ts';
import { parseMailbox, type Mailbox } from './mailbox.ts';
import { placeholderProblems, SAMPLE_SECRET } from './placeholders.ts';
import { ENV_VARS, type EnvVar, type EnvVars } from './env-vars.ts';

/**
 * Sending config from the environment (and `.env`), validated once at the CLI
 * edge. Every problem names the variable and the fix; secret values (SMTP
 * password, SMTP_URL, UNSUBSCRIBE_SECRET, the DKIM key) are never quoted.
 */
export interface SmtpConfig {
  host: string;
  port: number;
  /** TLS from the first byte (smtps://, port 465). */
  secure: boolean;
  auth?: { user: string; pass: string };
  /** Refuse to send without STARTTLS. */
  requireTLS: boolean;
  /** Certificate checking, when any SMTP_TLS_* variable is set; otherwise Node's defaults (system CAs, SMTP host name). */
  tls?: SmtpTlsConfig;
  /** host:port, safe to print. */
  display: string;
}

export interface SmtpTlsConfig {
  /** PEM certificates to trust instead of the system CAs (SMTP_TLS_CA_FILE). */
  ca?: string;
  /** The name the certificate must carry, when it is not SMTP_HOST (SMTP_TLS_SERVERNAME). */
  servername?: string;
  /** false only with SMTP_TLS_VERIFY=false: any certificate is accepted (the CLI warns on every run). */
  verify: boolean;
}

export interface DkimConfig {
  domainName: string;
  keySelector: string;
  /**
   * The key of DKIM_PRIVATE_KEY_FILE, parsed once: OpenSSL 3 decodes PEM text
   * slowly (about 0.8 ms), which every signature would pay again. The PEM text
   * itself is not kept, so the secret is in memory once.
   */
  key: KeyObject;
  keyFile: string;
}

export interface ImapConfig {
  url: string;
  /** user@host:port, safe to print. */
  display: string;
}

export interface WebhookSettings {
  ses?: { topicArns: string[] };
  sendgrid?: { publicKey: string };
  mailgun?: { signingKey: string };
  postmark?: { user: string; password: string };
}

export interface SendEnv {
  smtp?: SmtpConfig;
  from?: Mailbox;
  replyTo?: Mailbox;
  unsubscribeUrl?: string;
  unsubscribeMailto?: string;
  unsubscribeSecret?: string;
  dkim?: DkimConfig;
  /** BOUNCE_ADDRESS: each message's envelope sender becomes its local part + "+" + a signed token (VERP). */
  bounceAddress?: string;
  /** IMAP_URL: the bounce mailbox for `newsletter bounces` (secret: never printed; `display` is). */
  imap?: ImapConfig;
  /** The ESP webhooks the endpoint server verifies; a provider absent here has its route off. */
  webhooks?: WebhookSettings;
  /** Example values among IMAP_URL and the webhook settings: refused by the command that uses them (requireImap, webhookSettings). */
  laterPlaceholders?: readonly LocatedProblem[];
  /**
   * Example values among the settings only sending uses, SMTP and DKIM_DOMAIN (see placeholders.ts):
   * requireSmtp refuses them, so they stop a send before it connects but not a check or preview.
   */
  sendingPlaceholders?: readonly LocatedProblem[];
}

export { ENV_VARS, type EnvVar, type EnvVars };

/** Where each variable was set: its `.env` line ("path/.env:3") or "environment variable NAME", for error messages. */
export type EnvOrigins = Partial<Record<EnvVar, string>>;

/**
 * The variables from `.env` in `cwd` (when present) under the real environment,
 * which wins. Parsed with Node's own `.env` parser (util.parseEnv, the one
 * process.loadEnvFile uses) rather than loadEnvFile itself, so process.env is
 * never mutated and tests can pass their own environment.
 */
export function readEnv(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): EnvVars {
  return readEnvWithOrigins(cwd, env).vars;
}

/** The line a variable is set on, as util.parseEnv reads it: the last assignment wins. */
function lineOf(text: string, name: string): number | undefined {
  const assignment = new RegExp(`^ *(?:export )?${name}[ \\t]*=`);
  const lines = text.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) if (assignment.test(lines[i]!)) return i + 1;
  return undefined;
}

/** readEnv, and for each value taken from `.env`, the file and line it is on. */
export function readEnvWithOrigins(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): { vars: EnvVars; origins: EnvOrigins } {
  const file = resolve(cwd, '.env');
  let text = '';
  let fromFile: NodeJS.Dict<string> = {};
  if (existsSync(file)) {
    try {
      text = readFileSync(file, 'utf8');
      fromFile = parseEnv(text);
    } catch (cause) {
      throw new NewsletterError('ECONFIG', `Cannot read ${file}: ${(cause as Error).message}`, { where: file, fix: 'Check the file permissions, or copy .env.example to .env again.' });
    }
  }
  const vars: EnvVars = {};
  const origins: EnvOrigins = {};
  // An empty value counts as unset, in the environment and in the file.
  const set = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);
  for (const name of ENV_VARS) {
    const fromEnv = set(env[name]);
    const value = fromEnv ?? set(fromFile[name]);
    if (value === undefined) continue;
    vars[name] = value;
    const line = fromEnv === undefined ? lineOf(text, name) : undefined;
    if (fromEnv !== undefined) origins[name] = `environment variable ${name}`;
    else if (line !== undefined) origins[name] = `${relative(process.cwd(), file) || file}:${line}`;
  }
  return { vars, origins };
}

/**
 * RFC 5321 §4.5.3.1.1: a local part holds at most 64 octets. Each return path is
 * BOUNCE_ADDRESS's local part + "+" + a 24-character token (see audience/return-path.ts).
 */
export const MAX_BOUNCE_LOCAL = 64 - 1 - 24;

/** Leaves room in List-Unsubscribe's 998-octet line for `?e=<address>&t=<43-character token>`. */
export const MAX_UNSUBSCRIBE_URL = 600;

/** How to leave a variable unset, in the fixes of those with a default (newsletter.yml's, or none). */
const COMMENT_OUT = 'or put # before the line to leave it unset';

/**
 * The one fix per variable: for a value in the wrong form, a missing one and an example value
 * left in place alike. Each example it shows is a value the placeholder check accepts (never a
 * name reserved for examples, tests/config/placeholders.test.ts checks), so the fix can be followed.
 */
export const ENV_FIX: Readonly<Record<EnvVar, string>> = {
  SMTP_URL:
    "Write your provider's SMTP server (its documentation gives host, port and login): SMTP_URL=smtp://USER:PASSWORD@smtp.your-provider.net:587 (STARTTLS) or smtps://USER:PASSWORD@smtp.your-provider.net:465 (TLS); URL-encode special characters in the password; to try without a server, use --dry-run.",
  SMTP_HOST: "Write your provider's SMTP host name (its documentation gives it), e.g. SMTP_HOST=smtp.your-provider.net; to try without a server, use --dry-run.",
  SMTP_PORT: 'SMTP_PORT must be a number (465 or 587 usually); see .env.example.',
  SMTP_USER: 'Write the login your SMTP provider gave you: SMTP_USER and SMTP_PASSWORD together (or neither, for a relay without login); see .env.example.',
  SMTP_PASSWORD: 'Write the password your SMTP provider gave you: SMTP_USER and SMTP_PASSWORD together (or neither, for a relay without login); see .env.example.',
  SMTP_REQUIRE_TLS: 'Use SMTP_REQUIRE_TLS=true (the default, except on loopback) or false (only for a trusted relay).',
  SMTP_TLS_CA_FILE: "Point it at a readable PEM file with the relay's certificate or the CA that signed it, e.g. SMTP_TLS_CA_FILE=/etc/ssl/certs/ssl-cert-snakeoil.pem.",
  SMTP_TLS_SERVERNAME: `Write the host name on your relay's certificate, not an IP address (openssl s_client -starttls smtp -connect HOST:PORT prints it), ${COMMENT_OUT}.`,
  SMTP_TLS_VERIFY: 'Leave it unset (certificates are checked); SMTP_TLS_VERIFY=false only for a throwaway test. Prefer SMTP_TLS_CA_FILE for a self-signed relay.',
  MAIL_FROM: `Write your own sender as one mailbox, e.g. MAIL_FROM="Your Newsletter <news@your-domain.net>" or a bare address (ASCII; a domain in its xn-- form), ${COMMENT_OUT} (newsletter.yml's from is used).`,
  REPLY_TO: `Write the address replies should go to as one mailbox, e.g. REPLY_TO=editors@your-domain.net or REPLY_TO="Editors <editors@your-domain.net>" (ASCII; a domain in its xn-- form), ${COMMENT_OUT} (newsletter.yml's replyTo is used).`,
  UNSUBSCRIBE_URL: `Write the https:// URL of your own unsubscribe endpoint, at most ${MAX_UNSUBSCRIBE_URL} characters, e.g. UNSUBSCRIBE_URL=https://news.your-domain.net/unsubscribe, ${COMMENT_OUT} (newsletter.yml's unsubscribeUrl is used).`,
  UNSUBSCRIBE_MAILTO: `Write an address of yours that handles unsubscribe requests, ${COMMENT_OUT} (List-Unsubscribe then carries only the https link); e.g. UNSUBSCRIBE_MAILTO=unsubscribe@your-domain.net.`,
  UNSUBSCRIBE_SECRET: 'Generate one with `openssl rand -hex 32` and set UNSUBSCRIBE_SECRET in .env (the same value for send and server); see .env.example.',
  DKIM_DOMAIN: `Write the domain your DKIM key is published under (the d= of the signature), e.g. DKIM_DOMAIN=your-domain.net; set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE together, ${COMMENT_OUT} along with the other two.`,
  DKIM_SELECTOR: 'Set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE together, or none of them.',
  DKIM_PRIVATE_KEY_FILE: 'Point it at a readable PEM RSA private key file, e.g. DKIM_PRIVATE_KEY_FILE=./dkim-private.pem (openssl genrsa -out dkim-private.pem 2048).',
  BOUNCE_ADDRESS: `Write the address bounces should come back to, on a domain whose MX is your bounce mailbox, e.g. BOUNCE_ADDRESS=bounces@news.your-domain.net: a bare address, its local part at most ${MAX_BOUNCE_LOCAL} characters and without "+" (each message's return path adds +TOKEN), ${COMMENT_OUT} (the envelope sender is then MAIL_FROM's address).`,
  IMAP_URL: 'Write the bounce mailbox\'s IMAP server and login: IMAP_URL=imaps://USER:PASSWORD@imap.your-provider.net:993 (TLS) or imap://…:143 (STARTTLS, required except on loopback); URL-encode special characters in the password. Or read the mailbox from disk with --maildir, --mbox or --eml.',
  SES_SNS_TOPIC_ARN: `Write the ARN of the SNS topic your SES configuration set publishes bounces and complaints to (the SNS console shows it), e.g. SES_SNS_TOPIC_ARN=arn:aws:sns:eu-west-1:111122223333:newsletter-feedback; several separated by commas, ${COMMENT_OUT} (the /webhooks/ses route is then off).`,
  SENDGRID_WEBHOOK_PUBLIC_KEY: `Paste the "Verification Key" SendGrid shows under Mail Settings → Event Webhook → Signed Event Webhook (a base64 ECDSA public key, or PEM), ${COMMENT_OUT} (the /webhooks/sendgrid route is then off).`,
  MAILGUN_WEBHOOK_SIGNING_KEY: `Paste the "HTTP webhook signing key" from Mailgun's Webhooks page, ${COMMENT_OUT} (the /webhooks/mailgun route is then off).`,
  POSTMARK_WEBHOOK_USER: 'Set POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD together (or neither), and put them in the webhook URL you give Postmark: https://USER:PASSWORD@news.your-domain.net/webhooks/postmark.',
  POSTMARK_WEBHOOK_PASSWORD: 'Generate one with `openssl rand -hex 24`; set POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD together, and put both in the webhook URL you give Postmark.',
};
const SECRET: ReadonlySet<EnvVar> = new Set(['SMTP_URL', 'SMTP_PASSWORD', 'UNSUBSCRIBE_SECRET', 'IMAP_URL', 'MAILGUN_WEBHOOK_SIGNING_KEY', 'POSTMARK_WEBHOOK_PASSWORD']);

/** Exactly one mailbox (see mailbox.ts): the problem as the zod issue's message. */
const oneMailbox = (v: string, ctx: z.RefinementCtx) => {
  const result = parseMailbox(v);
  if (!result.ok) ctx.addIssue({ code: 'custom', message: result.problem });
};
const noBreak = (v: string) => !/[\r\n]/.test(v);

/** A true/false variable; read with flag() below. */
const booleanVar = z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }).optional();

const schema = z.object({
  SMTP_URL: z.string().refine((v) => /^smtps?:\/\/[^/?#]+/i.test(v) && URL.canParse(v), 'must be an smtp:// or smtps:// URL').optional(),
  SMTP_HOST: z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address').optional(),
  SMTP_PORT: z.string().regex(/^\d{1,5}$/, 'must be a number').refine((v) => Number(v) > 0 && Number(v) < 65536, 'must be between 1 and 65535').optional(),
  SMTP_USER: z.string().refine(noBreak, 'must be one line').optional(),
  SMTP_PASSWORD: z.string().refine(noBreak, 'must be one line').optional(),
  SMTP_REQUIRE_TLS: booleanVar,
  SMTP_TLS_CA_FILE: z.string().optional(),
  // A DNS name (RFC 6066 SNI carries no IP address); at least one letter tells it from an IPv4 address.
  SMTP_TLS_SERVERNAME: z.string().regex(/^(?=.*[A-Za-z])[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?$/, 'must be a host name like relay.your-domain.net').optional(),
  SMTP_TLS_VERIFY: booleanVar,
  MAIL_FROM: z.string().superRefine(oneMailbox).optional(),
  REPLY_TO: z.string().superRefine(oneMailbox).optional(),
  UNSUBSCRIBE_URL: z
    .string()
    .max(MAX_UNSUBSCRIBE_URL, `is too long (at most ${MAX_UNSUBSCRIBE_URL} characters: each recipient's address and token are added, and the List-Unsubscribe line holds at most 998)`)
    .refine((v) => /^https:\/\/[^\s/?#]+[^\s]*$|^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/[^\s]*)?$/i.test(v), 'must be an https:// URL (http:// only for localhost)').optional(),
  UNSUBSCRIBE_MAILTO: z.email('must be an email address').optional(),
  UNSUBSCRIBE_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters')
    // A placeholder (public, so anyone could forge links with it) is refused in placeholders.ts.
    .optional(),
  DKIM_DOMAIN: z.string().regex(/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'must be a domain like your-domain.net').optional(),
  DKIM_SELECTOR: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a selector like "mail"').optional(),
  DKIM_PRIVATE_KEY_FILE: z.string().optional(),
  BOUNCE_ADDRESS: z
    .string()
    .regex(/^[A-Za-z0-9!#$%&'*/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'must be a bare ASCII address like bounces@news.your-domain.net, without "+" in it')
    .refine((v) => v.indexOf('@') <= MAX_BOUNCE_LOCAL, `has a local part over ${MAX_BOUNCE_LOCAL} characters (each return path adds "+" and a 24-character token, and a local part holds at most 64)`)
    .optional(),
  IMAP_URL: z.string().refine((v) => /^imaps?:\/\/[^/?#]+/i.test(v) && URL.canParse(v), 'must be an imap:// or imaps:// URL').optional(),
  SES_SNS_TOPIC_ARN: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+(\s*,\s*arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+)*$/, 'must be one or more SNS topic ARNs (arn:aws:sns:REGION:ACCOUNT:NAME), separated by commas').optional(),
  // Checked as a key in webhooksFrom, after the placeholder check: the example value is refused only by `server`.
  SENDGRID_WEBHOOK_PUBLIC_KEY: z.string().optional(),
  MAILGUN_WEBHOOK_SIGNING_KEY: z.string().min(16, 'is too short to be Mailgun\'s signing key').refine(noBreak, 'must be one line').optional(),
  POSTMARK_WEBHOOK_USER: z.string().regex(/^[^:\s]+$/, 'must be one word without ":"').optional(),
  POSTMARK_WEBHOOK_PASSWORD: z.string().min(16, 'must be at least 16 characters').refine(noBreak, 'must be one line').optional(),
});

/** SendGrid's verification key: base64 DER (SPKI) as its page shows it, or PEM; undefined when it is neither or not EC. */
export function ecPublicKey(text: string): KeyObject | undefined {
  try {
    const key = text.includes('-----BEGIN') ? createPublicKey(text) : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ec' ? key : undefined;
  } catch {
    return undefined;
  }
}

interface EnvProblem {
  variable: EnvVar;
  message: string;
}

/** A problem with what it received (never a secret's value) and where the value was set, ready to print. */
export interface LocatedProblem extends EnvProblem {
  received: string | undefined;
  at: string | undefined;
}

function located(problems: readonly EnvProblem[], vars: EnvVars, origins: EnvOrigins): LocatedProblem[] {
  return problems.map((p) => ({ ...p, received: SECRET.has(p.variable) ? undefined : (vars[p.variable] ?? ''), at: origins[p.variable] }));
}

function problemsError(problems: readonly LocatedProblem[], consequence = ''): NewsletterError {
  const lines = problems.map((p) => {
    const received = p.received === undefined ? '' : ` (received ${JSON.stringify(p.received)})`;
    const at = p.at ? `\n    at ${p.at}` : '';
    return `  ${p.variable} ${p.message}${received}${at}\n    fix: ${ENV_FIX[p.variable]}`;
  });
  const first = problems[0]!;
  return new NewsletterError('ECONFIG', `${problems.length} problem${problems.length === 1 ? '' : 's'} in the sending config (environment / .env)${consequence}:\n${lines.join('\n')}`, {
    where: first.at ?? first.variable,
    fix: 'Correct the variables above in .env (see .env.example) or the environment.',
  });
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** A boolean variable the schema has accepted; undefined when unset. */
function flag(value: string | undefined): boolean | undefined {
  return value === undefined ? undefined : value === 'true' || value === '1' || value === 'yes';
}

/** The PEM certificates of SMTP_TLS_CA_FILE, read now so a bad file stops the run before anything is sent. */
function caFrom(file: string, cwd: string, problems: EnvProblem[]): string | undefined {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (cause) {
    problems.push({ variable: 'SMTP_TLS_CA_FILE', message: `cannot be read: ${(cause as NodeJS.ErrnoException).code ?? 'error'}` });
    return undefined;
  }
  // Only the certificates: a key or anything else in the file is not ours to pass on.
  const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!certs) {
    problems.push({ variable: 'SMTP_TLS_CA_FILE', message: 'has no certificate (no "-----BEGIN CERTIFICATE-----" block)' });
    return undefined;
  }
  return `${certs.join('\n')}\n`;
}

function tlsFrom(vars: EnvVars, cwd: string, problems: EnvProblem[]): SmtpTlsConfig | undefined {
  const { SMTP_TLS_CA_FILE: caFile, SMTP_TLS_SERVERNAME: servername } = vars;
  const verify = flag(vars.SMTP_TLS_VERIFY) ?? true;
  if (!caFile && !servername && verify) return undefined;
  const ca = caFile ? caFrom(caFile, cwd, problems) : undefined;
  return { ...(ca ? { ca } : {}), ...(servername ? { servername } : {}), verify };
}

function smtpFrom(vars: EnvVars, cwd: string, problems: EnvProblem[]): SmtpConfig | undefined {
  const requireFlag = flag(vars.SMTP_REQUIRE_TLS);
  let host: string;
  let port: number;
  let secure: boolean;
  let user: string | undefined;
  let pass: string | undefined;
  if (vars.SMTP_URL) {
    const url = new URL(vars.SMTP_URL);
    secure = url.protocol.toLowerCase() === 'smtps:';
    host = url.hostname;
    port = url.port ? Number(url.port) : secure ? 465 : 587;
    try {
      user = url.username ? decodeURIComponent(url.username) : undefined;
      pass = url.password ? decodeURIComponent(url.password) : undefined;
    } catch {
      // URIError: a "%" not followed by two hex digits. Its message would quote the credentials, so it is not kept.
      problems.push({ variable: 'SMTP_URL', message: 'has an invalid percent-escape in the user name or password (a "%" not followed by two hex digits)' });
      return undefined;
    }
    if (user && !pass) problems.push({ variable: 'SMTP_URL', message: 'has a user but no password' });
  } else if (vars.SMTP_HOST) {
    host = vars.SMTP_HOST;
    port = vars.SMTP_PORT ? Number(vars.SMTP_PORT) : 587;
    secure = port === 465;
    user = vars.SMTP_USER;
    pass = vars.SMTP_PASSWORD;
    if (Boolean(user) !== Boolean(pass)) problems.push({ variable: user ? 'SMTP_PASSWORD' : 'SMTP_USER', message: 'is missing; the other one is set' });
  } else {
    if (vars.SMTP_PORT || vars.SMTP_USER || vars.SMTP_PASSWORD) problems.push({ variable: 'SMTP_HOST', message: 'is missing; SMTP_PORT/SMTP_USER/SMTP_PASSWORD are set without it' });
    return undefined;
  }
  const tls = tlsFrom(vars, cwd, problems);
  return {
    host,
    port,
    secure,
    ...(user && pass ? { auth: { user, pass } } : {}),
    // Unset: STARTTLS is required unless the server is on this machine. Set: as told, loopback included.
    requireTLS: !secure && (requireFlag ?? !isLoopback(host)),
    ...(tls ? { tls } : {}),
    display: `${host}:${port}`,
  };
}

function dkimFrom(vars: EnvVars, cwd: string, problems: EnvProblem[]): DkimConfig | undefined {
  const { DKIM_DOMAIN: domainName, DKIM_SELECTOR: keySelector, DKIM_PRIVATE_KEY_FILE: keyFile } = vars;
  if (!domainName && !keySelector && !keyFile) return undefined;
  if (!domainName) problems.push({ variable: 'DKIM_DOMAIN', message: 'is missing; the other DKIM_* variables are set' });
  if (!keySelector) problems.push({ variable: 'DKIM_SELECTOR', message: 'is missing; the other DKIM_* variables are set' });
  if (!keyFile) problems.push({ variable: 'DKIM_PRIVATE_KEY_FILE', message: 'is missing; the other DKIM_* variables are set' });
  if (!domainName || !keySelector || !keyFile) return undefined;
  const path = resolve(cwd, keyFile);
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (cause) {
    problems.push({ variable: 'DKIM_PRIVATE_KEY_FILE', message: `cannot be read: ${(cause as NodeJS.ErrnoException).code ?? 'error'}` });
    return undefined;
  }
  const key = parsedKey(pem, problems);
  if (!key) return undefined;
  return { domainName, keySelector, key, keyFile: path };
}

/**
 * RFC 8301 §3.2: verifiers MUST NOT consider a signature made with an RSA key
 * under 1024 bits valid (mailauth gives `policy`, not `pass`), so mail signed
 * with one goes out as good as unsigned.
 */
const MIN_RSA_BITS = 1024;

/** PEM armour of a PKCS#8 key encrypted with a passphrase, or of a traditional one with Proc-Type: 4,ENCRYPTED. */
const ENCRYPTED_PEM = /-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type: *4, *ENCRYPTED/m;

/**
 * The key of DKIM_PRIVATE_KEY_FILE parsed once (the PEM text is not kept: one
 * copy of the secret in memory), or undefined with the problem recorded.
 */
function parsedKey(pem: string, problems: EnvProblem[]): KeyObject | undefined {
  const refuse = (message: string): undefined => {
    problems.push({ variable: 'DKIM_PRIVATE_KEY_FILE', message });
  };
  // Tested before parsing: createPrivateKey without a passphrase only says it cannot read the key.
  if (ENCRYPTED_PEM.test(pem)) return refuse('holds a passphrase-encrypted key, which cannot be used unattended; write it unencrypted (openssl pkey -in encrypted.pem -out dkim-private.pem) and keep that file readable only by the sender');
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    return refuse('is not a PEM private key');
  }
  // Signatures are rsa-sha256 (what every receiver verifies); another key type used to leave messages silently unsigned.
  if (key.asymmetricKeyType !== 'rsa') return refuse(`holds a key of type ${key.asymmetricKeyType ?? 'unknown'}, not RSA; DKIM signatures here are rsa-sha256`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) return refuse(`holds a ${bits}-bit RSA key; receivers ignore DKIM signatures made with keys under ${MIN_RSA_BITS} bits (RFC 8301), so make a 2048-bit one: openssl genrsa -out dkim-private.pem 2048`);
  return key;
}

/** A variable the schema has already accepted as one mailbox. */
function mailboxOf(value: string): Mailbox {
  const result = parseMailbox(value);
  if (!result.ok) throw new Error(`unreachable: validated mailbox refused: ${result.problem}`);
  return result.mailbox;
}

/**
 * Validate every variable; one error lists all problems, each with its `.env`
 * line when `origins` has one. Does not require SMTP (see requireSmtp).
 */
export function parseSendEnv(vars: EnvVars, cwd: string = process.cwd(), origins: EnvOrigins = {}): SendEnv {
  const problems: EnvProblem[] = [];
  const parsed = schema.safeParse(vars);
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const variable = issue.path[0] as EnvVar;
      // One problem per variable: the first check it fails says enough.
      if (!problems.some((p) => p.variable === variable)) problems.push({ variable, message: issue.message });
    }
  const placeholders = placeholderProblems(vars);
  // One problem per variable: a value the schema refused is not also called a placeholder.
  problems.push(...placeholders.now.filter((p) => !problems.some((q) => q.variable === p.variable)));
  if (problems.length) throw problemsError(located(problems, vars, origins));
  const smtp = smtpFrom(vars, cwd, problems);
  const dkim = dkimFrom(vars, cwd, problems);
  const webhooks = webhooksFrom(vars, problems, placeholders.whenUsed);
  if (problems.length) throw problemsError(located(problems, vars, origins));
  return {
    ...(smtp ? { smtp } : {}),
    ...(vars.MAIL_FROM ? { from: mailboxOf(vars.MAIL_FROM) } : {}),
    ...(vars.REPLY_TO ? { replyTo: mailboxOf(vars.REPLY_TO) } : {}),
    ...(vars.UNSUBSCRIBE_URL ? { unsubscribeUrl: vars.UNSUBSCRIBE_URL } : {}),
    ...(vars.UNSUBSCRIBE_MAILTO ? { unsubscribeMailto: vars.UNSUBSCRIBE_MAILTO } : {}),
    ...(vars.UNSUBSCRIBE_SECRET ? { unsubscribeSecret: vars.UNSUBSCRIBE_SECRET } : {}),
    ...(dkim ? { dkim } : {}),
    ...(placeholders.whenSending.length ? { sendingPlaceholders: located(placeholders.whenSending, vars, origins) } : {}),
    ...(vars.BOUNCE_ADDRESS ? { bounceAddress: vars.BOUNCE_ADDRESS } : {}),
    ...(vars.IMAP_URL ? { imap: imapFrom(vars.IMAP_URL) } : {}),
    ...(webhooks ? { webhooks } : {}),
    ...(placeholders.whenUsed.length ? { laterPlaceholders: located(placeholders.whenUsed, vars, origins) } : {}),
  };
}

function imapFrom(url: string): ImapConfig {
  const parsed = new URL(url);
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
  return { url, display: `${user}${parsed.hostname}:${parsed.port || (parsed.protocol === 'imaps:' ? 993 : 143)}` };
}

function webhooksFrom(vars: EnvVars, problems: EnvProblem[], later: readonly EnvProblem[]): WebhookSettings | undefined {
  const { POSTMARK_WEBHOOK_USER: user, POSTMARK_WEBHOOK_PASSWORD: password, SENDGRID_WEBHOOK_PUBLIC_KEY: sendgridKey } = vars;
  if (Boolean(user) !== Boolean(password)) problems.push({ variable: user ? 'POSTMARK_WEBHOOK_PASSWORD' : 'POSTMARK_WEBHOOK_USER', message: 'is missing; the other one is set' });
  // An example value is refused by `server` alone (laterPlaceholders); anything else must be a key now.
  if (sendgridKey && !later.some((p) => p.variable === 'SENDGRID_WEBHOOK_PUBLIC_KEY') && !ecPublicKey(sendgridKey))
    problems.push({ variable: 'SENDGRID_WEBHOOK_PUBLIC_KEY', message: 'is not an ECDSA public key (base64 or PEM)' });
  const settings: WebhookSettings = {
    ...(vars.SES_SNS_TOPIC_ARN ? { ses: { topicArns: vars.SES_SNS_TOPIC_ARN.split(',').map((arn) => arn.trim()) } } : {}),
    ...(vars.SENDGRID_WEBHOOK_PUBLIC_KEY ? { sendgrid: { publicKey: vars.SENDGRID_WEBHOOK_PUBLIC_KEY } } : {}),
    ...(vars.MAILGUN_WEBHOOK_SIGNING_KEY ? { mailgun: { signingKey: vars.MAILGUN_WEBHOOK_SIGNING_KEY } } : {}),
    ...(user && password ? { postmark: { user, password } } : {}),
  };
  return Object.keys(settings).length ? settings : undefined;
}

/** A placeholder among `variables`, refused now that a command uses them. */
function refuseLaterPlaceholders(env: SendEnv, variables: readonly EnvVar[]): void {
  const found = env.laterPlaceholders?.filter((p) => variables.includes(p.variable)) ?? [];
  if (found.length) throw problemsError(found);
}

/** The bounce mailbox's IMAP server, or an error naming IMAP_URL and the other sources. */
export function requireImap(env: SendEnv): ImapConfig {
  refuseLaterPlaceholders(env, ['IMAP_URL']);
  if (env.imap) return env.imap;
  throw new NewsletterError('ECONFIG', 'No bounce mailbox is configured for --imap', { where: 'IMAP_URL', fix: ENV_FIX.IMAP_URL });
}

/** The webhook settings the endpoint server verifies with (none is fine: the routes are off). */
export function webhookSettings(env: SendEnv): WebhookSettings {
  refuseLaterPlaceholders(env, ['SES_SNS_TOPIC_ARN', 'SENDGRID_WEBHOOK_PUBLIC_KEY', 'MAILGUN_WEBHOOK_SIGNING_KEY', 'POSTMARK_WEBHOOK_PASSWORD']);
  return env.webhooks ?? {};
}

/** The SMTP server, or an error naming the variables to set. Called before anything is sent. */
export function requireSmtp(env: SendEnv): SmtpConfig {
  if (env.sendingPlaceholders) throw problemsError(env.sendingPlaceholders, '; nothing was sent');
  if (env.smtp) return env.smtp;
  throw new NewsletterError('ECONFIG', 'No SMTP server is configured, so nothing was sent', {
    where: 'SMTP_URL',
    fix: `Set SMTP_URL, or SMTP_HOST, SMTP_PORT, SMTP_USER and SMTP_PASSWORD, in .env or the environment (see .env.example). ${ENV_FIX.SMTP_URL}`,
  });
}

/**
 * The one message for a missing UNSUBSCRIBE_SECRET: send, dry run and test send
 * (requireSecret), server, and check's note that it signs with a sample secret.
 */
export const MISSING_SECRET = {
  message: 'UNSUBSCRIBE_SECRET is not set; it signs each reader\'s unsubscribe link, and the unsubscribe server checks the links with it',
  fix: ENV_FIX.UNSUBSCRIBE_SECRET,
} as const;

export function missingSecretError(): NewsletterError {
  return new NewsletterError('ECONFIG', MISSING_SECRET.message, { where: 'UNSUBSCRIBE_SECRET', fix: MISSING_SECRET.fix });
}

/** The unsubscribe token secret, or the missing-secret error. */
export function requireSecret(env: SendEnv): string {
  if (env.unsubscribeSecret) return env.unsubscribeSecret;
  throw missingSecretError();
}

/**
 * What check and the dry run sign unsubscribe links with: UNSUBSCRIBE_SECRET, or without it the
 * public SAMPLE_SECRET (`sample: true`, so they can say so). Never for real mail: see requireSecret.
 */
export function secretOrSample(env: SendEnv): { secret: string; sample: boolean } {
  return env.unsubscribeSecret ? { secret: env.unsubscribeSecret, sample: false } : { secret: SAMPLE_SECRET, sample: true };
}
