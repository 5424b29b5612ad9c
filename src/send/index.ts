// Sending an issue over SMTP: message, config, journal, delivery, dry run, test copy, report.
export { composeMessage, toRfc822, messageIdFor, type MessageInput, type MailOptions } from './message.ts';
export { readEnv, parseSendEnv, requireSmtp, requireSecret, isLoopback, ENV_VARS, type SendEnv, type SmtpConfig, type SmtpTlsConfig, type DkimConfig, type EnvVars } from './config.ts';
export { sendIssue, type SendOptions, type BuiltForSend } from './run.ts';
export { dryRun, type DryRunOptions } from './dry-run.ts';
export { testSend, type TestSendOptions } from './test-send.ts';
export { Journal, journalPath, type JournalRecord } from './journal.ts';
export { classifySmtpError, describeFailure, isHardBounce, refusalKey, type SmtpFailure, type ReplyKind } from './classify.ts';
export { DEFAULT_RETRY_SCHEDULE, DEFAULT_TUNING, type DeliveryTuning, type Stop, type StopReason } from './deliver.ts';
export { exitCodeOf, issueNamed, SmtpSendError, type IssueNamed, type SendSummary, type Progress } from './summary.ts';
export { countdownLine, duration, formatSummary, issueLabel, progressBar, progressLine } from './format.ts';
export { messageFor, prepareIssue } from './personalized-message.ts';
export type { SuppressionProblem } from './suppression.ts';
export { DKIM_SIGNED_HEADERS, poolOptions } from './transport.ts';
export { certificateFix, verifyOffWarning } from './tls.ts';
