import type { SMTPPoolOptions } from 'nodemailer/lib/smtp-pool';
import type { NewsletterProps } from '../content/index.ts';
import { isNewsletterError } from '../errors.ts';
import { classifySmtpError, describeFailure } from './classify.ts';
import { requireSecret, requireSmtp, type SendEnv } from '../config/index.ts';
import { DEFAULT_TUNING, deliver, emptyDeliveryStats, type DeliveryTuning, type Stop } from './deliver.ts';
import { FailuresCsv } from './failures-csv.ts';
import { JobQueue } from './job-queue.ts';
import { Journal, journalPath } from './journal.ts';
import { openListSource } from './list-source.ts';
import { emptyTally, type Job } from './recipients.ts';
import { Pacer } from './pacer.ts';
import { prepareIssue } from '../mail/index.ts';
import { listFileKind, type RowProblem } from '../audience/index.ts';
import { estimateRows, issueNamed, skippedTotal, type Progress, type SendSummary } from './summary.ts';
import type { SuppressionProblem } from '../audience/index.ts';
import { createSmtpTransport } from '../mail/index.ts';

export interface BuiltForSend {
  props: NewsletterProps;
  html: string;
  text: string;
  /** The issue file (BuiltIssue has it): named before the first message and in the summary. */
  file?: string | undefined;
}

export interface SendOptions {
  built: BuiltForSend;
  listPath: string;
  env: SendEnv;
  stateDir: string;
  strict?: boolean;
  concurrency?: number;
  /** Messages per second across all connections. */
  rate?: number | undefined;
  limit?: number | undefined;
  /** --retry-failed: `transient` failures, or `all` (permanent ones too); suppressed addresses stay skipped. */
  retryFailed?: false | 'transient' | 'all';
  /** Waits before each retry of a deferred message, in ms (default DEFAULT_RETRY_SCHEDULE: 5 s, 30 s, 2 min, 6 min, 15 min). */
  retrySchedule?: readonly number[] | undefined;
  /** Retry, throttle and stop thresholds (defaults in DEFAULT_TUNING and Pacer); tests make them fast. */
  tuning?: Partial<DeliveryTuning> & { throttleBaseMs?: number; throttleMaxMs?: number; minRate?: number };
  /** Extra nodemailer pool options (tests: timeouts, TLS for a self-signed server). */
  transportOverrides?: Partial<SMTPPoolOptions>;
  signal?: AbortSignal;
  forceSignal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  onRowProblem?: (kind: 'invalid' | 'duplicate', problem: RowProblem) => void;
  /** Each damaged line of suppression.csv (skipped alone; an address on it still counts). */
  onSuppressionProblem?: (problem: SuppressionProblem) => void;
}

/**
 * Send an issue to a subscriber list over SMTP, resumably. Config and input
 * problems throw NewsletterError before anything is sent (exit 1); everything
 * after that is in the returned summary (see exitCodeOf).
 */
export async function sendIssue(opts: SendOptions): Promise<SendSummary> {
  const started = Date.now();
  const smtp = requireSmtp(opts.env);
  const prepared = prepareIssue(opts.built, opts.env, requireSecret(opts.env));
  const { slug } = opts.built.props.issue;
  const concurrency = opts.concurrency ?? 5;
  const tuning = { ...DEFAULT_TUNING, ...opts.tuning, ...(opts.retrySchedule ? { retrySchedule: opts.retrySchedule } : {}) };
  // A device or folder as the list is refused before the state folder is touched.
  await listFileKind(opts.listPath);
  const path = journalPath(opts.stateDir, slug, opts.listPath);
  const failures = new FailuresCsv(path.replace(/\.journal\.jsonl$/, '.failures.csv'));
  const journal = await Journal.open(path);
  const stats = emptyDeliveryStats();
  let stop: Stop | undefined;
  let retriesWaiting = 0;
  let tally = emptyTally();
  try {
    const total = await estimateRows(opts.listPath);
    const source = await openListSource({ ...opts, journal, failures });
    tally = source.tally;
    await journal.record({ s: 'run', t: Date.now(), issue: slug, list: opts.listPath, pid: process.pid, concurrency, rate: opts.rate ?? null });
    // Nobody left to attempt (all sent, failed, suppressed or skipped): no reason to connect anywhere.
    const transport = source.empty ? undefined : createSmtpTransport(smtp, { concurrency, dkim: opts.env.dkim, overrides: opts.transportOverrides });
    try {
      stop = transport ? await preflight(transport, smtp.display) : undefined;
      if (transport && !stop) {
        const t = source.tally;
        // Only retries left: the CLI counts down to the next one.
        const queue: JobQueue<Job> = new JobQueue(source.jobs, { onIdle: () => progress() });
        const progress = (): void =>
          opts.onProgress?.({
            done: stats.sent + stats.failedPermanent + stats.failedTransient + skippedTotal(t, stats) + t.sentEarlier + t.failedEarlierPermanent + t.failedEarlierTransient + t.leftByLimit,
            total,
            sent: stats.sent,
            failed: stats.failedPermanent + stats.failedTransient,
            skipped: skippedTotal(t, stats),
            inFlight: stats.inFlight,
            retrying: queue.waiting,
            nextRetryAt: queue.idleUntil,
            startedAt: started,
          });
        stop = await deliver({
          prepared,
          transport,
          journal,
          queue,
          pacer: new Pacer({ rate: opts.rate, throttleBaseMs: opts.tuning?.throttleBaseMs, throttleMaxMs: opts.tuning?.throttleMaxMs, minRate: opts.tuning?.minRate }),
          concurrency,
          tuning,
          stats,
          signal: opts.signal,
          forceSignal: opts.forceSignal,
          onProgress: progress,
          onHardBounce: (email, why) => source.suppression.add(email, 'bounced', why),
        });
        retriesWaiting = queue.waiting;
        progress();
      }
    } finally {
      transport?.close();
      await source.suppression.close();
    }
    if (stop?.reason === 'error') throw stop.error;
    // A list that breaks before anything was attempted is an input error (exit 1), not a stop.
    if (stop?.reason === 'list' && isNewsletterError(stop.error) && stats.sent + stats.failedPermanent + stats.failedTransient + stats.retried === 0) throw stop.error;
    for (const f of await journal.failures()) failures.failure(f);
  } finally {
    await journal.close();
    await failures.close().catch(() => undefined);
  }
  return {
    mode: 'send',
    issue: issueNamed(opts.built),
    list: opts.listPath,
    tally,
    stats,
    durationMs: Date.now() - started,
    stop,
    retriesWaiting,
    journal: journal.path,
    failuresCsv: failures.count ? failures.path : undefined,
    outbox: undefined,
  };
}

/**
 * Log in once before taking anything from the list: bad credentials or an unreachable server stop
 * here, nothing sent. A server that throttles at connect (421 too many connections) is busy, not
 * broken: the delivery loop slows down and waits for it.
 */
async function preflight(transport: ReturnType<typeof createSmtpTransport>, where: string): Promise<Stop | undefined> {
  try {
    await transport.verify();
    return undefined;
  } catch (error) {
    const f = classifySmtpError(error);
    if (f.kind === 'throttle') return undefined;
    if (f.kind === 'sender') return { reason: 'refused', message: `The SMTP server ${where} refused the login: ${describeFailure(f)}`, failure: f, error };
    return { reason: 'unreachable', message: `Cannot use the SMTP server ${where}: ${describeFailure(f)}`, failure: f, error };
  }
}
