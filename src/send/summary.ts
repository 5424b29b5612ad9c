import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { templateToDisplay, type NewsletterProps } from '../content/index.ts';
import { EXIT, NewsletterError, type ErrorDetails, type ExitCode } from '../errors.ts';
import type { SmtpFailure } from './classify.ts';
import type { DeliveryStats, Stop } from './deliver.ts';
import type { ListTally } from './recipients.ts';

export type SendMode = 'send' | 'dry-run' | 'test';

/** Which issue a run sends: named before the first message and again in the summary. */
export interface IssueNamed {
  slug: string;
  number: number;
  /** As written, merge fields shown as {{name}}. */
  subject: string;
  /** The issue file it was built from, when known. */
  file: string | undefined;
}

export function issueNamed(built: { props: NewsletterProps; file?: string | undefined }): IssueNamed {
  const { slug, number, subject } = built.props.issue;
  return { slug, number, subject: templateToDisplay(subject), file: built.file };
}

/** Everything the CLI prints at the end; also what a program calling sendIssue gets back. */
export interface SendSummary {
  mode: SendMode;
  issue: IssueNamed;
  list: string | undefined;
  tally: ListTally;
  stats: DeliveryStats;
  durationMs: number;
  /** Why the run stopped early (exit 3), if it did. */
  stop: Stop | undefined;
  /** Messages waiting for a retry when the run stopped (recorded as pending; a rerun sends them). */
  retriesWaiting: number;
  journal: string | undefined;
  failuresCsv: string | undefined;
  outbox: string | undefined;
  /** The unsubscribe links are signed with the public sample secret: only a dry run without UNSUBSCRIBE_SECRET. */
  sampleSecret: boolean;
}

/** Live figures for the progress display. */
export interface Progress {
  /** Rows settled so far (sent, failed, skipped, already done). */
  done: number;
  /** Rows in the list (estimated from its line count), when known: not for a pipe, which is read once. */
  total: number | undefined;
  sent: number;
  failed: number;
  skipped: number;
  inFlight: number;
  /** Messages waiting for a retry. */
  retrying: number;
  /** Set when the list is done and only retries wait: when the next one is due (epoch ms), for the countdown. */
  nextRetryAt?: number | undefined;
  startedAt: number;
}

export function failedTotal(s: SendSummary): { permanent: number; transient: number } {
  return {
    permanent: s.stats.failedPermanent + s.tally.failedEarlierPermanent,
    transient: s.stats.failedTransient + s.tally.failedEarlierTransient,
  };
}

export function skippedTotal(t: ListTally, stats: DeliveryStats): number {
  return t.invalid + t.duplicate + t.suppressed + t.byStatus + stats.skippedInvalid;
}

/** OK everyone delivered or skipped by a rule; FAILURES finished with failures; STOPPED stopped early (resumable). */
export function exitCodeOf(s: SendSummary): ExitCode {
  if (s.stop) return EXIT.STOPPED;
  const f = failedTotal(s);
  return f.permanent + f.transient > 0 ? EXIT.FAILURES : EXIT.OK;
}

/**
 * Lines in the list minus its header: the progress total. Quoted line breaks
 * make it an estimate. Only a regular file is counted: counting a pipe would
 * consume the list before the send reads it (it then looked empty).
 */
export async function estimateRows(path: string): Promise<number | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
    let lines = 0;
    let last = 10;
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      last = chunk[chunk.length - 1] ?? last;
    }
    if (last !== 10) lines++;
    return Math.max(0, lines - 1);
  } catch {
    return undefined;
  }
}

/**
 * A delivery failure as a NewsletterError that keeps nodemailer's `code`,
 * `responseCode` and `command` (for --test, where one message is the run).
 */
export class SmtpSendError extends NewsletterError<'ESEND'> {
  readonly smtpCode: string;
  readonly responseCode: number | undefined;
  readonly command: string | undefined;

  constructor(failure: SmtpFailure, message: string, details: ErrorDetails<'ESEND'> & { where: string; fix: string; cause: unknown }) {
    super('ESEND', message, details);
    this.smtpCode = failure.code;
    this.responseCode = failure.responseCode;
    this.command = failure.command;
  }
}
