import type { Redis } from 'ioredis';
import { NewsletterError } from '../errors.ts';
import { findCampaign } from '../queue/index.ts';
import { connectRedis, hiddenPasswordNote, parseQueueUrl, type QueueUrl } from '../redis/index.ts';
import { shellQuote } from './command.ts';

/** The flags `status`, `pause`, `resume` and `cancel` share: which Redis, which campaign. */

export const CAMPAIGN_OPTIONS = { queue: { type: 'string' }, campaign: { type: 'string' } } as const;

export const CAMPAIGN_HELP = {
  '--queue URL': 'The Redis the campaign was enqueued in: redis://[:PASSWORD@]HOST:PORT/DB, or rediss:// for TLS (required).',
  '--campaign ID': 'The campaign (default: the newest in that Redis).',
} as const;

export interface CampaignTarget {
  redis: Redis;
  id: string;
  queue: QueueUrl;
}

/** `newsletter pause --queue URL --campaign ID`: the hint a command prints, with the password left out (and said so). */
export const campaignCommand = (name: string, t: CampaignTarget) => `newsletter ${name} --queue ${shellQuote(t.queue.display)} --campaign ${shellQuote(t.id)}${hiddenPasswordNote(t.queue.hasPassword)}`;

/** What a command that is final (cancel) says about --campaign: it must be given. */
export const REQUIRED_CAMPAIGN_HELP = {
  ...CAMPAIGN_HELP,
  '--campaign ID': 'The campaign (required: it is never guessed, since this cannot be undone; without it the error lists the campaigns in that Redis).',
} as const;

/**
 * Connect to --queue, find the campaign, run `use`, and always disconnect: an open Redis
 * connection would keep the process from exiting.
 */
export async function withCampaign<T>(
  command: string,
  values: { queue?: string; campaign?: string },
  positionals: string[],
  use: (target: CampaignTarget) => Promise<T>,
  options: { campaignRequired?: boolean } = {},
): Promise<T> {
  if (positionals.length) throw new NewsletterError('EUSAGE', `${command} takes no arguments; got ${positionals.join(' ')}`, { fix: `Name the campaign with --campaign ID; see \`newsletter ${command} --help\`.` });
  if (values.queue === undefined)
    throw new NewsletterError('EUSAGE', `${command} needs --queue: the Redis the campaign was enqueued in`, { fix: `Example: newsletter ${command} --queue redis://127.0.0.1:6379/0` });
  const queue = parseQueueUrl(values.queue);
  const redis = await connectRedis(queue, { name: `newsletter-${command}` });
  try {
    const id = await findCampaign(redis, values.campaign, queue.display, options.campaignRequired ? command : undefined);
    return await use({ redis, id, queue });
  } finally {
    // quit waits for the replies still due; a Redis gone meanwhile cannot answer it, so that connection is just dropped.
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  }
}
