export { renderIssue, type RenderedIssue } from './render-issue.ts';
export { plainTextOf } from './plain-text.ts';
export { withUtm, addUtm } from './utm.ts';
export { buildIssue, type BuiltIssue } from './build.ts';
export { GMAIL_CLIP_BYTES } from './limits.ts';
// The template's palettes, for the contrast check (emails/ sits with render).
export { DARK, LIGHT, type DarkPalette, type LightPalette } from '../../emails/components/theme.ts';
export { fillMarked, fillProps, PREVIEW_ENTRY, previewEntrySource, writePreviewEntry } from './preview-props.ts';
export type { ImageAsset } from '../assets/index.ts';
