export { renderIssue, type RenderedIssue } from './render-issue.ts';
export { PLAIN_TEXT_OPTIONS } from './plain-text.ts';
export { withUtm, addUtm } from './utm.ts';
