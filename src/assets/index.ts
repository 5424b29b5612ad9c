export { type ImageAsset } from './types.ts';
