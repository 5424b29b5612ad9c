// Settings from .env and the environment, validated once, handed to each command.
export { readEnv, parseSendEnv, requireSmtp, requireSecret, isLoopback, ENV_VARS, MAX_UNSUBSCRIBE_URL, type SendEnv, type SmtpConfig, type SmtpTlsConfig, type DkimConfig, type EnvVars } from './env.ts';
export { isPlainAddress, parseMailbox, type Mailbox } from './mailbox.ts';
