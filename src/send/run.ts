import type { SMTPPoolOptions } from 'nodemailer/lib/smtp-pool';
import type { NewsletterProps } from '../content/index.ts';
import { readFile } from 'node:fs/promises';
import { isNewsletterError, NewsletterError } from '../errors.ts';
import { classifySmtpError, describeFailure } from './classify.ts';
import { requireSecret, requireSmtp, type SendEnv, type SmtpConfig } from '../config/index.ts';
import { DEFAULT_TUNING, deliver, emptyDeliveryStats, type DeliveryStats, type DeliveryTuning, type Stop } from './deliver.ts';
import { FailuresCsv } from './failures-csv.ts';
import { JobQueue } from './job-queue.ts';
import { Journal, journalPath } from './journal.ts';
import { openListSource, type ListSource } from './list-source.ts';
import type { Job, ListTally } from './recipients.ts';
import { Pacer } from './pacer.ts';
import { prepareIssue, type PreparedIssue, type SmtpTransport, createSmtpTransport } from '../mail/index.ts';
import { listFileKind, type RowProblem, type SuppressionProblem } from '../audience/index.ts';
import { estimateRows, issueNamed, skippedTotal, type Progress, type SendSummary } from './summary.ts';
import { exampleDomainWarnings } from './example-domains.ts';

export interface BuiltForSend {
  props: NewsletterProps;
  html: string;
  text: string;
  /** The issue file (BuiltIssue has it): named before the first message and in the summary. */
  file?: string | undefined;
}

/** How a delivery run goes, for a local send and a worker alike. */
export interface DeliveryRunOptions {
  /** Waits before each retry of a deferred message, in ms (default DEFAULT_RETRY_SCHEDULE: 5 s, 30 s, 2 min, 6 min, 15 min). */
  retrySchedule?: readonly number[] | undefined;
  /** Retry, throttle and stop thresholds (defaults in DEFAULT_TUNING and Pacer); tests make them fast. */
  tuning?: Partial<DeliveryTuning> & { throttleBaseMs?: number; throttleMaxMs?: number; minRate?: number };
  /** Extra nodemailer pool options (tests: timeouts, TLS for a self-signed server). */
  transportOverrides?: Partial<SMTPPoolOptions>;
  /** Ctrl-C: finish the messages in flight; the second (forceSignal): close the connections now. */
  signal?: AbortSignal;
  forceSignal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface SendOptions extends DeliveryRunOptions {
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
  onRowProblem?: (kind: 'invalid' | 'duplicate', problem: RowProblem) => void;
  /** Each damaged line of suppression.csv (skipped alone; an address on it still counts). */
  onSuppressionProblem?: (problem: SuppressionProblem) => void;
  /** Each warning about the message before anything is sent: a sender or unsubscribe address at an example domain. */
  onWarning?: (warning: string) => void;
}

/**
 * Send an issue to a subscriber list over SMTP, resumably. Config and input
 * problems throw NewsletterError before anything is sent (exit 1); everything
 * after that is in the returned summary (see exitCodeOf).
 */
export async function sendIssue(opts: SendOptions): Promise<SendSummary> {
  const started = Date.now();
  const smtp = requireSmtp(opts.env);
  // DKIM signs each message as messageFor makes it; the transport gets no key.
  const prepared = prepareIssue(opts.built, opts.env, requireSecret(opts.env), { dkim: opts.env.dkim });
  for (const w of exampleDomainWarnings(prepared, opts.env)) opts.onWarning?.(w);
  // A device or folder as the list is refused before the state folder is touched.
  await listFileKind(opts.listPath);
  const path = journalPath(opts.stateDir, opts.built.props.issue.slug, opts.listPath);
  await refuseQueued(path);
  const failures = new FailuresCsv(path.replace(/\.journal\.jsonl$/, '.failures.csv'));
  const journal = await Journal.open(path);
  const run: SendRun = { opts, started, smtp, prepared, journal, failures, stats: emptyDeliveryStats(), concurrency: opts.concurrency ?? 5 };
  let sent: Sent;
  try {
    sent = await sendToList(run);
    for (const f of await journal.failures()) failures.failure(f);
  } finally {
    await journal.close();
    await failures.close().catch(() => undefined);
  }
  return {
    mode: 'send',
    issue: issueNamed(opts.built),
    list: opts.listPath,
    tally: sent.tally,
    stats: run.stats,
    durationMs: Date.now() - started,
    stop: sent.stop,
    retriesWaiting: sent.retriesWaiting,
    journal: journal.path,
    failuresCsv: failures.count ? failures.path : undefined,
    outbox: undefined,
    sampleSecret: false,
  };
}

/** The file `send --queue` leaves beside this issue and list's journal: they are sent from Redis now. */
export function queuedMarkerPath(journal: string): string {
  return journal.replace(/\.journal\.jsonl$/, '.queued.json');
}

/**
 * A local send of an issue and list that were enqueued in Redis would mail everyone the workers
 * mail: refused, with where the campaign is (the marker says).
 */
async function refuseQueued(journal: string): Promise<void> {
  const marker = queuedMarkerPath(journal);
  let text: string;
  try {
    text = await readFile(marker, 'utf8');
  } catch {
    return;
  }
  const { campaign, queue, at } = JSON.parse(text) as { campaign?: string; queue?: string; at?: string };
  throw new NewsletterError('EQUEUE', `This issue and list were enqueued in Redis (campaign ${campaign ?? '?'} at ${queue ?? '?'}, ${at ?? ''}): sending them here as well would mail everyone twice`, {
    where: marker,
    fix: `Send it with \`newsletter worker --queue ${queue ?? 'URL'}\` and follow it with \`newsletter status\`. Only if that campaign was cancelled before any worker sent anything, delete ${marker} to send locally.`,
    reason: 'campaignConflict',
  });
}

/** What every step of one send shares. */
interface SendRun {
  opts: SendOptions;
  started: number;
  smtp: SmtpConfig;
  prepared: PreparedIssue;
  journal: Journal;
  failures: FailuresCsv;
  stats: DeliveryStats;
  concurrency: number;
}

/** How the list went: the tally of its rows, why delivery stopped early (if it did), and the retries still waiting then. */
interface Sent {
  tally: ListTally;
  stop: Stop | undefined;
  retriesWaiting: number;
}

/** Open the list, record the run, then log in and deliver (unless nobody is left to attempt). */
async function sendToList(run: SendRun): Promise<Sent> {
  const { opts, journal, failures, smtp } = run;
  const total = await estimateRows(opts.listPath);
  const source = await openListSource({ ...opts, journal, failures, expectedRows: total });
  await journal.record({ s: 'run', t: Date.now(), issue: opts.built.props.issue.slug, list: opts.listPath, pid: process.pid, concurrency: run.concurrency, rate: opts.rate ?? null });
  // Nobody left to attempt (all sent, failed, suppressed or skipped): no reason to connect anywhere.
  const transport = source.empty ? undefined : createSmtpTransport(smtp, { concurrency: run.concurrency, overrides: opts.transportOverrides });
  let stop: Stop | undefined;
  let retriesWaiting = 0;
  try {
    stop = transport ? await preflight(transport, smtp.display) : undefined;
    if (transport && !stop) ({ stop, retriesWaiting } = await deliverAll(run, source, transport, total));
  } finally {
    transport?.close();
    await source.suppression.close();
  }
  throwInputError(stop, run.stats);
  return { tally: source.tally, stop, retriesWaiting };
}

/** The delivery loop over the list's jobs, with retries, the pacer and progress reports. */
async function deliverAll(run: SendRun, source: ListSource, transport: SmtpTransport, total: number | undefined): Promise<Omit<Sent, 'tally'>> {
  const { opts, stats } = run;
  // Only retries left: the CLI counts down to the next one.
  const queue: JobQueue<Job> = new JobQueue(source.jobs, { onIdle: () => progress() });
  const progress = (): void => opts.onProgress?.(progressOf(run, source.tally, queue, total));
  const stop = await deliver({
    prepared: run.prepared,
    transport,
    journal: run.journal,
    queue,
    pacer: new Pacer({ rate: opts.rate, throttleBaseMs: opts.tuning?.throttleBaseMs, throttleMaxMs: opts.tuning?.throttleMaxMs, minRate: opts.tuning?.minRate }),
    concurrency: run.concurrency,
    tuning: { ...DEFAULT_TUNING, ...opts.tuning, ...(opts.retrySchedule ? { retrySchedule: opts.retrySchedule } : {}) },
    stats,
    signal: opts.signal,
    forceSignal: opts.forceSignal,
    onProgress: progress,
    onHardBounce: (email, why) => source.suppression.add(email, 'bounced', why),
  });
  const retriesWaiting = queue.waiting;
  progress();
  return { stop, retriesWaiting };
}

/** Where the run is, for the CLI's progress line: everyone counted as done once recorded, this run or an earlier one. */
function progressOf(run: SendRun, t: ListTally, queue: JobQueue<Job>, total: number | undefined): Progress {
  const { stats } = run;
  return {
    done: stats.sent + stats.failedPermanent + stats.failedTransient + skippedTotal(t, stats) + t.sentEarlier + t.failedEarlierPermanent + t.failedEarlierTransient + t.leftByLimit,
    total,
    sent: stats.sent,
    failed: stats.failedPermanent + stats.failedTransient,
    skipped: skippedTotal(t, stats),
    inFlight: stats.inFlight,
    retrying: queue.waiting,
    nextRetryAt: queue.idleUntil,
    startedAt: run.started,
  };
}

/**
 * Stops that are not a stop: a bug is rethrown, and a list that breaks before anything was
 * attempted is an input error (exit 1).
 */
function throwInputError(stop: Stop | undefined, stats: DeliveryStats): void {
  if (stop?.reason === 'error') throw stop.error;
  if (stop?.reason === 'list' && isNewsletterError(stop.error) && stats.sent + stats.failedPermanent + stats.failedTransient + stats.retried === 0) throw stop.error;
}

/**
 * Log in once before taking anything from the list: bad credentials or an unreachable server stop
 * here, nothing sent. A server that throttles at connect (421 too many connections) is busy, not
 * broken: the delivery loop slows down and waits for it.
 */
export async function preflight(transport: ReturnType<typeof createSmtpTransport>, where: string): Promise<Stop | undefined> {
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
