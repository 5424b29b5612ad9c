export { exportIssue, resolveTargets, platformChoices, EXPORT_TARGETS, type ExportedIssue, type ExportedTarget } from './export-issue.ts';
// Re-exported for export's callers; defined once, with the rendered HTML it limits.
export { GMAIL_CLIP_BYTES } from '../render/index.ts';
export { writeExports } from './write.ts';
export { translateIssue, translatePart, type TranslatedIssue } from './translate.ts';
export { PLATFORMS, PLATFORM_ALIASES, mailgunRecipientVariables, type MailgunRecipient, type Platform, type TagContext, type TagInput } from './platforms/index.ts';
export { webVersionTarget, webVersionValues } from './web-version.ts';
export { sampleEml, SAMPLE_RECIPIENT } from './eml.ts';
export { internalLeftovers } from './verify.ts';
