import { parseSendEnv, readEnvWithOrigins, requireImap, requireSecret, requireSmtp, secretOrSample, webhookSettings, type ImapConfig, type SendEnv, type SmtpConfig, type WebhookSettings } from './env.ts';
import type { Mailbox } from './mailbox.ts';

/**
 * MAIL_FROM, REPLY_TO, UNSUBSCRIBE_URL and UNSUBSCRIBE_MAILTO: what every
 * message takes from the settings rather than newsletter.yml. The preview's
 * headers, check and send all compose with these, so they show the same message.
 */
export interface SenderSettings {
  from?: Mailbox | undefined;
  replyTo?: Mailbox | undefined;
  unsubscribeUrl?: string | undefined;
  unsubscribeMailto?: string | undefined;
  /** BOUNCE_ADDRESS: the envelope sender becomes a per-recipient signed return path (VERP). */
  bounceAddress?: string | undefined;
}

/**
 * The newsletter's settings (`.env` in the working directory under the
 * environment), every variable validated when loaded. Each command asks for
 * the part it needs; asking is what makes a setting required (smtp() only
 * when sending), so a command never fails over a setting it does not use
 * unless that setting is invalid.
 *
 * Not settings, and read where they are used: where the tools live
 * (CHROMIUM_PATH in src/browser, SPAMASSASSIN_PATH and PATH in src/check/spam.ts).
 */
export class Settings {
  constructor(
    /** Every variable, validated: what the send run takes. */
    readonly env: SendEnv,
  ) {}

  sender(): SenderSettings {
    const { from, replyTo, unsubscribeUrl, unsubscribeMailto, bounceAddress } = this.env;
    return { from, replyTo, unsubscribeUrl, unsubscribeMailto, bounceAddress };
  }

  /** The bounce mailbox's IMAP server (IMAP_URL), or an error naming it. */
  imap(): ImapConfig {
    return requireImap(this.env);
  }

  /** The ESP webhooks to verify (SES_SNS_TOPIC_ARN, SENDGRID_…, MAILGUN_…, POSTMARK_…); an example value left in place is refused. */
  webhooks(): WebhookSettings {
    return webhookSettings(this.env);
  }

  /** The SMTP server, or an error naming the variables to set. */
  smtp(): SmtpConfig {
    return requireSmtp(this.env);
  }

  /** The secret unsubscribe links are signed with, or the one missing-secret error (MISSING_SECRET). */
  unsubscribeSecret(): string {
    return requireSecret(this.env);
  }

  /** What check signs its sample links with: the secret when set, SAMPLE_SECRET otherwise (see secretOrSample). */
  secretOrSample(): { secret: string; sample: boolean } {
    return secretOrSample(this.env);
  }
}

export interface LoadSettingsOptions {
  /** Where `.env` is read from, and relative files (SMTP_TLS_CA_FILE, DKIM_PRIVATE_KEY_FILE) resolve (default: the working directory). */
  cwd?: string | undefined;
  /** The environment, which wins over `.env` (default: process.env). */
  env?: NodeJS.ProcessEnv | undefined;
}

/** Read and validate the settings once, at the CLI edge; an invalid one is an ECONFIG error naming the variable, its `.env` line and the fix. */
export function loadSettings(options: LoadSettingsOptions = {}): Settings {
  const cwd = options.cwd ?? process.cwd();
  const { vars, origins } = readEnvWithOrigins(cwd, options.env ?? process.env);
  return new Settings(parseSendEnv(vars, cwd, origins));
}
