import { createHash, createPublicKey, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { basename } from 'node:path';
import type { Redis } from 'ioredis';
import type { SendEnv, SenderSettings } from '../config/index.ts';
import type { NewsletterProps } from '../content/index.ts';
import { NewsletterError } from '../errors.ts';
import { prepareIssue, type PreparedIssue } from '../mail/index.ts';
import { CAMPAIGNS_KEY, campaignKeys } from '../redis/index.ts';
import type { BuiltForSend } from '../send/index.ts';

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
  /**
   * `scrypt$N$SALT$HASH` of UNSUBSCRIBE_SECRET (secretCheckOf): a worker with another secret would
   * sign links the endpoint refuses. Salted and slow, since anyone who can read Redis can test guesses against it.
   */
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

/**
 * The campaign of an issue and a list: the issue's slug and the list file's name. Not its folder: the
 * same enqueue run again from another folder or machine (a moved checkout, a copy of the list) must
 * find the same campaign, or everyone would be mailed twice. Two different lists with the same file
 * name for one issue meet as one campaign, whose stored list hash refuses the second (safe, and the
 * message says to rename one).
 */
export function campaignIdFor(slug: string, listPath: string): string {
  const name = basename(listPath).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40) || 'list';
  return `${slug}--${name}`;
}

/**
 * scrypt's cost (RFC 7914): N = 2^14 with r = 8 takes 16 MiB and some tens of ms, once per enqueue
 * and once per worker per campaign, and the same for each guess of the secret, offline too. A stored
 * N above the maximum is refused rather than computed: Redis's content is not trusted to size our memory.
 */
const SCRYPT = { N: 2 ** 14, r: 8, p: 1, maxN: 2 ** 17, saltBytes: 16, hashBytes: 32 } as const;
const SECRET_CHECK = /^scrypt\$(\d+)\$([0-9a-f]{32})\$([0-9a-f]{64})$/;

function scryptOf(secret: string, salt: Buffer, n: number): Buffer {
  return scryptSync(secret, salt, SCRYPT.hashBytes, { N: n, r: SCRYPT.r, p: SCRYPT.p, maxmem: 256 * n * SCRYPT.r });
}

/** `scrypt$N$SALT$HASH` (hex) of the secret, with a random salt: a different string at each call. */
export function secretCheckOf(secret: string): string {
  const salt = randomBytes(SCRYPT.saltBytes);
  return `scrypt$${SCRYPT.N}$${salt.toString('hex')}$${scryptOf(secret, salt, SCRYPT.N).toString('hex')}`;
}

/** Whether `secret` is the one `check` was made from (false for a check of another form, or an N out of range). */
export function secretMatches(check: string, secret: string): boolean {
  const m = SECRET_CHECK.exec(check);
  if (!m) return false;
  const n = Number(m[1]);
  if (n < 2 || n > SCRYPT.maxN || (n & (n - 1)) !== 0) return false;
  return timingSafeEqual(scryptOf(secret, Buffer.from(m[2]!, 'hex'), n), Buffer.from(m[3]!, 'hex'));
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
  // The issue file's path is where it was enqueued from, not what is sent. The secret check is
  // salted afresh at each enqueue, so it is left out (compare secrets with secretMatches).
  return createHash('sha256').update(JSON.stringify([built.props, built.html, built.text, sender, dkim])).digest('hex');
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

/**
 * All of a new campaign's meta and its place in CAMPAIGNS_KEY, in one step, only if its meta does
 * not exist: two enqueues racing make one campaign, and a crash leaves either none or a whole one
 * (never a meta without an id). KEYS: meta, campaigns; ARGV: score, id, then field/value pairs.
 */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
return 1`;

/** Write a new campaign's meta (only if it does not exist). Returns false when it already existed. */
export async function createCampaign(redis: Redis, meta: Omit<CampaignMeta, 'enqueued' | 'total'>): Promise<boolean> {
  const fields: Record<string, string> = {
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
    snapshot: JSON.stringify(meta.snapshot),
  };
  const created = await redis.eval(CREATE, 2, campaignKeys(meta.id).meta, CAMPAIGNS_KEY, Date.parse(meta.created), meta.id, ...Object.entries(fields).flat());
  return created === 1;
}

/**
 * The worker's prepared issue from the snapshot, with its own secrets; refused when they are not
 * the enqueuer's (links the endpoint would reject, or mail signed for another key or not at all).
 */
export function preparedFromSnapshot(meta: CampaignMeta, env: SendEnv, secret: string): PreparedIssue {
  const { snapshot } = meta;
  if (!secretMatches(snapshot.secretCheck, secret))
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
