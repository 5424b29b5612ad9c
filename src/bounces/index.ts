// After the send: bounce and complaint messages read from a mailbox (Maildir, mbox, .eml folder, IMAP),
// understood (DSN, ARF, prose bounces, auto-replies), matched to recipients (return-path tokens, the send
// journals) and recorded in the audience's feedback ledger, which applies the rules.
export { processBounces, type BounceSummary, type MessageOutcome, type ProcessOptions } from './process.ts';
export { JournalRecipients, type JournalRecipient } from './journal-recipients.ts';
export { classifyMessage, type ClassifiedMessage, type ReportRecipient } from './report/index.ts';
export { openMaildir, openMbox, openEmlFolder, openImap, type BounceSource, type SourceMessage } from './sources/index.ts';
