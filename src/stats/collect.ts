import { relative, resolve } from 'node:path';
import { NewsletterError } from '../errors.ts';
import { Events, type AttributedEvent, type EventKind } from './events.ts';
import { contentIssues, describeIssue, noJournalError, slugNamed, slugOfArgument, type ContentIssues } from './issues.ts';
import { listJournals } from '../send/index.ts';
import { SkipReasons, tallyJournal, type JournalTally, type Problem } from './journals.ts';
import { rate, THRESHOLDS } from './rates.ts';
import { readLedger, readUnsubscribes } from './sources.ts';
import { addDelivery, emptyDelivery, emptyFeedback, type FeedbackCounts, type IssueStats, type ListStats, type StatsReport } from './types.ts';

export interface StatsOptions {
  /** The state folder `newsletter send` used (journals, suppression.csv, feedback.jsonl). */
  stateDir: string;
  /** The content folder, for issue numbers and subjects (default: content). */
  contentDir?: string | undefined;
  /** Only this issue: a slug, a number ("3", "issue-3") or the issue's .md path. */
  issue?: string | undefined;
  cwd?: string | undefined;
  /** A damaged line or unreadable file (where, why): reported, skipped, counted in `problems`. */
  onProblem?: Problem | undefined;
}

/**
 * Per issue: each address's final state in its send journals, then what came back.
 *
 * Attribution (what counts for which issue):
 *   - a feedback-ledger item counts only with an address, and a hard, soft or complaint item only
 *     when the ledger applied it (action not 'none'; see readLedger);
 *   - such an item naming its issue (a slug, or "issue-N" as our Message-ID says, N mapped to the
 *     slug through the content folder) counts for that issue, when it was sent from this state folder;
 *   - any other item, and every unsubscribe in suppression.csv (at its added_at), counts for the
 *     issue most recently sent to that address at or before that time: the newest `sent` record
 *     for the address across all journals (the mail they were reacting to);
 *   - anything else (nothing sent to that address before it) is "not attributed".
 * Each address counts once per issue and kind: two reports of one bounce are one bounced address,
 * and a reported hard bounce of an address the send itself saw bounce for that issue (it is in
 * delivery.failed.hardBounce) is not counted again in feedback.hard.
 *
 * Memory: one journal's state index at a time (12–18 bytes an address) plus the events
 * (unsubscribes and feedback items, see events.ts); never an address → issue map of the sends.
 */
export async function collectStats(options: StatsOptions): Promise<StatsReport> {
  const cwd = options.cwd ?? process.cwd();
  // As given when run from the working folder (the CLI), so what it reports reads as typed.
  const stateDir = options.cwd === undefined ? options.stateDir : resolve(cwd, options.stateDir);
  let problems = 0;
  const onProblem: Problem = (where, why) => {
    problems++;
    options.onProblem?.(where, why);
  };

  const paths = await listJournals(stateDir, onProblem);
  if (!paths.length)
    throw new NewsletterError('ECONFIG', `No send journals in ${options.stateDir}: nothing was sent from this state folder`, {
      where: options.stateDir,
      fix: 'Pass --state DIR, the folder `newsletter send` used (default: .newsletter); stats reads its *.journal.jsonl files.',
    });
  const content = await contentIssues(options.contentDir ?? 'content', cwd, onProblem);
  const wanted = options.issue === undefined ? undefined : await slugOfArgument(options.issue, content);

  const events = new Events();
  await readUnsubscribes(stateDir, events, onProblem);
  await readLedger(stateDir, events, onProblem);

  // One journal at a time: its index is dropped before the next is read.
  const reasons = new SkipReasons();
  const tallies: JournalTally[] = [];
  for (const [id, path] of paths.entries()) tallies.push(await tallyJournal(path, id, events, reasons, onProblem));

  const slugs = new Set(tallies.map((t) => t.slug));
  if (wanted !== undefined && !slugs.has(wanted)) throw noJournalError(options.issue!, wanted, options.stateDir, [...slugs].sort());

  const attributed = attribute(events, tallies, slugs, content);
  const chosen = [...slugs].filter((slug) => wanted === undefined || slug === wanted);
  const issues = await Promise.all(chosen.map((slug) => issueStats(slug, tallies, attributed, content, cwd)));
  issues.sort((a, b) => (a.number ?? Infinity) - (b.number ?? Infinity) || (a.firstSentAt ?? '').localeCompare(b.firstSentAt ?? '') || a.slug.localeCompare(b.slug));

  const none = attributed.get(NOT_ATTRIBUTED);
  return {
    stateDir: options.stateDir,
    issues,
    notAttributed: { feedback: none?.feedback ?? emptyFeedback(), unsubscribed: none?.unsubscribed ?? 0 },
    problems,
  };
}

const NOT_ATTRIBUTED = '\0not attributed';

interface Attributed {
  feedback: FeedbackCounts;
  unsubscribed: number;
}

const FEEDBACK_KEY: Record<Exclude<EventKind, 'unsubscribed'>, keyof FeedbackCounts> = {
  hard: 'hard',
  soft: 'soft',
  sender: 'sender',
  complaint: 'complaint',
  'auto-reply': 'autoReply',
  delayed: 'delayed',
};

/** Counts per issue slug (and NOT_ATTRIBUTED), by the rule in collectStats' comment. */
function attribute(events: Events, tallies: JournalTally[], slugs: ReadonlySet<string>, content: ContentIssues): Map<string, Attributed> {
  const out = new Map<string, Attributed>();
  const bump = (slug: string, kind: EventKind) => {
    let counts = out.get(slug);
    if (!counts) out.set(slug, (counts = { feedback: emptyFeedback(), unsubscribed: 0 }));
    if (kind === 'unsubscribed') counts.unsubscribed++;
    else counts.feedback[FEEDBACK_KEY[kind]]++;
  };
  const target = (e: AttributedEvent) =>
    (e.named !== undefined ? slugNamed(e.named, slugs, content) : undefined) ?? (e.journal >= 0 ? tallies[e.journal]?.slug : undefined) ?? NOT_ATTRIBUTED;

  for (const list of events.byAddress()) {
    // Once per address, issue and kind.
    const seen = new Set<string>();
    for (const event of list) {
      const slug = target(event);
      // Already in that issue's delivery.failed.hardBounce: the send saw this address bounce.
      if (event.kind === 'hard' && event.atSend >= 0 && tallies[event.atSend]?.slug === slug) continue;
      const key = `${slug}\0${event.kind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      bump(slug, event.kind);
    }
  }
  return out;
}

async function issueStats(slug: string, tallies: JournalTally[], attributed: Map<string, Attributed>, content: ContentIssues, cwd: string): Promise<IssueStats> {
  const mine = tallies.filter((t) => t.slug === slug);
  const delivery = emptyDelivery();
  const lists: ListStats[] = mine.map((t) => {
    addDelivery(delivery, t.delivery);
    return { list: t.list, journal: relative(cwd, t.path), runs: t.runs, firstSentAt: iso(t.firstSent), lastSentAt: iso(t.lastSent), delivery: t.delivery };
  });
  const sentTimes = mine.flatMap((t) => [t.firstSent, t.lastSent]).filter((t): t is number => t !== undefined);
  const { feedback, unsubscribed } = attributed.get(slug) ?? { feedback: emptyFeedback(), unsubscribed: 0 };
  return {
    slug,
    ...(await describeIssue(slug, content)),
    firstSentAt: sentTimes.length ? iso(Math.min(...sentTimes)) : null,
    lastSentAt: sentTimes.length ? iso(Math.max(...sentTimes)) : null,
    lists,
    delivery,
    feedback,
    unsubscribed,
    rates: {
      complaint: rate(feedback.complaint, delivery.sent, THRESHOLDS.complaint),
      // HARD_BOUNCE_RULE: every delivery attempted (sent, or refused for good) over the bounces among them.
      hardBounce: rate(delivery.failed.hardBounce + feedback.hard, delivery.sent + delivery.failed.permanent, THRESHOLDS.hardBounce),
      unsubscribe: rate(unsubscribed, delivery.sent),
    },
  };
}

function iso(t: number | undefined): string | null {
  if (t === undefined) return null;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
