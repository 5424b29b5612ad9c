import { relative } from 'node:path';
import type { Stop } from './deliver.ts';
import { exitCodeOf, failedTotal, skippedTotal, type Progress, type SendSummary } from './summary.ts';

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

/** One line for a terminal, redrawn in place: bar, count, rate, ETA, failures. */
export function progressBar(p: Progress, now: number, width = 24): string {
  const frac = p.total ? Math.min(1, p.done / p.total) : 0;
  const filled = Math.round(frac * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  const count = p.total !== undefined ? `${p.done}/${p.total}` : `${p.done}`;
  const extra = [p.failed ? `${p.failed} failed` : '', p.retrying ? `${p.retrying} retrying` : ''].filter(Boolean).join(' · ');
  return `${bar} ${count} · ${rateOf(p, now).toFixed(1)}/s · ETA ${eta(p, now)}${extra ? ` · ${extra}` : ''}`;
}

/** A plain line for logs (not a terminal). */
export function progressLine(p: Progress, now: number): string {
  const pct = p.total ? ` (${Math.floor((100 * Math.min(p.done, p.total)) / p.total)}%)` : '';
  return `progress: ${p.done}${p.total !== undefined ? `/${p.total}` : ''}${pct} done, ${p.sent} sent, ${p.failed} failed, ${p.skipped} skipped, ${rateOf(p, now).toFixed(1)}/s, ETA ${eta(p, now)}`;
}

const STOP_FIX: Record<Stop['reason'], string> = {
  interrupted: 'Run the same command again to resume; nobody recorded as sent gets it twice.',
  auth: 'Check SMTP_USER/SMTP_PASSWORD (or the credentials in SMTP_URL), then run the same command again to resume.',
  unreachable: 'Check SMTP_URL / SMTP_HOST and SMTP_PORT, the network and TLS (SMTP_REQUIRE_TLS), then run the same command again to resume.',
  'failure-rate': 'Look at the failures below (wrong list? server refusing?), then run the same command again to resume.',
  journal: 'Fix the journal problem (disk space, permissions), then run the same command again to resume.',
  list: 'Fix the subscriber list at the row named, then run the same command again to resume.',
  error: 'This is a bug in newsletter; please report it. The journal is consistent: rerun to resume.',
};

export function formatSummary(s: SendSummary, cwd = process.cwd()): string[] {
  const rel = (p: string) => {
    const r = relative(cwd, p);
    return !r ? '.' : r.startsWith('..') ? p : r;
  };
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
    s.stop ? `■ Stopped early: ${s.stop.message}` : s.mode === 'dry-run' ? '✔ Dry run: nothing was sent' : code === 0 ? '✔ Done: everyone deliverable got the issue' : '✖ Finished with failures';
  const lines = [head];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(22)}${value}`);
  row(verb, `${s.stats.sent}${t.sentEarlier ? ` (+${t.sentEarlier} in earlier runs)` : ''}`);
  if (s.mode !== 'dry-run') {
    row('failed permanently', `${f.permanent}`);
    row('failed transiently', `${f.transient}${f.transient && !s.stop ? ' (retry with --retry-failed)' : ''}`);
  }
  row('skipped', `${skippedTotal(t, s.stats)}${skippedParts.length ? ` (${skippedParts.join(', ')})` : ''}`);
  if (t.resentAfterCrash) row('resent after a crash', `${t.resentAfterCrash} (were in flight; may have a second copy)`);
  if (s.stats.throttled) row('throttled', `${s.stats.throttled} times (slowed down; not failures)`);
  if (t.leftByLimit) row('left by --limit', `${t.leftByLimit} (run again to continue)`);
  if (s.retriesWaiting) row('waiting for retry', `${s.retriesWaiting} (recorded as pending)`);
  row('duration', duration(s.durationMs));
  row('rate', `${secs > 0 ? (s.stats.sent / secs).toFixed(1) : '0.0'} msg/s`);
  if (s.outbox) row('outbox', rel(s.outbox));
  if (s.failuresCsv) row('failures and bad rows', rel(s.failuresCsv));
  if (s.journal) row('journal', rel(s.journal));
  if (s.stop) lines.push(`  fix: ${STOP_FIX[s.stop.reason]}`);
  return lines;
}
