import type { EnvVar, EnvVars } from './env-vars.ts';

/**
 * Example values that must never reach a message or a server: the values
 * `.env.example` shows (all commented out there, so a copied file changes
 * nothing), names reserved for examples, and placeholder secrets. Refused
 * with the `.env` line to change, rather than used silently.
 */

/** Signs unsubscribe links in `check` and a `send --dry-run` without UNSUBSCRIBE_SECRET. Public, so never accepted for real mail. */
export const SAMPLE_SECRET = 'sample-secret-for-check-and-dry-run-only';

/**
 * Every example value in `.env.example` (tests/config/placeholders.test.ts keeps the two the same).
 * `placeholder: true`: it names the example newsletter, a server or a secret that is not yours, so it is
 * refused; `false`: a sensible choice anyone may keep (a port, a switch, a path) or a login the server
 * itself judges, so it is accepted.
 */
export const ENV_EXAMPLE: Readonly<Record<EnvVar, { value: string; placeholder: boolean }>> = {
  SMTP_URL: { value: 'smtp://user:password@smtp.example.com:587', placeholder: true },
  SMTP_HOST: { value: 'smtp.example.com', placeholder: true },
  SMTP_PORT: { value: '587', placeholder: false },
  // Kept: the server judges a login (a wrong one stops the send at its first login, nothing sent), and a
  // test relay may well take user/password. With an example host the host is refused anyway.
  SMTP_USER: { value: 'user', placeholder: false },
  SMTP_PASSWORD: { value: 'password', placeholder: false },
  SMTP_REQUIRE_TLS: { value: 'true', placeholder: false },
  // Debian's own self-signed certificate: the right value for a local Postfix.
  SMTP_TLS_CA_FILE: { value: '/etc/ssl/certs/ssl-cert-snakeoil.pem', placeholder: false },
  SMTP_TLS_SERVERNAME: { value: 'relay.example.com', placeholder: true },
  SMTP_TLS_VERIFY: { value: 'false', placeholder: false },
  MAIL_FROM: { value: 'The Hemisphere Brief <brief@hemispherebrief.example.com>', placeholder: true },
  REPLY_TO: { value: 'editors@hemispherebrief.example.com', placeholder: true },
  UNSUBSCRIBE_URL: { value: 'https://hemispherebrief.example.com/unsubscribe', placeholder: true },
  UNSUBSCRIBE_MAILTO: { value: 'unsubscribe@hemispherebrief.example.com', placeholder: true },
  UNSUBSCRIBE_SECRET: { value: 'change-me-to-a-long-random-string', placeholder: true },
  DKIM_DOMAIN: { value: 'hemispherebrief.example.com', placeholder: true },
  DKIM_SELECTOR: { value: 'mail', placeholder: false },
  // A file the user creates; a missing one is already refused ("cannot be read").
  DKIM_PRIVATE_KEY_FILE: { value: './dkim-private.pem', placeholder: false },
  BOUNCE_ADDRESS: { value: 'bounces@hemispherebrief.example.com', placeholder: true },
  IMAP_URL: { value: 'imaps://bounces:password@imap.example.com:993', placeholder: true },
  SES_SNS_TOPIC_ARN: { value: 'arn:aws:sns:us-east-1:123456789012:newsletter-feedback', placeholder: true },
  SENDGRID_WEBHOOK_PUBLIC_KEY: { value: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE-paste-the-verification-key', placeholder: true },
  MAILGUN_WEBHOOK_SIGNING_KEY: { value: 'change-me-to-the-http-webhook-signing-key', placeholder: true },
  // A user name of your choosing, written into the webhook URL you give Postmark.
  POSTMARK_WEBHOOK_USER: { value: 'postmark', placeholder: false },
  POSTMARK_WEBHOOK_PASSWORD: { value: 'change-me-to-a-long-random-string', placeholder: true },
};

/**
 * Names no mail server answers for: RFC 2606 §2-3 / RFC 6761 §6.4-6.5 (example.com, .net, .org and
 * their subdomains, the .example and .invalid top-level domains). Not .test or localhost: RFC 6761
 * §6.2-6.3 keeps those for testing, and a relay on this machine or a test network may carry them.
 */
export function isReservedExampleHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return /(^|\.)example\.(com|net|org)$/.test(h) || /(^|\.)(example|invalid)$/.test(h);
}

/** Which variable holds an example value, and why; the fix is the variable's one fix (ENV_FIX in env.ts). */
export interface PlaceholderProblem {
  variable: EnvVar;
  message: string;
}

/** Used only when sending (SMTP and DKIM): check, preview and export run with them in place. */
const WHEN_SENDING: ReadonlySet<EnvVar> = new Set(['SMTP_URL', 'SMTP_HOST', 'SMTP_TLS_SERVERNAME', 'DKIM_DOMAIN']);
/** Used only by `bounces` (IMAP) and the endpoint server (webhooks): refused when that command asks for them. */
const WHEN_USED: ReadonlySet<EnvVar> = new Set(['IMAP_URL', 'SES_SNS_TOPIC_ARN', 'SENDGRID_WEBHOOK_PUBLIC_KEY', 'MAILGUN_WEBHOOK_SIGNING_KEY', 'POSTMARK_WEBHOOK_PASSWORD']);

/** The host an SMTP_URL names; undefined when it does not parse (the schema reports that). */
function urlHost(url: string): string | undefined {
  return URL.canParse(url) ? new URL(url).hostname.replace(/^\[|\]$/g, '') : undefined;
}

/** Why one variable's value is a placeholder, or undefined when it is not. */
function placeholderReason(variable: EnvVar, value: string): string | undefined {
  if (variable === 'UNSUBSCRIBE_SECRET' || variable === 'MAILGUN_WEBHOOK_SIGNING_KEY' || variable === 'POSTMARK_WEBHOOK_PASSWORD') {
    if (/^change-?me/i.test(value)) return 'is still the placeholder from .env.example';
    if (value === SAMPLE_SECRET) return 'is the public sample secret check and the dry run sign with; anyone could forge unsubscribe links with it';
  }
  if (ENV_EXAMPLE[variable].placeholder && value === ENV_EXAMPLE[variable].value) return 'is still the example value from .env.example';
  const host = variable === 'SMTP_URL' || variable === 'IMAP_URL' ? urlHost(value) : variable === 'SMTP_HOST' || variable === 'SMTP_TLS_SERVERNAME' ? value : undefined;
  if (host !== undefined && isReservedExampleHost(host)) return `names ${host}, a domain reserved for examples (RFC 2606): no mail server answers for it`;
  return undefined;
}

/**
 * The placeholders among `vars`, split into those refused whenever settings load
 * (they end up in every message a command shows), those refused only when sending,
 * and those refused only by the command that uses them (IMAP, webhooks).
 */
export function placeholderProblems(vars: EnvVars): { now: PlaceholderProblem[]; whenSending: PlaceholderProblem[]; whenUsed: PlaceholderProblem[] } {
  const now: PlaceholderProblem[] = [];
  const whenSending: PlaceholderProblem[] = [];
  const whenUsed: PlaceholderProblem[] = [];
  for (const [variable, value] of Object.entries(vars) as [EnvVar, string][]) {
    const message = placeholderReason(variable, value);
    if (!message) continue;
    (WHEN_SENDING.has(variable) ? whenSending : WHEN_USED.has(variable) ? whenUsed : now).push({ variable, message });
  }
  return { now, whenSending, whenUsed };
}
