// Making a message: composition, encoded templates, the personalized message, SMTP transport, DKIM, TLS.
export { composeMessage, toRfc822, messageIdFor, messageIds, type MessageInput, type MailOptions } from './message.ts';
export { messageFor, prepareIssue, type PreparedIssue, type PrepareOptions, type RecipientLike } from './personalized-message.ts';
export { COMMIT_GATE, createSmtpTransport, poolOptions, type SmtpTransport } from './transport.ts';
export { DKIM_SIGNED_HEADERS, DkimSigner } from './dkim.ts';
export { certificateFix, verifyOffWarning } from './tls.ts';
