import { relative, resolve } from 'node:path';
import { CONTROL_CHAR } from '../content/index.ts';
import { EXIT, isNewsletterError } from '../errors.ts';
import type { Stop } from './deliver.ts';
import { exitCodeOf, failedTotal, skippedTotal, type IssueNamed, type Progress, type SendSummary } from './summary.ts';

/** Text for the progress display and the final report. Pure: the CLI decides where it goes. */

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function rateOf(p: Progress, now: number): number {
  const secs = (now - p.startedAt) / 1000;
  return secs > 0 ? p.sent / secs : 0;
}

function eta(p: Progress, now: number): string {
  const rate = rateOf(p, now);
  if (p.total === undefined || rate <= 0) return '–';
  return duration((Math.max(0, p.total - p.done) / rate) * 1000);
}

/** A path as the user would type it from here: relative below cwd, absolute elsewhere. */
function shortPath(p: string, cwd: string): string {
  const abs = resolve(cwd, p);
  const r = relative(cwd, abs);
  return !r ? '.' : r.startsWith('..') ? abs : r;
}

const CONTROL_RUNS = new RegExp(`${CONTROL_CHAR.source}+`, 'gu');

/** `issue 3 “Subject” (content/issues/2026-03-01-x.md)`: which issue a run sends, printed before the first message. */
export function issueLabel(issue: IssueNamed, cwd = process.cwd()): string {
  // Control characters cannot reach a subject that validated; a terminal is still no place for them.
  const subject = issue.subject.replace(CONTROL_RUNS, '⏎');
  return `issue ${issue.number} “${subject}”${issue.file ? ` (${shortPath(issue.file, cwd)})` : ''}`;
}

/**
 * One line for a terminal, redrawn in place: bar, count, rate, ETA, failures.
 * Without a total (a list read from a pipe) there is no bar and no ETA, only the count.
 */
export function progressBar(p: Progress, now: number, width = 24): string {
  const rate = `${rateOf(p, now).toFixed(1)}/s`;
  const parts = p.total === undefined ? [`${p.done} done`, rate] : [`${bar(p.total ? p.done / p.total : 0, width)} ${p.done}/${p.total}`, rate, `ETA ${eta(p, now)}`];
  if (p.failed) parts.push(`${p.failed} failed`);
  if (p.retrying) parts.push(`${p.retrying} retrying`);
  return parts.join(' · ');
}

function bar(frac: number, width: number): string {
  const filled = Math.round(Math.min(1, frac) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/**
 * The list is done and only deferred recipients wait: what the CLI shows instead of the bar
 * (redrawn on a terminal, once per retry wave in a log). The run keeps going until they are
 * delivered or out of retries; Ctrl-C leaves them pending for the same command.
 */
export function countdownLine(p: Progress, now: number): string | undefined {
  if (p.nextRetryAt === undefined || !p.retrying) return undefined;
  const who = `${p.retrying} deferred recipient${p.retrying === 1 ? '' : 's'} waiting`;
  return `${who}; next retry in ${duration(Math.max(0, p.nextRetryAt - now))} — Ctrl-C stops; they stay pending and the same command sends to them`;
}

/** A plain line for logs (not a terminal). */
export function progressLine(p: Progress, now: number): string {
  const pct = p.total ? ` (${Math.floor((100 * Math.min(p.done, p.total)) / p.total)}%)` : '';
  return `progress: ${p.done}${p.total !== undefined ? `/${p.total}` : ''}${pct} done, ${p.sent} sent, ${p.failed} failed, ${p.skipped} skipped, ${rateOf(p, now).toFixed(1)}/s${p.total !== undefined ? `, ETA ${eta(p, now)}` : ''}`;
}

const STOP_FIX: Record<Stop['reason'], string> = {
  interrupted: 'Run the same command again to resume; nobody recorded as sent gets it twice.',
  refused: 'Fix what the server refused (the login, the sender or the message), then run the same command again: the recipients it refused are still pending.',
  unreachable: 'Check SMTP_URL / SMTP_HOST and SMTP_PORT, the network and TLS (SMTP_REQUIRE_TLS), then run the same command again to resume.',
  'failure-rate': 'Look at the failures below (wrong list? server refusing?), then run the same command again to resume.',
  journal: 'Fix the journal problem (disk space, permissions), then run the same command again to resume.',
  list: 'Fix the subscriber list at the row named, then run the same command again to resume.',
  error: 'This is a bug in newsletter; please report it. The journal is consistent: rerun to resume.',
};

/**
 * The local send's own errors (its journal, its list: these codes) keep the texts above, written for them. An
 * error from elsewhere that names its own fix (a worker's Redis records, EQUEUE) prints that fix:
 * "fix the journal problem (disk space, permissions)" would send the reader to the wrong place.
 */
const LOCAL_CODES: ReadonlySet<string> = new Set(['ESEND', 'ESTATE', 'ESUBSCRIBERS']);

function ownFix(error: unknown): string | undefined {
  return isNewsletterError(error) && error.fix && !LOCAL_CODES.has(error.code) ? error.fix : undefined;
}

/** The server's refusal or a connection problem names its own fix (the setting to change) when the classifier knows it. */
function stopFix(stop: Stop): string {
  const own = ownFix(stop.error);
  if (own) return own;
  const named = stop.reason === 'refused' || stop.reason === 'unreachable' ? stop.failure?.fix : undefined;
  if (!named) return STOP_FIX[stop.reason];
  return /run the same command/i.test(named) ? named : `${named} Then run the same command again to resume.`;
}

export function formatSummary(s: SendSummary, cwd = process.cwd()): string[] {
  const rel = (p: string) => shortPath(p, cwd);
  const t = s.tally;
  const f = failedTotal(s);
  const secs = s.durationMs / 1000;
  const verb = s.mode === 'dry-run' ? 'written' : 'sent';
  const skippedParts = [
    t.suppressed && `${t.suppressed} suppressed`,
    t.byStatus && `${t.byStatus} unsubscribed/bounced/complained`,
    t.invalid && `${t.invalid} invalid`,
    t.duplicate && `${t.duplicate} duplicate`,
    s.stats.skippedInvalid && `${s.stats.skippedInvalid} unsafe values`,
  ].filter(Boolean);
  const code = exitCodeOf(s);
  const head =
    s.stop ? `■ Stopped early: ${s.stop.message}` : s.mode === 'dry-run' ? '✔ Dry run: nothing was sent' : code === EXIT.OK ? '✔ Done: everyone deliverable got the issue' : '✖ Finished with failures';
  const lines = [head];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(22)}${value}`);
  row('issue', issueLabel(s.issue, cwd).replace(/^issue /, ''));
  row(verb, `${s.stats.sent}${t.sentEarlier ? ` (+${t.sentEarlier} in earlier runs)` : ''}`);
  if (s.mode !== 'dry-run') {
    row('failed permanently', `${f.permanent}${f.permanent && !s.stop ? ' (once the cause is fixed: --retry-failed=all; hard bounces stay suppressed)' : ''}`);
    row('failed transiently', `${f.transient}${f.transient && !s.stop ? ' (retry with --retry-failed)' : ''}`);
  }
  row('skipped', `${skippedTotal(t, s.stats)}${skippedParts.length ? ` (${skippedParts.join(', ')})` : ''}`);
  if (t.inFlightAtLastStop) row('were in flight', `${t.inFlightAtLastStop} (when the last run stopped; sent again, so each may have got a second copy)`);
  if (s.stats.throttled) row('throttled', `${s.stats.throttled} times (slowed down; not failures)`);
  if (s.stats.deferred) row('deferred', `${s.stats.deferred} (retried later, each alone; not failures)`);
  if (t.leftByLimit) row('left by --limit', `${t.leftByLimit} (run again to continue)`);
  if (s.retriesWaiting) row('waiting for retry', `${s.retriesWaiting} (recorded as pending)`);
  row('duration', duration(s.durationMs));
  row('rate', `${secs > 0 ? (s.stats.sent / secs).toFixed(1) : '0.0'} msg/s`);
  if (s.outbox) row('outbox', rel(s.outbox));
  if (s.failuresCsv) row('failures and bad rows', rel(s.failuresCsv));
  if (s.journal) row('journal', rel(s.journal));
  if (s.stop) lines.push(`  fix: ${stopFix(s.stop)}`);
  return lines;
}
