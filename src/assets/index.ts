export { type ImageAsset } from './types.ts';
export { processLocalImages, type ImageMemo, type ProcessedIssue, type ProcessOptions } from './process.ts';
export { CACHE_DIR } from './cache.ts';
