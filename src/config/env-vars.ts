/** The variables the settings read (from `.env` and the environment), and nothing else. */
export const ENV_VARS = [
  'SMTP_URL', 'SMTP_HOST', 'SMTP_PORT', 'SMTP_USER', 'SMTP_PASSWORD', 'SMTP_REQUIRE_TLS',
  'SMTP_TLS_CA_FILE', 'SMTP_TLS_SERVERNAME', 'SMTP_TLS_VERIFY',
  'MAIL_FROM', 'REPLY_TO', 'UNSUBSCRIBE_URL', 'UNSUBSCRIBE_MAILTO', 'UNSUBSCRIBE_SECRET',
  'DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY_FILE',
  'BOUNCE_ADDRESS', 'IMAP_URL',
  'SES_SNS_TOPIC_ARN', 'SENDGRID_WEBHOOK_PUBLIC_KEY', 'MAILGUN_WEBHOOK_SIGNING_KEY', 'POSTMARK_WEBHOOK_USER', 'POSTMARK_WEBHOOK_PASSWORD',
] as const;
export type EnvVar = (typeof ENV_VARS)[number];
export type EnvVars = Partial<Record<EnvVar, string>>;
