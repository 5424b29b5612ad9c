export { exportIssue, resolveTargets, EXPORT_TARGETS, GMAIL_CLIP_BYTES, type ExportedIssue, type ExportedTarget } from './export-issue.ts';
export { writeExports } from './write.ts';
export { translateIssue, translatePart, type IssueTemplates, type TranslatedIssue } from './translate.ts';
export { PLATFORMS, mailgunRecipientVariables, type MailgunRecipient, type Platform, type TagContext, type TagInput } from './platforms/index.ts';
export { webVersionTarget, webVersionValues } from './web-version.ts';
export { sampleEml, SAMPLE_RECIPIENT } from './eml.ts';
export { internalLeftovers } from './verify.ts';
