export { startPreviewServer, type PreviewOptions, type PreviewServer } from './server.ts';
export { forceDarkScheme, darkMediaRules } from './dark.ts';
export { SAMPLES, sampleMessage, sampleValues, type SampleId, type SenderSettings } from './samples.ts';
export type { BuildOutcome } from './rebuild.ts';
