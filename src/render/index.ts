export { renderIssue, type RenderedIssue } from './render-issue.ts';
export { PLAIN_TEXT_OPTIONS } from './plain-text.ts';
export { withUtm, addUtm } from './utm.ts';
export { buildIssue, type BuiltIssue } from './build.ts';
export { writePreviewProps } from './preview-props.ts';
