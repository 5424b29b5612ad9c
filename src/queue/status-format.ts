import { CONTROL_CHAR } from '../content/index.ts';
import { duration } from '../send/index.ts';
import { hiddenPasswordNote } from '../redis/index.ts';
import { unsentAdvice } from './control.ts';
import type { CampaignStatus, WorkerStatus } from './status.ts';

/** The human report of `newsletter status`. Pure: the CLI decides where it goes. */

export interface FormatOptions {
  /** The --queue URL as shown (no password), for the next-step hint. */
  queue?: string;
  /** The --queue URL had a password, which `queue` shows as ***: the pasted hint needs it back. */
  passwordHidden?: boolean;
  /** Bar width in characters. */
  width?: number;
}

const CONTROL_RUNS = new RegExp(`${CONTROL_CHAR.source}+`, 'gu');
/** Worker hosts and subjects come from Redis, written by other machines: no control characters reach the terminal. */
const clean = (text: string) => text.replace(CONTROL_RUNS, '⏎');

/** An argument the shell reads back as is (the hint is pasted). */
const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);

function bar(frac: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, frac)) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

const perSecond = (rate: number) => `${rate.toFixed(1)} msg/s`;

/** "3s", "4m", "2h": how long ago a worker last wrote its line (clocks differ a little between hosts). */
function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

function progressRow(s: CampaignStatus, width: number): string {
  const pct = s.total ? ` (${Math.floor((100 * Math.min(s.done, s.total)) / s.total)}%)` : '';
  const enqueueing = s.enqueued ? '' : ' — list not fully enqueued yet';
  return `${bar(s.total ? s.done / s.total : 0, width)} ${s.done}/${s.total}${pct}${enqueueing}`;
}

function workerRow(w: WorkerStatus, now: number): string {
  // A worker whose alive key expired without writing `stopped` died (or lost Redis): its last line is history.
  const state = w.alive ? w.state : w.state === 'stopped' ? 'stopped' : `gone (was ${w.state})`;
  return [
    `${clean(w.id)}  ${clean(w.host)} pid ${w.pid}`,
    state,
    `sent ${w.sent}`,
    `failed ${w.failed}`,
    w.alive ? perSecond(w.rate) : '–',
    `last seen ${ago(now - w.updated)} ago`,
  ].join(' · ');
}

function nextStep(s: CampaignStatus, queue: string, passwordHidden: boolean): string {
  const hint = step(s, queue);
  // Once per line, and only on lines with a command to paste.
  return passwordHidden && hint.includes(`--queue ${quote(queue)}`) ? `${hint}${hiddenPasswordNote(true)}` : hint;
}

function step(s: CampaignStatus, queue: string): string {
  const cmd = (name: string) => `newsletter ${name} --queue ${quote(queue)} --campaign ${quote(s.id)}`;
  const failed = s.counts.failedPermanent + s.counts.failedTransient;
  switch (s.phase) {
    case 'finished':
      return failed ? `finished: ${failed} not delivered (failed); everyone else was sent the issue or skipped by a rule.` : 'finished: everyone was sent the issue or skipped by a rule.';
    case 'cancelled':
      return `cancelled (final): ${s.remaining} recipients were not sent the issue and will not be from this campaign. ${unsentAdvice(quote(s.id), quote(queue))}`;
    case 'paused':
      return `paused: workers take no more recipients. Resume: ${cmd('resume')}`;
    case 'active':
      if (!s.workers.some((w) => w.alive)) return `no worker is running: start one on each sending host with \`newsletter worker --queue ${quote(queue)}\`.`;
      if (!s.enqueued) return `still enqueueing: if \`newsletter send … --queue\` is no longer running, run it again (it resumes, never duplicates). Pause: ${cmd('pause')}`;
      return `sending. Pause: ${cmd('pause')} · cancel: ${cmd('cancel')}`;
  }
}

export function formatStatus(s: CampaignStatus, options: FormatOptions = {}): string {
  const c = s.counts;
  const lines = [`Campaign ${clean(s.id)}: ${s.phase}`];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(14)}${value}`);
  row('issue', `${clean(s.issue)} “${clean(s.subject)}”`);
  row('list', clean(s.list));
  if (s.created) row('created', s.created);
  row('progress', progressRow(s, options.width ?? 24));
  row('sent', String(c.sent));
  row('failed', `${c.failedPermanent + c.failedTransient} (${c.failedPermanent} permanently, ${c.failedTransient} transiently)`);
  row('skipped', `${c.skipped}${c.skipped ? ' (suppressed since enqueued, or unsafe values)' : ''}`);
  row('pending', `${c.queued} (waiting for a worker)`);
  row('in flight', `${c.claimed + c.sending} (${c.claimed} claimed by workers, ${c.sending} being sent)`);
  row('retrying', String(c.retrying));
  if (c.duplicates > 0) row('possible dups', `${c.duplicates} (sent again after a worker or Redis died mid-send: each may have got a second copy)`);
  const live = s.workers.filter((w) => w.alive).length;
  row('rate', `${perSecond(s.rate)} (${live} live worker${live === 1 ? '' : 's'}${s.rateLimit ? `; campaign limit ${s.rateLimit}/s` : ''})`);
  row('ETA', s.etaMs === null ? '–' : duration(s.etaMs));
  lines.push(s.workers.length ? 'Workers:' : 'Workers: none yet');
  for (const w of s.workers) lines.push(`  ${workerRow(w, s.at)}`);
  lines.push(`→ ${nextStep(s, options.queue ?? 'URL', options.passwordHidden === true)}`);
  return lines.join('\n');
}
