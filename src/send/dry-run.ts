import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NewsletterError, isNewsletterError } from '../errors.ts';
import { secretOrSample, type SendEnv } from '../config/index.ts';
import { emptyDeliveryStats, type DeliveryStats } from './deliver.ts';
import { FailuresCsv } from './failures-csv.ts';
import { openListSource } from './list-source.ts';
import { toRfc822, messageFor, prepareIssue, type PreparedIssue } from '../mail/index.ts';
import type { Job } from './recipients.ts';
import type { BuiltForSend } from './run.ts';
import type { RowProblem, SuppressionProblem } from '../audience/index.ts';
import { estimateRows, issueNamed, skippedTotal, type Progress, type SendSummary } from './summary.ts';

export interface DryRunOptions {
  built: BuiltForSend;
  listPath: string;
  env: SendEnv;
  stateDir: string;
  /** Output root; the .eml files go to <outDir>/<slug>/outbox/. */
  outDir: string;
  strict?: boolean;
  limit?: number | undefined;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  onRowProblem?: (kind: 'invalid' | 'duplicate', problem: RowProblem) => void;
  onSuppressionProblem?: (problem: SuppressionProblem) => void;
}

/**
 * In every .eml of a dry run without UNSUBSCRIBE_SECRET. Only the dry run writes it (never sent, so
 * outside DKIM_SIGNED_HEADERS): whoever opens the file learns why its unsubscribe link would not verify.
 */
export const SAMPLE_SECRET_HEADER = 'X-Newsletter-Sample-Secret';
const SAMPLE_SECRET_VALUE = 'the unsubscribe links in this dry run are signed with a sample secret; set UNSUBSCRIBE_SECRET before a real send';

/** The one-line note the CLI prints after a dry run signed with the sample secret (SendSummary.sampleSecret). */
export const SAMPLE_SECRET_NOTE = `Note: UNSUBSCRIBE_SECRET is not set, so the unsubscribe links are signed with a sample secret (each .eml says so in ${SAMPLE_SECRET_HEADER}); set it before a real send (openssl rand -hex 32).`;

/** Files written at once: enough to keep the disk busy, few enough to keep memory flat. */
const WRITERS = 16;

function emlName(job: Job): string {
  const safe = job.sub.key.replace(/[^a-z0-9@._+-]+/g, '_').slice(0, 80);
  return `${String(job.sub.row).padStart(7, '0')}-${safe}.eml`;
}

/**
 * Render every message exactly as it would be sent (messageFor's bytes, as
 * send makes them; no DKIM signature) into .eml files, without touching SMTP or the
 * journal. Suppression, CSV status, --strict and --limit apply as in a send.
 */
export async function dryRun(opts: DryRunOptions): Promise<SendSummary> {
  const started = Date.now();
  // A first dry run needs no configuration: without a secret the links are signed with the sample one, and each file says so.
  const { secret, sample } = secretOrSample(opts.env);
  const prepared: PreparedIssue = prepareIssue(opts.built, opts.env, secret, sample ? { extraHeaders: { [SAMPLE_SECRET_HEADER]: SAMPLE_SECRET_VALUE } } : {});
  const { slug } = opts.built.props.issue;
  const outbox = resolve(opts.outDir, slug, 'outbox');
  const failures = new FailuresCsv(resolve(opts.outDir, slug, 'dry-run-failures.csv'));
  const stats = emptyDeliveryStats();
  const total = await estimateRows(opts.listPath);
  const source = await openListSource({ listPath: opts.listPath, strict: opts.strict, stateDir: opts.stateDir, limit: opts.limit, expectedRows: total, failures, onRowProblem: opts.onRowProblem, onSuppressionProblem: opts.onSuppressionProblem, signal: opts.signal });
  await emptyOutbox(outbox);
  const t = source.tally;
  const progress = () =>
    opts.onProgress?.({ done: stats.sent + skippedTotal(t, stats) + t.leftByLimit, total, sent: stats.sent, failed: 0, skipped: skippedTotal(t, stats), inFlight: 0, retrying: 0, startedAt: started });
  let interrupted: boolean;
  try {
    interrupted = await writeAll(source.jobs, { prepared, dir: outbox, date: new Date(), stats, signal: opts.signal, onWritten: progress });
  } finally {
    await failures.close();
  }
  progress();
  return {
    mode: 'dry-run',
    issue: issueNamed(opts.built),
    list: opts.listPath,
    tally: t,
    stats,
    durationMs: Date.now() - started,
    stop: interrupted ? { reason: 'interrupted', message: 'Interrupted (Ctrl-C); the outbox is incomplete' } : undefined,
    retriesWaiting: 0,
    journal: undefined,
    failuresCsv: failures.count ? failures.path : undefined,
    outbox,
    sampleSecret: sample,
  };
}

/** The outbox starts empty: files from an earlier dry run would pass for this one's. */
async function emptyOutbox(outbox: string): Promise<void> {
  try {
    await rm(outbox, { recursive: true, force: true });
    await mkdir(outbox, { recursive: true });
  } catch (cause) {
    throw new NewsletterError('EOUTPUT', `Cannot prepare ${outbox}: ${(cause as Error).message}`, { where: outbox, fix: 'Check that the folder is writable, or pass --out DIR.', cause });
  }
}

/** Where the writers put messages and what they share. */
interface Outbox {
  prepared: PreparedIssue;
  dir: string;
  /** The Date header of every message in this dry run. */
  date: Date;
  stats: DeliveryStats;
  signal?: AbortSignal | undefined;
  onWritten: () => void;
}

/** Write every job with WRITERS writers at once. Returns true when Ctrl-C stopped it first. */
async function writeAll(jobs: AsyncIterator<Job>, out: Outbox): Promise<boolean> {
  let interrupted = false;
  const writer = async (): Promise<void> => {
    for (;;) {
      if (out.signal?.aborted) {
        interrupted = true;
        return;
      }
      const r = await jobs.next();
      if (r.done) return;
      if (await writeOne(r.value, out)) {
        out.stats.sent++;
        out.onWritten();
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  return interrupted;
}

/** One recipient's .eml. False when their values would inject a header (counted as skipped, as a send would). */
async function writeOne(job: Job, out: Outbox): Promise<boolean> {
  let bytes: Buffer;
  try {
    bytes = await toRfc822(messageFor(out.prepared, job.sub, out.date));
  } catch (error) {
    if (!isNewsletterError(error)) throw error;
    out.stats.skippedInvalid++;
    return false;
  }
  try {
    await writeFile(join(out.dir, emlName(job)), bytes);
  } catch (cause) {
    throw new NewsletterError('EOUTPUT', `Cannot write to ${out.dir}: ${(cause as Error).message}`, { where: out.dir, fix: 'Free disk space or pass --out DIR.', cause });
  }
  return true;
}
