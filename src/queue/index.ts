// The distributed send: a campaign in Redis (BullMQ), workers on any number of hosts.
// `newsletter status | pause | resume | cancel` for a campaign.
export { findCampaign, pauseCampaign, resumeCampaign, cancelCampaign, type CampaignState, type ControlResult } from './control.ts';
export { campaignStatus, type CampaignStatus, type CampaignPhase, type StatusCounts, type WorkerStatus } from './status.ts';
export { formatStatus, type FormatOptions } from './status-format.ts';
export { writeUnsent, type UnsentSummary } from './unsent.ts';
// Enqueue (`send --queue`) and the worker (`newsletter worker`).
export { enqueueCampaign, DEFAULT_BATCH_SIZE, type EnqueueOptions, type EnqueueSummary } from './enqueue.ts';
export { runWorker, ALIVE_TTL_MS, type WorkerOptions, type WorkerSummary } from './worker.ts';
export { campaignIdFor, readCampaign, type CampaignMeta, type CampaignSnapshot } from './campaign.ts';
export { serverIdOf, SharedPacer, campaignInterval } from './rate-limit.ts';
