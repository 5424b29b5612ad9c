import { isNewsletterError, NewsletterError } from '../errors.ts';
import { classifySmtpError, describeFailure, isHardBounce, type SmtpFailure, bounceSource } from './classify.ts';
import type { JobQueue } from './job-queue.ts';
import type { Journal } from './journal.ts';
import type { Pacer } from './pacer.ts';
import type { MailOptions } from '../mail/index.ts';
import { messageFor, type PreparedIssue } from '../mail/index.ts';
import type { Job } from './recipients.ts';
import { DeferralBurst, RefusalStreak, type BurstTuning } from './reply-watch.ts';
import { COMMIT_GATE, type SmtpTransport } from '../mail/index.ts';

export interface DeliveryTuning extends BurstTuning {
  /**
   * Waits before each retry of a deferred message or dropped connection (ms, each ±20% jitter);
   * after the last one the message is recorded as failed transiently.
   */
  retrySchedule: readonly number[];
  /** Throttle replies per message (they count no attempt) before it is recorded as failed transiently. */
  maxThrottles: number;
  /** Stop when more than `failureRate` of the last `failureWindow` refusals and deliveries were refusals (once `failureMinSamples` are in). */
  failureWindow: number;
  failureMinSamples: number;
  failureRate: number;
  /** Stop after this many connection failures in a row with nothing delivered in between. */
  unreachableStop: number;
  /** Stop when this many different recipients in a row get the same permanent reply that may be about the message. */
  refusalStreak: number;
}

/**
 * First retry after a few seconds; later ones spread past common greylisting
 * windows (receivers often accept a retry only after 1–15 minutes).
 */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [5_000, 30_000, 120_000, 360_000, 900_000];

export const DEFAULT_TUNING: DeliveryTuning = {
  retrySchedule: DEFAULT_RETRY_SCHEDULE,
  maxThrottles: 20,
  failureWindow: 50,
  failureMinSamples: 20,
  failureRate: 0.5,
  unreachableStop: 3,
  refusalStreak: 3,
  deferralBurstWindow: 40,
  deferralBurstMin: 20,
  deferralBurstMs: 10_000,
  deferralBurstShare: 0.5,
};

/**
 * refused: the server refused the login, the sender or the message itself (recipients stay pending);
 * journal: the journal cannot be written; list: the CSV broke mid-way; error: a bug (rethrown by the caller).
 */
export type StopReason = 'interrupted' | 'refused' | 'unreachable' | 'failure-rate' | 'journal' | 'list' | 'error';

export interface Stop {
  reason: StopReason;
  message: string;
  failure?: SmtpFailure;
  error?: unknown;
}

export interface DeliveryStats {
  sent: number;
  failedPermanent: number;
  failedTransient: number;
  /** Recipients whose values would inject a header (recorded as skipped). */
  skippedInvalid: number;
  /** Throttle replies and bursts of deferrals: each slowed the whole sender (not failures). */
  throttled: number;
  /** Deferrals retried later (greylisting, a busy mailbox…): only that message waited. */
  deferred: number;
  retried: number;
  inFlight: number;
}

export function emptyDeliveryStats(): DeliveryStats {
  return { sent: 0, failedPermanent: 0, failedTransient: 0, skippedInvalid: 0, throttled: 0, deferred: 0, retried: 0, inFlight: 0 };
}

/** The fix for a message the server refuses itself, when the reply names no setting. */
const MESSAGE_FIX = 'The server refuses the message itself (size, content or policy), not these recipients: change the issue (or ask the server\'s operator why), then run the same command again; the recipients it refused are still pending.';

export interface DeliverInput {
  prepared: PreparedIssue;
  transport: SmtpTransport;
  journal: Journal;
  queue: JobQueue<Job>;
  pacer: Pacer;
  concurrency: number;
  tuning: DeliveryTuning;
  stats: DeliveryStats;
  /** Ctrl-C: stop taking messages; the ones in flight finish and are recorded. */
  signal?: AbortSignal | undefined;
  /** Second Ctrl-C: close connections now; messages in flight stay recorded as `sending` (resent on resume). */
  forceSignal?: AbortSignal | undefined;
  onProgress?: (() => void) | undefined;
  /** A hard bounce (550 5.1.1 and kin): the run adds the address to the suppression list with this `source`. */
  onHardBounce?: ((email: string, source: string) => Promise<unknown>) | undefined;
}

/**
 * Send every job from the queue with `concurrency` workers. A worker starts
 * its next message while the last one's `sent` record is being committed, but
 * that message's end of DATA waits for the commit (COMMIT_GATE), so the server
 * cannot accept it before the last outcome is on disk. At any moment at most
 * `concurrency` accepted messages can be unrecorded: the bound on duplicates
 * after a crash.
 * Returns why it stopped early, or undefined when the queue ran dry.
 */
export async function deliver(input: DeliverInput): Promise<Stop | undefined> {
  const { prepared, transport, journal, queue, pacer, tuning, stats } = input;
  const stopping = new AbortController();
  let stopped: Stop | undefined;
  let forced = false;
  let unreachableStreak = 0;
  let deliveredAny = false;
  const window: boolean[] = [];
  const streak = new RefusalStreak();
  const burst = new DeferralBurst(tuning);

  const stop = (s: Stop) => {
    stopped ??= s;
    stopping.abort();
    queue.close();
  };
  const onAbort = () => stop({ reason: 'interrupted', message: 'Interrupted (Ctrl-C); the messages in flight were finished and recorded' });
  const onForce = () => {
    forced = true;
    stop({ reason: 'interrupted', message: 'Interrupted twice (Ctrl-C): connections were closed; messages in flight stay recorded as sending and go again on resume' });
    transport.close({ force: true });
  };
  if (input.signal?.aborted) onAbort();
  input.signal?.addEventListener('abort', onAbort, { once: true });
  input.forceSignal?.addEventListener('abort', onForce, { once: true });
  // The pool reports connection trouble per message too; an unhandled 'error' event would crash the process.
  transport.on('error', () => {});

  /** Deliveries and refusals only: deferrals, throttles and drops say nothing about the list. */
  const outcome = (ok: boolean) => {
    window.push(ok);
    if (window.length > tuning.failureWindow) window.shift();
    const failures = window.reduce((n, w) => n + (w ? 0 : 1), 0);
    if (!ok && window.length >= tuning.failureMinSamples && failures / window.length > tuning.failureRate)
      stop({ reason: 'failure-rate', message: `${failures} of the last ${window.length} deliveries and refusals were refusals (the limit is ${Math.round(tuning.failureRate * 100)}%); the server or the list needs a look before going on` });
  };

  /** The wait before retry number `attempts` (±20% jitter, so deferred messages do not come back in lockstep), or undefined after the last. */
  const retryWait = (attempts: number): number | undefined => {
    const wait = tuning.retrySchedule[attempts - 1];
    return wait === undefined ? undefined : wait * (0.8 + Math.random() * 0.4);
  };

  /**
   * Record a failure. A hard bounce is also kept in the journal as "to suppress" (same group commit
   * as `failed`) before it is written to the suppression list. Stopping alone would lose it: the
   * recipient is already recorded as failed, so no rerun would bounce and suppress it again, and the
   * next issue would mail it. So when the list cannot be written (read-only, disk full) or the process
   * dies in between, the run stops (exit 3) and the next run of this send writes every kept bounce to
   * the list before it sends anything (see loadSuppression's `pending`).
   */
  async function fail(job: Job, f: SmtpFailure, kind: 'permanent' | 'transient'): Promise<void> {
    const onBounce = kind === 'permanent' && isHardBounce(f) ? input.onHardBounce : undefined;
    const source = bounceSource(f);
    await Promise.all([
      journal.record({ s: 'failed', e: job.sub.key, k: kind, code: f.code, ...(f.responseCode ? { rc: f.responseCode } : {}), ...(f.command ? { cmd: f.command } : {}), m: f.message, row: job.sub.row, t: Date.now() }),
      onBounce && journal.record({ s: 'suppress', e: job.sub.key, why: source, t: Date.now() }),
    ]);
    if (kind === 'permanent') stats.failedPermanent++;
    else stats.failedTransient++;
    await onBounce?.(job.sub.email, source).catch((error: unknown) => {
      const why = isNewsletterError(error) ? error.message : String(error);
      throw new NewsletterError('ESTATE', `${job.sub.email} hard-bounced but could not be added to the suppression list: ${why}. It is kept in the journal: fix the state folder and run the same command again, which adds it to the list before sending anything`, {
        where: isNewsletterError(error) ? error.where : undefined,
        fix: 'Fix the state folder, then run the same command again: it adds the address to the suppression list before sending anything. Send no other issue until then.',
        exitCode: 3,
        cause: error,
      });
    });
  }

  /** Keep the recipient pending (a rerun sends to it) with the reason. */
  const hold = (job: Job, f: SmtpFailure): Promise<void> => journal.record({ s: 'pending', e: job.sub.key, n: job.attempts, why: describeFailure(f), t: Date.now() });

  async function retryLater(job: Job, f: SmtpFailure, due: number): Promise<void> {
    await hold(job, f);
    stats.retried++;
    queue.retryAt(job, due);
  }

  /** The held copies were refused for their recipients: the server took someone else's copy of the same message. */
  async function settleHeld(): Promise<void> {
    for (const { job, failure } of streak.delivered())
      await fail(job, { ...failure, message: `${failure.message} (refused for this recipient only: the server accepted the same message for others)` }, 'permanent');
  }

  async function onFailure(job: Job, error: unknown): Promise<void> {
    // Closed on purpose by a forced stop: the outcome is unknown, so `sending` stays.
    if (forced) return;
    const f = classifySmtpError(error);
    switch (f.kind) {
      case 'throttle': {
        // The whole sender slows down; this message waits out the pause and counts no attempt.
        stats.throttled++;
        job.throttles++;
        const resume = pacer.throttled();
        if (job.throttles > tuning.maxThrottles) return fail(job, { ...f, message: `${f.message} (the server kept throttling; gave up after ${tuning.maxThrottles} tries)` }, 'transient');
        return retryLater(job, f, resume);
      }
      case 'sender':
        await hold(job, f);
        return stop({ reason: 'refused', message: `The SMTP server refused ${f.command?.toUpperCase().startsWith('AUTH') ? 'the login' : 'the sender or the message'}: ${describeFailure(f)}. Nobody was recorded as failed: the recipients stay pending`, failure: f });
      case 'unclear': {
        outcome(false);
        burst.note();
        await hold(job, f);
        const run = streak.refused(job, f);
        if (run >= tuning.refusalStreak)
          stop({ reason: 'refused', message: `The SMTP server refused the message itself for ${run} recipients in a row: ${describeFailure(f)}. Nobody was recorded as failed: they stay pending`, failure: { ...f, fix: f.fix ?? MESSAGE_FIX } });
        return;
      }
      case 'recipient':
        outcome(false);
        burst.note();
        return fail(job, f, 'permanent');
      case 'unreachable':
        if (++unreachableStreak >= tuning.unreachableStop) {
          await hold(job, f);
          return stop({ reason: 'unreachable', message: `Cannot reach the SMTP server: ${describeFailure(f)}`, failure: f });
        }
      // fall through: a passing network problem is retried like a dropped connection
      case 'deferral':
      case 'connection': {
        // Only this message waits; its connection takes the next one at once.
        job.attempts++;
        if (f.kind === 'deferral' && burst.note(job.sub.key)) {
          // Deferrals of many different recipients at once: the server is slowing us down.
          stats.throttled++;
          pacer.throttled();
        }
        const wait = retryWait(job.attempts);
        if (wait === undefined) return fail(job, { ...f, message: `${f.message} (gave up after ${job.attempts} attempts)` }, 'transient');
        if (f.kind === 'deferral') stats.deferred++;
        return retryLater(job, f, Date.now() + wait);
      }
    }
  }

  /**
   * One attempt. `gate` is this worker's previous commit: the message's end of
   * DATA waits for it. Returns the commit of this message's `sent` record (not
   * awaited here; wrapped, since an async function would wait for a returned
   * promise), or `gate` again when nothing was delivered.
   */
  async function attempt(job: Job, gate: Promise<void>): Promise<{ commit: Promise<void> }> {
    if (!(await pacer.acquire(stopping.signal))) return { commit: gate };
    const key = job.sub.key;
    let mail: MailOptions;
    try {
      mail = messageFor(prepared, job.sub);
    } catch (error) {
      if (!isNewsletterError(error)) throw error;
      stats.skippedInvalid++;
      await journal.record({ s: 'skipped', e: key, why: `invalid: ${error.message}`, t: Date.now() });
      return { commit: gate };
    }
    // `sending` rides the same group commit as the previous outcome, and the end of DATA waits
    // for both: the server cannot accept a message the journal does not show as in flight, so
    // after a crash every possible duplicate is a `sending` with no later outcome.
    const inFlight = journal.record({ s: 'sending', e: key, n: job.attempts + 1, t: Date.now() });
    const held = Promise.all([gate, inFlight]).then(() => {});
    // Observed here; a failed commit still reaches sendMail through the gate (and stops the run).
    held.catch(() => {});
    stats.inFlight++;
    let response: string;
    try {
      const info = await transport.sendMail({ ...mail, [COMMIT_GATE]: held } as MailOptions);
      response = String(info.response ?? '').replace(/\s+/g, ' ').trim();
    } catch (error) {
      stats.inFlight--;
      await onFailure(job, error);
      return { commit: gate };
    }
    stats.inFlight--;
    unreachableStreak = 0;
    deliveredAny = true;
    pacer.delivered();
    burst.note();
    outcome(true);
    const commit = journal.record({ s: 'sent', e: key, r: response, t: Date.now() });
    commit.then(
      () => {
        stats.sent++;
        input.onProgress?.();
      },
      (error: unknown) => stop({ reason: 'journal', message: isNewsletterError(error) ? error.message : String(error), error }),
    );
    // A stop already said why the held ones stay pending; otherwise this delivery settles them.
    if (!stopped && streak.size) await settleHeld();
    return { commit };
  }

  async function worker(): Promise<void> {
    let commit: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        let job: Job | undefined;
        try {
          job = await queue.next();
        } catch (error) {
          return stop({ reason: 'list', message: isNewsletterError(error) ? error.message : String(error), error });
        }
        if (!job) return;
        try {
          ({ commit } = await attempt(job, commit));
        } catch (error) {
          stop(isNewsletterError(error) ? { reason: 'journal', message: error.message, error } : { reason: 'error', message: String(error), error });
        } finally {
          queue.finished();
          input.onProgress?.();
        }
      }
    } finally {
      // This worker's last outcome is on disk before delivery reports done.
      await commit.catch(() => {});
    }
  }

  /**
   * Recipients still held when the list is done: with a delivery in this run the server takes our
   * message, so their copies were refused for them (failed); with none, nothing shows the problem
   * is theirs, so they stay pending and the run stops.
   */
  async function endHeld(): Promise<void> {
    if (stopped || !streak.size) return;
    const last = streak.last!;
    if (deliveredAny) return settleHeld();
    stop({
      reason: 'refused',
      message: `The SMTP server refused the message for every recipient it was offered to (${streak.size}) and accepted none: ${describeFailure(last)}. Nobody was recorded as failed: they stay pending`,
      failure: { ...last, fix: last.fix ?? MESSAGE_FIX },
    });
  }

  try {
    await Promise.all(Array.from({ length: input.concurrency }, worker));
    await endHeld().catch((error: unknown) => stop({ reason: 'journal', message: isNewsletterError(error) ? error.message : String(error), error }));
    await journal.flush().catch((error: unknown) => stop({ reason: 'journal', message: String((error as Error).message), error }));
  } finally {
    input.signal?.removeEventListener('abort', onAbort);
    input.forceSignal?.removeEventListener('abort', onForce);
  }
  return stopped;
}
