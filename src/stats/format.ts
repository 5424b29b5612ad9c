import { CONTROL_CHAR } from '../content/index.ts';
import { THRESHOLDS } from './rates.ts';
import type { DeliveryCounts, FeedbackCounts, IssueStats, RateLine, StatsReport } from './types.ts';

/** The report as text for a terminal. Pure: the CLI decides where it goes. */

/** How stats attributes what came back, in one line (the --help and the report's footer say it). */
export const ATTRIBUTION_RULE =
  'A report counts only with its address (a bounce or complaint that applied to nobody, forged or unknown, does not); one naming its issue counts for that issue; any other report, and every unsubscribe, counts for the issue last sent to that address at or before it; the rest is "not attributed".';

/** The hard-bounce rate's formula (the --help, the report's footer and types.ts say it). */
export const HARD_BOUNCE_RULE = 'hard bounces (refused at send + reported after) / (sent + failed permanently)';

export const MARK = { ok: '✔', warn: '⚠', over: '✖' } as const;

const CONTROL_RUNS = new RegExp(`${CONTROL_CHAR.source}+`, 'gu');
const clean = (text: string) => text.replace(CONTROL_RUNS, '⏎');
const count = (n: number) => n.toLocaleString('en-US');
/** A fraction as a percentage with two decimals: 0.0025 → "0.25 %". */
export const percent = (fraction: number) => `${(fraction * 100).toFixed(2)} %`;
const time = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '–');
/** "name n" parts, zero ones left out, or "none". */
const parts = (pairs: [string, number][]) => pairs.filter(([, n]) => n > 0).map(([name, n]) => `${name} ${count(n)}`).join(', ');

export function formatStats(report: StatsReport, options: { all: boolean }): string {
  const blocks = report.issues.map(formatIssue);
  const none = report.notAttributed;
  if (options.all && (none.unsubscribed > 0 || Object.values(none.feedback).some((n) => n > 0)))
    blocks.push(['Not attributed (no issue named, and nothing sent to that address before it)', `  ${afterLine(none.feedback, none.unsubscribed)}`].join('\n'));
  const footer = [
    `Attribution: ${ATTRIBUTION_RULE}`,
    'Complaints here are the reports that came back (feedback loops, ESP webhooks); Gmail sends none per message: its spam rate is in Postmaster Tools.',
    `Hard-bounce rate: ${HARD_BOUNCE_RULE}, every delivery attempted; a refusal at send counts when the send suppressed it (550 5.1.1 and the like).`,
  ];
  if (report.problems) footer.push(`${count(report.problems)} damaged line${report.problems === 1 ? '' : 's'} or unreadable file${report.problems === 1 ? '' : 's'} skipped (listed on stderr); the counts above leave them out.`);
  return [...blocks, footer.join('\n')].join('\n\n');
}

function formatIssue(issue: IssueStats): string {
  const slug = clean(issue.slug);
  const title = issue.number === null ? `Issue ${slug}` : `Issue ${issue.number}${issue.subject === null ? '' : ` “${clean(issue.subject)}”`} (${slug})`;
  const lists = issue.lists.map((l) => clean(l.list) || l.journal).join(', ');
  return [
    title,
    `  sent to      ${lists}: first ${time(issue.firstSentAt)}, last ${time(issue.lastSentAt)}`,
    `  delivery     ${deliveryLine(issue.delivery)}`,
    `  came back    ${afterLine(issue.feedback, issue.unsubscribed)}`,
    `  ${rateLine('complaint rate', issue.rates.complaint, `(${THRESHOLDS.complaint.source})`)}`,
    `  ${rateLine('hard bounces', issue.rates.hardBounce, `(${THRESHOLDS.hardBounce.source})`)}`,
    ...(issue.rates.hardBounce.value === null ? [] : [`    ${hardBounceSum(issue)}`]),
    `  ${rateLine('unsubscribes', issue.rates.unsubscribe, undefined)}`,
  ].join('\n');
}

/** The hard-bounce rate's numbers, as HARD_BOUNCE_RULE adds them up. */
function hardBounceSum({ delivery: d, feedback: f }: IssueStats): string {
  return `= (${count(d.failed.hardBounce)} refused at send + ${count(f.hard)} reported after) / (${count(d.sent)} sent + ${count(d.failed.permanent)} failed permanently)`;
}

function deliveryLine(d: DeliveryCounts): string {
  const out = [`sent ${count(d.sent)}`];
  const hard = d.failed.hardBounce ? `; ${count(d.failed.hardBounce)} of them hard bounces, suppressed by the send` : '';
  out.push(`failed ${count(d.failed.total)}${d.failed.total ? ` (${parts([['permanent', d.failed.permanent], ['transient', d.failed.transient]])}${hard})` : ''}`);
  const reasons = Object.entries(d.skipped.byReason).sort(([a], [b]) => a.localeCompare(b));
  out.push(`skipped ${count(d.skipped.total)}${d.skipped.total ? ` (${parts(reasons.map(([why, n]) => [clean(why), n]))})` : ''}`);
  out.push(`pending ${count(d.pending.total)}${d.pending.total ? ` (${parts([['waiting for a retry', d.pending.retry], ['in flight', d.pending.inFlight]])}): run the same send again to finish` : ''}`);
  return out.join(' · ');
}

function afterLine(f: FeedbackCounts, unsubscribed: number): string {
  return [
    `bounced hard ${count(f.hard)}`,
    `bounced soft ${count(f.soft)}`,
    `refused as sender problems ${count(f.sender)}`,
    `complained ${count(f.complaint)}`,
    `auto-replies ${count(f.autoReply)}`,
    ...(f.delayed ? [`delayed ${count(f.delayed)}`] : []),
    `unsubscribed ${count(unsubscribed)}`,
  ].join(' · ');
}

function rateLine(name: string, r: RateLine, source: string | undefined): string {
  const value = r.value === null ? 'n/a (nothing sent)' : percent(r.value);
  const mark = r.status === null ? ' ' : MARK[r.status];
  const why = [verdict(r), source].filter(Boolean).join(' ');
  return `${mark} ${name.padEnd(15)}${value.padStart(9)}${why ? `   ${why}` : ''}`;
}

/** A threshold as written in the rules: 0.001 → "0.1 %". */
const threshold = (fraction: number) => `${Number((fraction * 100).toFixed(2))} %`;

function verdict(r: RateLine): string {
  if (r.limit === null) return 'no threshold';
  if (r.status === 'over') return `at or over the ${threshold(r.limit)} limit`;
  if (r.status === 'warn' && r.aim !== null) return `over the ${threshold(r.aim)} aim, under the ${threshold(r.limit)} limit`;
  if (r.status === 'ok') return `under ${threshold(r.aim ?? r.limit)}`;
  return `limit ${threshold(r.limit)}`;
}
