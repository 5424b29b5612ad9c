// `newsletter stats`: per issue, each address's final state in the send journals, then what came
// back (the feedback ledger's bounces and complaints, suppression.csv's unsubscribes), with the
// complaint and bounce rates against their thresholds.
export { collectStats, type StatsOptions } from './collect.ts';
export { formatStats, percent, ATTRIBUTION_RULE, HARD_BOUNCE_RULE, MARK } from './format.ts';
export { THRESHOLDS } from './rates.ts';
export type { DeliveryCounts, FeedbackCounts, IssueStats, ListStats, RateLine, RateStatus, StatsReport } from './types.ts';
