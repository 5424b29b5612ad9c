export { loadIssue, loadConfig, contentError, CONFIG_FILE, ISSUES_DIR, type LoadedIssue, type LoadOptions } from './load.ts';
// `newsletter stats` maps an issue number (ISSUE, a report's "issue-N") to its slug without loading every issue.
export { scanIssues, type IssueHead, type IssueScan } from './issue-files.ts';
export { validateIssue, validateNewsletter, slugFromFile, type IssueValidation, type Validation } from './validate.ts';
// Local images (a relative image src): found by validation and load, processed by src/assets.
export { type ImageSlot, type LocalImageRef } from './local-images.ts';
export { type LocalImage } from './local-image-files.ts';
export { formatProblem, type ContentProblem } from './problems.ts';
export { CONTROL_CHAR } from './text-rules.ts';
export { escapeHtml } from './html-text.ts';
export { MERGE_FIELDS, MERGE_FIELD_NAMES, placeholder, templateToDisplay, type MergeField, type MergeValues } from './merge-fields.ts';
export { newsletterSchema, frontMatterSchema, type NewsletterConfig, type FrontMatter } from './schema.ts';
export { fitToColumn, formatIssueDate, inlineText, type Block, type Inline, type IssueModel, type NewsletterProps, type Section } from './model.ts';
export { type Slot, isMergeField, splitMarked, hasFields } from './merge-fields.ts';
