import { isNewsletterError, NewsletterError } from '../errors.ts';
import { classifySmtpError, describeFailure, isHardBounce, type SmtpFailure, bounceSource } from './classify.ts';
import type { DeliverInput, PaceTicket, Stop } from './deliver-types.ts';
import { COMMIT_GATE, messageFor, type MailOptions } from '../mail/index.ts';
import type { Job } from './recipients.ts';
import { DeferralBurst, FailureRate, RefusalStreak } from './reply-watch.ts';

// The delivery loop's API as callers import it (run.ts, summary.ts, format.ts, the send index).
export { DEFAULT_RETRY_SCHEDULE, DEFAULT_TUNING, emptyDeliveryStats } from './deliver-types.ts';
export type { DeliverInput, DeliveryJournal, DeliveryPacer, DeliveryQueue, DeliveryStats, DeliveryTuning, PaceTicket, Stop, StopReason } from './deliver-types.ts';

/** The fix for a message the server refuses itself, when the reply names no setting. */
const MESSAGE_FIX = 'The server refuses the message itself (size, content or policy), not these recipients: change the issue (or ask the server\'s operator why), then run the same command again; the recipients it refused are still pending.';

/** What a worker's attempt leaves for its next one: the commit its next end of DATA waits for (wrapped, so no `await` waits for it). */
interface Attempted {
  commit: Promise<void>;
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
export function deliver(input: DeliverInput): Promise<Stop | undefined> {
  return new Delivery(input).run();
}

/** The stop for an error thrown by the journal, the list or a bug: its message when it is ours. */
function stopFor(reason: 'journal' | 'list', error: unknown): Stop {
  return { reason, message: isNewsletterError(error) ? error.message : String(error), error };
}

/** The wait before retry number `attempts` (±20% jitter, so deferred messages do not come back in lockstep), or undefined after the last. */
function retryWait(schedule: readonly number[], attempts: number): number | undefined {
  const wait = schedule[attempts - 1];
  return wait === undefined ? undefined : wait * (0.8 + Math.random() * 0.4);
}

/**
 * One run of the delivery loop: the state the workers share, and one method per
 * event (accepted, refused by kind, retry due, stop requested, connection
 * closed, list drained). Workers run concurrently on one event loop, so a
 * method's synchronous part is never interleaved with another's.
 */
class Delivery {
  readonly #in: DeliverInput;
  /** Aborts the pacer's wait once the run stops. */
  readonly #stopping = new AbortController();
  #stopped: Stop | undefined;
  /** Connections were closed on purpose (second Ctrl-C): failures after it are not the server's. */
  #forced = false;
  #unreachableStreak = 0;
  #deliveredAny = false;
  readonly #failureRate: FailureRate;
  readonly #streak = new RefusalStreak();
  readonly #burst: DeferralBurst;

  constructor(input: DeliverInput) {
    this.#in = input;
    this.#failureRate = new FailureRate(input.tuning);
    this.#burst = new DeferralBurst(input.tuning);
  }

  async run(): Promise<Stop | undefined> {
    const { signal, forceSignal, journal } = this.#in;
    if (signal?.aborted) this.#onAbort();
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    forceSignal?.addEventListener('abort', this.#onForce, { once: true });
    // The pool reports connection trouble per message too; an unhandled 'error' event would crash the process.
    this.#in.transport.on('error', () => {});
    try {
      await Promise.all(Array.from({ length: this.#in.concurrency }, () => this.#worker()));
      await this.#drained().catch((error: unknown) => this.#stop(stopFor('journal', error)));
      await journal.flush().catch((error: unknown) => this.#stop({ reason: 'journal', message: String((error as Error).message), error }));
    } finally {
      signal?.removeEventListener('abort', this.#onAbort);
      forceSignal?.removeEventListener('abort', this.#onForce);
    }
    return this.#stopped;
  }

  #stop(s: Stop): void {
    this.#stopped ??= s;
    this.#stopping.abort();
    this.#in.queue.close();
  }

  /** Ctrl-C: take no more messages; the ones in flight finish and are recorded. */
  readonly #onAbort = (): void => {
    this.#stop({ reason: 'interrupted', message: 'Interrupted (Ctrl-C); the messages in flight were finished and recorded' });
  };

  /** Second Ctrl-C: close the connections now. */
  readonly #onForce = (): void => {
    this.#forced = true;
    // The first Ctrl-C's words ("finished and recorded") are no longer true; another stop's reason stays.
    if (this.#stopped?.reason === 'interrupted') this.#stopped = undefined;
    this.#stop({ reason: 'interrupted', message: 'Interrupted twice (Ctrl-C): connections were closed; messages in flight stay recorded as sending and go again on resume' });
    this.#in.transport.close({ force: true });
  };

  async #worker(): Promise<void> {
    let commit: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        let job: Job | undefined;
        try {
          job = await this.#in.queue.next();
        } catch (error) {
          return this.#stop(stopFor('list', error));
        }
        if (!job) return;
        try {
          ({ commit } = await this.#attempt(job, commit));
        } catch (error) {
          this.#stop(isNewsletterError(error) ? stopFor('journal', error) : { reason: 'error', message: String(error), error });
        } finally {
          this.#in.queue.finished(job);
          this.#in.onProgress?.();
        }
      }
    } finally {
      // This worker's last outcome is on disk before delivery reports done.
      await commit.catch(() => {});
    }
  }

  /**
   * One attempt. `gate` is this worker's previous commit: the message's end of
   * DATA waits for it. Returns the commit of this message's `sent` record, or
   * `gate` again when nothing was delivered.
   */
  async #attempt(job: Job, gate: Promise<void>): Promise<Attempted> {
    const ticket = await this.#in.pacer.acquire(this.#stopping.signal);
    if (!ticket) return { commit: gate };
    let mail: MailOptions;
    try {
      mail = messageFor(this.#in.prepared, job.sub);
    } catch (error) {
      if (!isNewsletterError(error)) throw error;
      this.#in.stats.skippedInvalid++;
      await this.#in.journal.record({ s: 'skipped', e: job.sub.key, why: `invalid: ${error.message}`, t: Date.now() });
      return { commit: gate };
    }
    return this.#send(job, mail, gate, ticket);
  }

  async #send(job: Job, mail: MailOptions, gate: Promise<void>, ticket: true | PaceTicket): Promise<Attempted> {
    const { journal, stats } = this.#in;
    // `sending` rides the same group commit as the previous outcome, and the end of DATA waits
    // for both: the server cannot accept a message the journal does not show as in flight, so
    // after a crash every possible duplicate is a `sending` with no later outcome.
    const inFlight = journal.record({ s: 'sending', e: job.sub.key, n: job.attempts + 1, t: Date.now() });
    // Settles after both, without Promise.all's array and per-element resolvers. `gate` was recorded
    // first, so it is in the same group commit as `sending` or an earlier one (often the very same
    // promise); either failing fails `held`.
    const held = inFlight.then(() => gate);
    // Observed here; a failed commit still reaches sendMail through the gate (and stops the run).
    held.catch(() => {});
    stats.inFlight++;
    let response: string;
    try {
      // messageFor made this object for this attempt alone: the gate is added to it, not to a copy.
      (mail as Record<string, unknown>)[COMMIT_GATE] = this.#gateOf(held, ticket);
      const info = await this.#in.transport.sendMail(mail);
      response = String(info.response ?? '').replace(/\s+/g, ' ').trim();
    } catch (error) {
      stats.inFlight--;
      await this.#failed(job, error);
      return { commit: gate };
    }
    stats.inFlight--;
    const commit = this.#accepted(job, response);
    // A stop already said why the held ones stay pending; otherwise this delivery settles them.
    if (!this.#stopped && this.#streak.size) await this.#settleHeld();
    return { commit };
  }

  /**
   * What the end of DATA waits for: the commits, and then, when the pacer paces acceptances (the
   * campaign-wide rate), its slot. The slot is asked for only once the message has reached its end
   * (a function the transport calls then): taken earlier, while the connection was still opening,
   * the first messages of a run all had their slots pass before DATA and arrived together.
   */
  #gateOf(held: Promise<void>, ticket: true | PaceTicket): Promise<void> | (() => Promise<void>) {
    const { pacer } = this.#in;
    if (!pacer.beforeAccept) return held;
    return () => held.then(() => pacer.beforeAccept!(ticket));
  }

  /** The server accepted a message: record it as sent. Returns the commit of that record (not awaited). */
  #accepted(job: Job, response: string): Promise<void> {
    this.#unreachableStreak = 0;
    this.#deliveredAny = true;
    this.#in.pacer.delivered();
    this.#burst.note();
    this.#noteOutcome(true);
    const commit = this.#in.journal.record({ s: 'sent', e: job.sub.key, r: response, t: Date.now() });
    commit.then(
      () => {
        this.#in.stats.sent++;
        this.#in.onProgress?.();
      },
      (error: unknown) => this.#stop(stopFor('journal', error)),
    );
    return commit;
  }

  /** Deliveries and refusals only: deferrals, throttles and drops say nothing about the list. */
  #noteOutcome(ok: boolean): void {
    const tooMany = this.#failureRate.note(ok);
    if (tooMany) this.#stop({ reason: 'failure-rate', message: tooMany });
  }

  /** sendMail failed: what happens next depends on what the reply says about whom. */
  async #failed(job: Job, error: unknown): Promise<void> {
    // Closed on purpose by a forced stop: the outcome is unknown, so `sending` stays.
    if (this.#forced) return;
    const f = classifySmtpError(error);
    switch (f.kind) {
      case 'throttle':
        return this.#throttled(job, f);
      case 'sender':
        return this.#senderRefused(job, f);
      case 'unclear':
        return this.#messageMaybeRefused(job, f);
      case 'recipient':
        this.#noteOutcome(false);
        this.#burst.note();
        return this.#fail(job, f, 'permanent');
      case 'unreachable':
        return this.#unreachable(job, f);
      case 'deferral':
      case 'connection':
        return this.#retryOrGiveUp(job, f);
    }
  }

  /** The whole sender slows down; this message waits out the pause and counts no attempt. */
  #throttled(job: Job, f: SmtpFailure): Promise<void> {
    const { stats, tuning } = this.#in;
    stats.throttled++;
    job.throttles++;
    const resume = this.#in.pacer.throttled();
    if (job.throttles > tuning.maxThrottles) return this.#fail(job, { ...f, message: `${f.message} (the server kept throttling; gave up after ${tuning.maxThrottles} tries)` }, 'transient');
    return this.#retryLater(job, f, resume);
  }

  /** The login or the sender was refused: nobody is at fault but the setup, so stop with everyone pending. */
  async #senderRefused(job: Job, f: SmtpFailure): Promise<void> {
    await this.#hold(job, f);
    this.#stop({ reason: 'refused', message: `The SMTP server refused ${f.command?.toUpperCase().startsWith('AUTH') ? 'the login' : 'the sender or the message'}: ${describeFailure(f)}. Nobody was recorded as failed: the recipients stay pending`, failure: f });
  }

  /** A permanent reply that may be about the message (RefusalStreak): hold the recipient; the same reply too often in a row stops. */
  async #messageMaybeRefused(job: Job, f: SmtpFailure): Promise<void> {
    this.#noteOutcome(false);
    this.#burst.note();
    // Held once already and sent again later (a worker's retry), refused again while this server takes
    // the message for others: the refusal is about this recipient.
    if (job.refused && this.#deliveredAny)
      return this.#fail(job, { ...f, message: `${f.message} (refused for this recipient again, while the server accepted the same message for others)` }, 'permanent');
    await this.#hold(job, f);
    this.#in.queue.held?.(job);
    const run = this.#streak.refused(job, f);
    if (run >= this.#in.tuning.refusalStreak)
      this.#stop({ reason: 'refused', message: `The SMTP server refused the message itself for ${run} recipients in a row: ${describeFailure(f)}. Nobody was recorded as failed: they stay pending`, failure: { ...f, fix: f.fix ?? MESSAGE_FIX } });
  }

  /** The server cannot be reached: stop after a few in a row; until then a passing network problem is retried like a dropped connection. */
  async #unreachable(job: Job, f: SmtpFailure): Promise<void> {
    if (++this.#unreachableStreak < this.#in.tuning.unreachableStop) return this.#retryOrGiveUp(job, f);
    await this.#hold(job, f);
    this.#stop({ reason: 'unreachable', message: `Cannot reach the SMTP server: ${describeFailure(f)}`, failure: f });
  }

  /** A deferral or a dropped connection: only this message waits (its connection takes the next one at once), until the schedule runs out. */
  #retryOrGiveUp(job: Job, f: SmtpFailure): Promise<void> {
    const { stats, pacer } = this.#in;
    job.attempts++;
    if (f.kind === 'deferral' && this.#burst.note(job.sub.key)) {
      // Deferrals of many different recipients at once: the server is slowing us down.
      stats.throttled++;
      pacer.throttled();
    }
    const wait = retryWait(this.#in.tuning.retrySchedule, job.attempts);
    if (wait === undefined) return this.#fail(job, { ...f, message: `${f.message} (gave up after ${job.attempts} attempts)` }, 'transient');
    if (f.kind === 'deferral') stats.deferred++;
    return this.#retryLater(job, f, Date.now() + wait);
  }

  /** Keep the recipient pending (a rerun sends to it) with the reason. */
  #hold(job: Job, f: SmtpFailure): Promise<void> {
    return this.#in.journal.record({ s: 'pending', e: job.sub.key, n: job.attempts, why: describeFailure(f), t: Date.now() });
  }

  /** Hold the recipient and hand it back to the queue, due at `due`. */
  async #retryLater(job: Job, f: SmtpFailure, due: number): Promise<void> {
    await this.#hold(job, f);
    this.#in.stats.retried++;
    this.#in.queue.retryAt(job, due);
  }

  /**
   * Record a failure. A hard bounce is also kept in the journal as "to suppress" (same group commit
   * as `failed`) before it is written to the suppression list. Stopping alone would lose it: the
   * recipient is already recorded as failed, so no rerun would bounce and suppress it again, and the
   * next issue would mail it. So when the list cannot be written (read-only, disk full) or the process
   * dies in between, the run stops (exit 3) and the next run of this send writes every kept bounce to
   * the list before it sends anything (see loadSuppression's `pending`).
   */
  async #fail(job: Job, f: SmtpFailure, kind: 'permanent' | 'transient'): Promise<void> {
    const { journal, stats } = this.#in;
    const onBounce = kind === 'permanent' && isHardBounce(f) ? this.#in.onHardBounce : undefined;
    const source = bounceSource(f);
    await Promise.all([
      journal.record({ s: 'failed', e: job.sub.key, k: kind, code: f.code, ...(f.responseCode ? { rc: f.responseCode } : {}), ...(f.command ? { cmd: f.command } : {}), m: f.message, row: job.sub.row, t: Date.now() }),
      onBounce && journal.record({ s: 'suppress', e: job.sub.key, why: source, t: Date.now() }),
    ]);
    if (kind === 'permanent') stats.failedPermanent++;
    else stats.failedTransient++;
    await onBounce?.(job.sub.email, source).catch((error: unknown) => {
      throw suppressionFailed(job.sub.email, error);
    });
  }

  /** The held copies were refused for their recipients: the server took someone else's copy of the same message. */
  async #settleHeld(): Promise<void> {
    for (const { job, failure } of this.#streak.delivered())
      await this.#fail(job, { ...failure, message: `${failure.message} (refused for this recipient only: the server accepted the same message for others)` }, 'permanent');
  }

  /**
   * The list is done. Recipients still held: with a delivery in this run the server takes our
   * message, so their copies were refused for them (failed); with none, nothing shows the problem
   * is theirs, so they stay pending and the run stops.
   */
  async #drained(): Promise<void> {
    const last = this.#streak.last;
    if (this.#stopped || !this.#streak.size || !last) return;
    if (this.#deliveredAny) return this.#settleHeld();
    this.#stop({
      reason: 'refused',
      message: `The SMTP server refused the message for every recipient it was offered to (${this.#streak.size}) and accepted none: ${describeFailure(last)}. Nobody was recorded as failed: they stay pending`,
      failure: { ...last, fix: last.fix ?? MESSAGE_FIX },
    });
  }
}

/** A hard bounce recorded as failed could not be added to the suppression list: the run stops (ESTATE, exit 3) and the journal keeps it. */
function suppressionFailed(email: string, error: unknown): NewsletterError {
  const why = isNewsletterError(error) ? error.message : String(error);
  return new NewsletterError('ESTATE', `${email} hard-bounced but could not be added to the suppression list: ${why}. It is kept in the journal: fix the state folder and run the same command again, which adds it to the list before sending anything`, {
    where: isNewsletterError(error) ? error.where : undefined,
    fix: 'Fix the state folder, then run the same command again: it adds the address to the suppression list before sending anything. Send no other issue until then.',
    cause: error,
  });
}
