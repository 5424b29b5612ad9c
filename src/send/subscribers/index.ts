// The subscriber list: where the CSV is read, validated and deduplicated.
export { readSubscribers, formatRowProblem } from './read.ts';
export { AddressIndex } from './address-index.ts';
export { EXAMPLE_HEADER } from './header.ts';
export { listFileKind, type ListFileKind } from './list-file.ts';
export { SUBSCRIBER_STATUSES, type Subscriber, type SubscriberStatus, type RowProblem, type SubscriberEvent, type ReadOptions } from './types.ts';
