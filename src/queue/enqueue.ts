import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { listFileKind, loadSuppression, readSubscribers, suppressionEntries, type RowProblem, type Subscriber, type Suppression, type SuppressionReason } from '../audience/index.ts';
import { requireSecret, type SendEnv } from '../config/index.ts';
import { NewsletterError } from '../errors.ts';
import { ensureStateDir } from '../output/index.ts';
import { prepareIssue } from '../mail/index.ts';
import { BULL_PREFIX, bullQueueName, campaignKeys, connectRedis, persistenceWarnings, RedisSuppression, SUPPRESSED_KEY, type QueueUrl } from '../redis/index.ts';
import { emptyTally, exampleDomainWarnings, issueNamed, journalPath, queuedMarkerPath, scanJournal, sendable, type BuiltForSend, type JournalRecord, type ListTally } from '../send/index.ts';
import { campaignIdFor, conflict, createCampaign, readCampaign, secretMatches, snapshotHash, snapshotOf, type CampaignMeta } from './campaign.ts';
import { unsentAdvice } from './control.ts';
import { queueRecipients, settleFromJournal } from './state.ts';

/** Recipients per batch (one BullMQ job): small enough that a stalled batch is taken over without much waiting behind it. */
export const DEFAULT_BATCH_SIZE = 200;

/** What a batch job carries: the recipients as the list gave them (workers never read the CSV). */
export interface BatchData {
  batch: number;
  subs: Subscriber[];
  /** Retries only: the attempts and throttles the recipient already had. */
  attempts?: number;
  throttles?: number;
  /** Retries of a held recipient: times a refusal that may be about the message was held for it. */
  refused?: number;
}

export const JOB_OPTIONS = {
  removeOnComplete: true,
  // A batch whose processing threw (a worker's Redis trouble) goes back to the queue, not to a dead end.
  attempts: 1000,
  backoff: { type: 'fixed', delay: 5_000 },
} as const;

export interface EnqueueOptions {
  built: BuiltForSend;
  listPath: string;
  env: SendEnv;
  stateDir: string;
  queue: QueueUrl;
  rate?: number | undefined;
  batchSize?: number | undefined;
  onRowProblem?: (kind: 'invalid' | 'duplicate', problem: RowProblem) => void;
  onWarning?: (warning: string) => void;
}

export interface EnqueueSummary {
  campaign: string;
  /** This run made the campaign (false: it resumed or repeated an earlier enqueue). */
  created: boolean;
  tally: ListTally;
  /** Recipients this run added to the queue. */
  added: number;
  /** Batches this run added, and batches an earlier run had added already. */
  batches: number;
  batchesEarlier: number;
  /** Everyone in the campaign so far (all enqueues). */
  total: number;
  /** Addresses from the shared suppression list in Redis copied into the local suppression.csv. */
  suppressionPulled: number;
  /** Sent and failed records of a local send of this issue and list, recorded in the campaign (never sent again). */
  importedFromJournal: number;
  /** Addresses from the local suppression.csv added to the shared list in Redis. */
  suppressionPushed: number;
  durationMs: number;
}

/**
 * `send --queue`: put the campaign in Redis instead of sending. The rendered issue goes in once;
 * the list is streamed with the same validation, dedupe and suppression as a local send and cut
 * into batches by row number (rows 2–201 are batch 0, and so on), so a batch is the same whichever
 * run adds it: a rerun after a crash skips the batches already added and adds the rest, and no
 * address can sit in two batches. Workers claim each address before sending it (state.ts), so even
 * a batch processed twice mails nobody twice.
 */
export async function enqueueCampaign(opts: EnqueueOptions): Promise<EnqueueSummary> {
  const started = Date.now();
  const secret = requireSecret(opts.env);
  const { from, replyTo, unsubscribeUrl, unsubscribeMailto, bounceAddress } = opts.env;
  const sender = { from, replyTo, unsubscribeUrl, unsubscribeMailto, bounceAddress };
  // A message that cannot be made is refused here, not on every worker; its warnings are said here too.
  const prepared = prepareIssue(opts.built, sender, secret, { dkim: opts.env.dkim });
  for (const w of exampleDomainWarnings(prepared, opts.env)) opts.onWarning?.(w);
  if ((await listFileKind(opts.listPath)) === 'stream') throw streamRefused(opts.listPath);
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const snapshot = snapshotOf(opts.built, sender, opts.env, secret);
  const id = campaignIdFor(opts.built.props.issue.slug, opts.listPath);
  const redis = await connectRedis(opts.queue, { name: 'newsletter-enqueue' });
  const queue = new Queue(bullQueueName(id), { connection: redis, prefix: BULL_PREFIX });
  queue.on('error', () => {});
  let suppression: Suppression | undefined;
  try {
    for (const w of await persistenceWarnings(redis, opts.queue.display)) opts.onWarning?.(w);
    const meta: Omit<CampaignMeta, 'enqueued' | 'total'> = {
      id,
      issue: opts.built.props.issue.slug,
      // As a person reads it ({{firstName}}, not the merge markers of the compiled template).
      subject: issueNamed(opts.built).subject,
      list: opts.listPath,
      created: new Date().toISOString(),
      rate: opts.rate,
      batchSize,
      status: 'active',
      issueHash: snapshotHash(snapshot),
      listHash: await fileHash(opts.listPath),
      snapshot,
    };
    const created = await createCampaign(redis, meta);
    const existing = (await readCampaign(redis, id))!;
    if (!created) {
      refuseConflicts(existing, meta, secret, opts.queue.display);
      // A new --rate on a rerun applies: the workers read it within a second.
      if (opts.rate !== undefined && opts.rate !== existing.rate) await redis.hset(campaignKeys(id).meta, 'rate', String(opts.rate));
    }
    const journal = journalPath(opts.stateDir, opts.built.props.issue.slug, opts.listPath);
    const importedFromJournal = await importLocalJournal(redis, existing, journal);
    // From now on a local send of this issue and list is refused (it would mail everyone twice).
    await markQueued(journal, opts.stateDir, id, opts.queue.display);
    suppression = await loadSuppression(opts.stateDir);
    const suppressionPulled = await pullSuppression(redis, suppression);
    // Both ways: what this machine suppressed reaches the workers and the other machines' endpoints.
    const suppressionPushed = await new RedisSuppression(redis).addMany(suppressionEntries(opts.stateDir));
    const added = await addBatches(redis, queue, existing, opts, suppression);
    await redis.hset(campaignKeys(id).meta, 'enqueued', '1');
    // The campaign's size is the addresses with a state (robust to a rerun after a crash mid-batch).
    const total = await redis.hlen(campaignKeys(id).state);
    await redis.hset(campaignKeys(id).meta, 'total', String(total));
    return { campaign: id, created, ...added, total, importedFromJournal, suppressionPulled, suppressionPushed, durationMs: Date.now() - started };
  } finally {
    await suppression?.close().catch(() => {});
    await queue.close().catch(() => {});
    redis.disconnect();
  }
}

/** The same campaign id must mean the same issue, sender, secrets and list; a cancelled one stays cancelled. */
function refuseConflicts(existing: CampaignMeta, meta: Omit<CampaignMeta, 'enqueued' | 'total'>, secret: string, display: string): void {
  if (existing.status === 'cancelled') throw conflict(existing, `was cancelled; it is not sent again`, '--queue', unsentAdvice(existing.id, display));
  if (!secretMatches(existing.snapshot.secretCheck, secret))
    throw conflict(existing, 'was enqueued with another UNSUBSCRIBE_SECRET: its workers sign links with that one', 'UNSUBSCRIBE_SECRET', 'Use the UNSUBSCRIBE_SECRET the campaign was enqueued with.');
  if (existing.issueHash !== meta.issueHash)
    throw conflict(existing, `the issue or the sender settings changed since it was enqueued on ${existing.created}; workers go on sending the version in Redis, and some recipients may have it already`, '--queue', 'Send the enqueued version as it is (run `newsletter worker`), or cancel it (`newsletter cancel --queue URL`) and send the new version under a new slug. Never two versions of one campaign.');
  if (existing.listHash !== meta.listHash)
    throw conflict(existing, `the list ${meta.list} is not the file enqueued as this campaign on ${existing.created} (it changed since, or it is another list with the same file name): batches already in the queue would miss the rows that moved`, meta.list, 'Enqueue the list as it was; send newcomers as a separate list (a file of another name: its own campaign) once this one is done; or rename a different list that happens to share the name.');
}

/**
 * A local send of this issue and list (its journal in the state folder) may have reached part of the
 * list already: its sent and failed recipients are recorded in the campaign first, so no worker sends
 * to them again. Streamed in groups of 1,000 records; the journal's order keeps its last word.
 */
async function importLocalJournal(redis: Redis, meta: CampaignMeta, journal: string): Promise<number> {
  if (!existsSync(journal)) return 0;
  const keys = campaignKeys(meta.id);
  let group: JournalRecord[] = [];
  let pending: Promise<void> = Promise.resolve();
  let imported = 0;
  await scanJournal(journal, (record) => {
    if (record.s !== 'sent' && record.s !== 'failed') return;
    imported++;
    group.push(record);
    if (group.length === 1000) {
      const full = group;
      group = [];
      pending = pending.then(() => settleFromJournal(redis, keys, full));
    }
  });
  await pending;
  await settleFromJournal(redis, keys, group);
  return imported;
}

/** The marker a local send of this issue and list refuses on (see queuedMarkerPath in src/send). */
async function markQueued(journal: string, stateDir: string, campaign: string, display: string): Promise<void> {
  await ensureStateDir(stateDir);
  await writeFile(queuedMarkerPath(journal), `${JSON.stringify({ campaign, queue: display, at: new Date().toISOString() })}\n`, { mode: 0o600 });
}

/** Addresses suppressed in Redis (unsubscribes and bounces from other machines) into the local list, so local sends honour them too. */
async function pullSuppression(redis: Redis, suppression: Suppression): Promise<number> {
  let cursor = '0';
  let pulled = 0;
  do {
    const [next, flat] = await redis.hscan(SUPPRESSED_KEY, cursor, 'COUNT', 1000);
    cursor = next;
    for (let i = 0; i < flat.length; i += 2) {
      const email = flat[i]!;
      if (suppression.has(email)) continue;
      const entry = JSON.parse(flat[i + 1]!) as { reason: SuppressionReason; source: string };
      if (await suppression.add(email, entry.reason, `redis: ${entry.source}`)) pulled++;
    }
  } while (cursor !== '0');
  return pulled;
}

async function addBatches(redis: Redis, queue: Queue, meta: CampaignMeta, opts: EnqueueOptions, suppression: Suppression): Promise<Pick<EnqueueSummary, 'tally' | 'added' | 'batches' | 'batchesEarlier'>> {
  const keys = campaignKeys(meta.id);
  const tally = emptyTally();
  const result = { tally, added: 0, batches: 0, batchesEarlier: 0 };
  let current: BatchData | undefined;
  const flush = async () => {
    if (!current) return;
    const batch = current;
    current = undefined;
    if (await redis.hexists(keys.batches, String(batch.batch))) {
      result.batchesEarlier++;
      return;
    }
    // Queued first, then the job, then the batch marked added: a crash in between re-adds a job a
    // worker finds already claimed or settled, never a recipient without a state.
    const added = await queueRecipients(redis, keys, batch.subs.map((s) => s.key));
    await queue.add('batch', batch, { ...JOB_OPTIONS, jobId: `b${batch.batch}` });
    await redis.multi().hset(keys.batches, String(batch.batch), String(batch.subs.length)).hincrby(keys.meta, 'total', added).exec();
    result.added += added;
    result.batches++;
  };
  const jobs = sendable(readSubscribers(opts.listPath), { suppression, tally, onProblem: opts.onRowProblem });
  for await (const job of jobs) {
    const n = Math.floor((job.sub.row - 2) / meta.batchSize);
    if (current && current.batch !== n) await flush();
    current ??= { batch: n, subs: [] };
    current.subs.push(job.sub);
  }
  await flush();
  return result;
}

async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function streamRefused(path: string): NewsletterError {
  return new NewsletterError('ESUBSCRIBERS', `--queue needs the list as a file: ${path} is a pipe, which can be read only once`, {
    where: path,
    fix: 'Save the list to a file first (… > subscribers.csv) and pass that: a rerun of the enqueue reads it again to resume.',
  });
}
