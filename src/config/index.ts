// Settings from .env and the environment, validated once, handed to each command.
export { loadSettings, Settings, type LoadSettingsOptions, type SenderSettings } from './settings.ts';
export {
  readEnv,
  readEnvWithOrigins,
  parseSendEnv,
  requireSmtp,
  requireSecret,
  secretOrSample,
  missingSecretError,
  MISSING_SECRET,
  isLoopback,
  ENV_VARS,
  MAX_UNSUBSCRIBE_URL,
  MAX_BOUNCE_LOCAL,
  ENV_FIX,
  ecPublicKey,
  requireImap,
  webhookSettings,
  type ImapConfig,
  type WebhookSettings,
  type SendEnv,
  type SmtpConfig,
  type SmtpTlsConfig,
  type DkimConfig,
  type EnvVars,
  type EnvOrigins,
} from './env.ts';
export { isPlainAddress, parseMailbox, type Mailbox } from './mailbox.ts';
export { ENV_EXAMPLE, SAMPLE_SECRET, isReservedExampleHost } from './placeholders.ts';
