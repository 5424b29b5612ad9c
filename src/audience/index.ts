// Who the issue goes to: the subscriber CSV (read, validated, deduplicated), the suppression list,
// the address index, and the signed unsubscribe tokens the endpoint checks.
export { readSubscribers, formatRowProblem } from './read.ts';
export { AddressIndex } from './address-index.ts';
export { EXAMPLE_HEADER } from './header.ts';
export { listFileKind, type ListFileKind } from './list-file.ts';
export { SUBSCRIBER_STATUSES, type Subscriber, type SubscriberStatus, type RowProblem, type SubscriberEvent, type ReadOptions } from './types.ts';
export { makeUnsubscribeToken, unsubscribeUrl, verifyUnsubscribeToken } from './token.ts';
export { loadSuppression, type Suppression, type SuppressionProblem } from './suppression.ts';
export { HashIndex } from './hash-index.ts';
