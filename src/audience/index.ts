// Who the issue goes to: the subscriber CSV (read, validated, deduplicated), the suppression list,
// the address index, and the signed unsubscribe tokens the endpoint checks.
export { readSubscribers, formatRowProblem } from './read.ts';
export { AddressIndex } from './address-index.ts';
export { EXAMPLE_HEADER } from './header.ts';
export { listFileKind, type ListFileKind } from './list-file.ts';
export { SUBSCRIBER_STATUSES, type Subscriber, type SubscriberStatus, type RowProblem, type SubscriberEvent, type ReadOptions } from './types.ts';
export { makeUnsubscribeToken, unsubscribeUrl, verifyUnsubscribeToken } from './token.ts';
export { loadSuppression, suppressionEntries, SUPPRESSION_FILE, type Suppression, type SuppressionProblem, type SuppressionReason } from './suppression.ts';
export { HashIndex } from './hash-index.ts';
export { bounceKind, HARD_BOUNCE_STATUS, HARD_BOUNCE_TEXT, type BounceKind } from './bounce-kind.ts';
export {
  openFeedback, readFeedback, DEFAULT_FEEDBACK_RULES, FEEDBACK_FILE,
  type FeedbackItem, type FeedbackKind, type FeedbackMessage, type FeedbackRecorder, type FeedbackRecord, type FeedbackRules, type RecordResult, type AppliedItem, type FeedbackAction,
} from './feedback.ts';
export { returnPaths, returnPathToken, returnPathTokens, findReturnPathToken, verifyReturnPathToken, issueTagText } from './return-path.ts';
export { stateFileLines } from './state-read.ts';
