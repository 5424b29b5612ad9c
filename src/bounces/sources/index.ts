// Where bounce and complaint messages are read from: a Maildir, an mbox file, a folder of .eml files, an IMAP mailbox.
export { type BounceSource, type SourceMessage, type SkippedMessage, MAX_MESSAGE_BYTES } from './source.ts';
export { openMaildir } from './maildir.ts';
export { openMbox } from './mbox.ts';
export { openEmlFolder } from './eml-folder.ts';
export { openImap, type ImapOptions } from './imap.ts';
export { parseImapUrl, type ImapTarget } from './imap-url.ts';
