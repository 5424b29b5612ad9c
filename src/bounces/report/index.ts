// Understanding one bounce/complaint message: src/bounces/index.ts re-exports this.
export { classifyMessage } from './classify.ts';
export type { ClassifiedMessage, OriginalMessage, ReportRecipient } from './types.ts';
