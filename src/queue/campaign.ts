import { createHash, createHmac, createPublicKey } from 'node:crypto';
import { basename } from 'node:path';
import type { Redis } from 'ioredis';
import type { SendEnv, SenderSettings } from '../config/index.ts';
import type { NewsletterProps } from '../content/index.ts';
import { NewsletterError } from '../errors.ts';
import { prepareIssue, type PreparedIssue } from '../mail/index.ts';
import { CAMPAIGNS_KEY, campaignKeys } from '../redis/index.ts';
import { journalPath, type BuiltForSend } from '../send/index.ts';

/**
 * Everything a worker needs to make each message, stored once in Redis at enqueue: the rendered
 * issue (props, HTML and text: workers need no content/ folder and never render) and the sender
 * settings, so every machine sends the same From, Reply-To, unsubscribe and return path.
 * The secrets are not stored: each worker brings UNSUBSCRIBE_SECRET and the DKIM key in its own
 * environment, and the snapshot holds only fingerprints to check they are the enqueuer's.
 */
export interface CampaignSnapshot {
  built: { props: NewsletterProps; html: string; text: string; file?: string | undefined };
  sender: SenderSettings;
  /** HMAC of a fixed text with UNSUBSCRIBE_SECRET: a worker with another secret would sign links the endpoint refuses. */
  secretCheck: string;
  /** The DKIM domain, selector and public-key fingerprint, or null when the enqueuer signs nothing. */
  dkim: { domain: string; selector: string; keyCheck: string } | null;
}

export type CampaignStatusName = 'active' | 'paused' | 'cancelled';

/** The campaign's `meta` hash, read back. */
export interface CampaignMeta {
  id: string;
  issue: string;
  subject: string;
  list: string;
  created: string;
  /** Campaign-wide messages per second across all workers, when set at enqueue. */
  rate: number | undefined;
  batchSize: number;
  status: CampaignStatusName;
  /** The whole list is in (the enqueue ran to its end). */
  enqueued: boolean;
  total: number;
  /** SHA-256 of the snapshot: the same campaign id with another issue or sender is refused. */
  issueHash: string;
  /** SHA-256 of the list file at the first enqueue. */
  listHash: string;
  snapshot: CampaignSnapshot;
}

const SECRET_CHECK_TEXT = 'newsletter campaign: same UNSUBSCRIBE_SECRET';

/** The campaign of an issue and a list: the local journal's name, so one list and issue are one campaign whichever way they are sent. */
export function campaignIdFor(slug: string, listPath: string): string {
  return basename(journalPath('.', slug, listPath)).replace(/\.journal\.jsonl$/, '');
}

export function secretCheckOf(secret: string): string {
  return createHmac('sha256', secret).update(SECRET_CHECK_TEXT).digest('hex').slice(0, 16);
}

function dkimCheckOf(env: SendEnv): CampaignSnapshot['dkim'] {
  if (!env.dkim) return null;
  const der = createPublicKey(env.dkim.key).export({ type: 'spki', format: 'der' });
  return { domain: env.dkim.domainName, selector: env.dkim.keySelector, keyCheck: createHash('sha256').update(der).digest('hex').slice(0, 16) };
}

export function snapshotOf(built: BuiltForSend, sender: SenderSettings, env: SendEnv, secret: string): CampaignSnapshot {
  return { built: { props: built.props, html: built.html, text: built.text, file: built.file }, sender, secretCheck: secretCheckOf(secret), dkim: dkimCheckOf(env) };
}

export function snapshotHash(snapshot: CampaignSnapshot): string {
  const { built, sender, dkim } = snapshot;
  // The issue file's path is where it was enqueued from, not what is sent.
  return createHash('sha256').update(JSON.stringify([built.props, built.html, built.text, sender, dkim, snapshot.secretCheck])).digest('hex');
}

export async function readCampaign(redis: Redis, id: string): Promise<CampaignMeta | undefined> {
  const m = await redis.hgetall(campaignKeys(id).meta);
  if (!m.id || !m.snapshot) return undefined;
  return {
    id: m.id,
    issue: m.issue ?? '',
    subject: m.subject ?? '',
    list: m.list ?? '',
    created: m.created ?? '',
    rate: m.rate ? Number(m.rate) : undefined,
    batchSize: Number(m.batchSize),
    status: (m.status ?? 'active') as CampaignStatusName,
    enqueued: m.enqueued === '1',
    total: Number(m.total ?? 0),
    issueHash: m.issueHash ?? '',
    listHash: m.listHash ?? '',
    snapshot: JSON.parse(m.snapshot) as CampaignSnapshot,
  };
}

/** Write a new campaign's meta (only if it does not exist: two enqueues racing make one). Returns false when it already existed. */
export async function createCampaign(redis: Redis, meta: Omit<CampaignMeta, 'enqueued' | 'total'>): Promise<boolean> {
  const keys = campaignKeys(meta.id);
  const created = await redis.hsetnx(keys.meta, 'snapshot', JSON.stringify(meta.snapshot));
  if (!created) return false;
  await redis
    .multi()
    .hset(keys.meta, {
      id: meta.id,
      issue: meta.issue,
      subject: meta.subject,
      list: meta.list,
      created: meta.created,
      rate: meta.rate === undefined ? '' : String(meta.rate),
      batchSize: String(meta.batchSize),
      status: meta.status,
      enqueued: '0',
      total: '0',
      issueHash: meta.issueHash,
      listHash: meta.listHash,
    })
    .zadd(CAMPAIGNS_KEY, Date.parse(meta.created), meta.id)
    .exec();
  return true;
}

/**
 * The worker's prepared issue from the snapshot, with its own secrets; refused when they are not
 * the enqueuer's (links the endpoint would reject, or mail signed for another key or not at all).
 */
export function preparedFromSnapshot(meta: CampaignMeta, env: SendEnv, secret: string): PreparedIssue {
  const { snapshot } = meta;
  if (secretCheckOf(secret) !== snapshot.secretCheck)
    throw conflict(meta, 'this worker\'s UNSUBSCRIBE_SECRET is not the one the campaign was enqueued with: its unsubscribe links would be refused by the endpoint', 'UNSUBSCRIBE_SECRET', 'Give this worker the same UNSUBSCRIBE_SECRET as the machine that ran `send --queue`.');
  const mine = dkimCheckOf(env);
  if (JSON.stringify(mine) !== JSON.stringify(snapshot.dkim))
    throw conflict(
      meta,
      snapshot.dkim ? `the campaign is DKIM-signed for ${snapshot.dkim.selector}._domainkey.${snapshot.dkim.domain}, and this worker ${mine ? 'has another key or selector' : 'has no DKIM key'}` : 'the campaign is sent unsigned, and this worker has a DKIM key',
      'DKIM_DOMAIN',
      'Give every worker the DKIM settings (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY_FILE) of the machine that ran `send --queue`.',
    );
  return prepareIssue(snapshot.built, snapshot.sender, secret, { dkim: env.dkim });
}

export function conflict(meta: Pick<CampaignMeta, 'id'>, what: string, where: string, fix: string): NewsletterError {
  return new NewsletterError('EQUEUE', `Campaign ${meta.id}: ${what}`, { where, fix, reason: 'campaignConflict' });
}
