// Redis, shared by the distributed send (src/queue), the endpoint server and `bounces`: the --queue URL, the keys, the shared suppression list.
export { parseQueueUrl, connectRedis, persistenceWarnings, hiddenPasswordNote, type QueueUrl } from './connection.ts';
export { CAMPAIGNS_KEY, SUPPRESSED_KEY, BULL_PREFIX, campaignKeys, aliveKey, throttleKey, bullQueueName, type CampaignKeys } from './keys.ts';
export { RedisSuppression, mirroredSuppression, type SuppressedEntry } from './suppression.ts';
