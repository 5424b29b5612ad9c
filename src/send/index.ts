// The send run: journal, lock, queue, pacer, reply classification, delivery loop, dry run, test copy, summary.
export { sendIssue, type SendOptions, type DeliveryRunOptions, type BuiltForSend } from './run.ts';
export { dryRun, SAMPLE_SECRET_HEADER, SAMPLE_SECRET_NOTE, type DryRunOptions } from './dry-run.ts';
export { testSend, type TestSendOptions } from './test-send.ts';
export { Journal, journalPath, type JournalRecord } from './journal.ts';
export { acquireLock, type Lock, type LockUse } from './lock.ts';
// Read-only streaming of a journal, for `newsletter stats` (and anything else that only counts).
export { scanJournal, type BadLine } from './journal-scan.ts';
export { listJournals, journalNameParts } from './journal-files.ts';
export { classifySmtpError, describeFailure, isHardBounce, refusalKey, type SmtpFailure, type ReplyKind } from './classify.ts';
export { DEFAULT_RETRY_SCHEDULE, DEFAULT_TUNING, deliver, emptyDeliveryStats, type DeliveryJournal, type DeliveryPacer, type DeliveryQueue, type PaceTicket, type DeliveryStats, type DeliveryTuning, type Stop, type StopReason } from './deliver.ts';
// The distributed send (src/queue) reuses the list filter, the pacer and the login check.
export { emptyTally, sendable, type Job, type ListTally } from './recipients.ts';
export { Pacer } from './pacer.ts';
export { preflight, queuedMarkerPath } from './run.ts';
export { exampleDomainWarnings } from './example-domains.ts';
export { exitCodeOf, issueNamed, SmtpSendError, type IssueNamed, type SendSummary, type Progress } from './summary.ts';
export { countdownLine, duration, formatSummary, issueLabel, progressBar, progressLine } from './format.ts';
export { readersReach, verifyHostedImages } from './hosted-images.ts';
