import { createHash } from 'node:crypto';
import { bounceKind, findReturnPathToken, type FeedbackItem, type FeedbackKind, type FeedbackRecorder, type AppliedItem } from '../audience/index.ts';
import type { JournalRecipient, JournalRecipients } from './journal-recipients.ts';
import { classifyMessage, type ClassifiedMessage, type ReportRecipient } from './report/index.ts';
import type { BounceSource, SourceMessage } from './sources/index.ts';

export interface ProcessOptions {
  source: BounceSource;
  recorder: FeedbackRecorder;
  recipients: JournalRecipients;
  /** BOUNCE_ADDRESS: where return-path tokens are looked for. */
  bounceAddress?: string | undefined;
  /** Say what would change; record, suppress and move nothing. */
  dryRun?: boolean | undefined;
  /** Each message as it is decided, for the CLI's lines. */
  onMessage?: ((outcome: MessageOutcome) => void) | undefined;
}

export type MessageOutcome =
  | { ref: string; status: 'applied'; format: string; applied: AppliedItem[] }
  | { ref: string; status: 'duplicate'; format: string }
  /** Understood, but about nobody this list mailed (a forged or stale token, an address never sent to): recorded, nothing applied. */
  | { ref: string; status: 'not-applied'; format: string; reason: string; applied: AppliedItem[] }
  /** Not understood: left where it is, listed. */
  | { ref: string; status: 'unknown'; format: string; reason: string };

export interface BounceSummary {
  read: number;
  /** Items by kind, over every message applied this run. */
  counts: Record<FeedbackKind, number>;
  /** Addresses suppressed by this run (or, in a dry run, that would be). */
  suppressed: string[];
  duplicates: number;
  notApplied: { ref: string; reason: string }[];
  unknown: { ref: string; reason: string }[];
  /** Messages the source did not read (too big, unreadable), left where they are. */
  skipped: { ref: string; reason: string }[];
}

const emptyCounts = (): Record<FeedbackKind, number> => ({ hard: 0, soft: 0, complaint: 0, sender: 0, delayed: 0, 'auto-reply': 0, ignored: 0 });

/**
 * Read every new message of `source`, understand it, and record what it says
 * in the feedback ledger (which applies the rules to the suppression list),
 * then mark it processed. Each message is recorded before it is marked, so a
 * crash in between only means the next run reads it again and finds its id
 * recorded (a duplicate: nothing applied twice).
 */
export async function processBounces(options: ProcessOptions): Promise<BounceSummary> {
  const summary: BounceSummary = { read: 0, counts: emptyCounts(), suppressed: [], duplicates: 0, notApplied: [], unknown: [], skipped: [] };
  for await (const message of options.source.messages()) {
    summary.read++;
    const outcome = await processOne(message, options);
    tally(summary, outcome);
    options.onMessage?.(outcome);
  }
  summary.skipped.push(...options.source.skipped);
  return summary;
}

async function processOne(message: SourceMessage, options: ProcessOptions): Promise<MessageOutcome> {
  const report = await classifyMessage(message.raw);
  const { ref } = message;
  if (report.kind === 'unknown') return { ref, status: 'unknown', format: report.format, reason: report.reason ?? 'not a bounce, complaint or auto-reply this tool recognises' };
  const id = report.messageId ?? `sha256:${createHash('sha256').update(message.raw).digest('hex')}`;
  if (options.recorder.has(id)) {
    await markProcessed(message, options);
    return { ref, status: 'duplicate', format: report.format };
  }
  const found = await itemsOf(report, options);
  const result = await options.recorder.record({ id, source: `${options.source.describe}: ${ref}`, items: found.items });
  await markProcessed(message, options);
  if (result.duplicate) return { ref, status: 'duplicate', format: report.format };
  if (found.notApplied) return { ref, status: 'not-applied', format: report.format, reason: found.notApplied, applied: result.applied };
  return { ref, status: 'applied', format: report.format, applied: result.applied };
}

async function markProcessed(message: SourceMessage, options: ProcessOptions): Promise<void> {
  if (!options.dryRun) await options.source.markProcessed(message);
}

function tally(summary: BounceSummary, outcome: MessageOutcome): void {
  if (outcome.status === 'duplicate') summary.duplicates++;
  else if (outcome.status === 'unknown') summary.unknown.push({ ref: outcome.ref, reason: outcome.reason });
  else {
    if (outcome.status === 'not-applied') summary.notApplied.push({ ref: outcome.ref, reason: outcome.reason });
    for (const item of outcome.applied) {
      summary.counts[item.kind]++;
      if (item.action === 'suppressed' && item.email) summary.suppressed.push(item.email);
    }
  }
}

/** Our Message-IDs end ".issue-N@domain>" (mail/message.ts): the issue a report is about, when it quotes one. */
const issueOfMessageId = (id: string | undefined) => (id ? /\.(issue-\d+)@[^>]*>?$/.exec(id)?.[1] : undefined);

interface Found {
  items: FeedbackItem[];
  /** Why nothing in it could be applied to anyone. */
  notApplied?: string | undefined;
}

/**
 * Who the report is about, and what it says of them. The return-path token
 * decides when there is one (it is signed: only we can make it); otherwise
 * the addresses the report names count only if this list mailed them.
 */
async function itemsOf(report: ClassifiedMessage, options: ProcessOptions): Promise<Found> {
  const token = options.bounceAddress ? findReturnPathToken([...report.deliveredTo, ...(report.original?.returnPath ? [report.original.returnPath] : [])], options.bounceAddress) : undefined;
  const byToken = token ? await options.recipients.byToken(token) : undefined;
  if (token && !byToken) return { items: [{ kind: 'ignored', detail: 'return path token matches no recipient' }], notApplied: 'its return-path token matches no recipient in the send journals (forged, or the journal was removed): nothing applied' };
  const issue = byToken?.slug ?? issueOfMessageId(report.original?.messageId);
  if (report.kind === 'auto-reply') return { items: [{ kind: 'auto-reply', email: byToken?.email, issue, detail: report.format }] };
  if (report.kind === 'complaint') {
    const named = report.recipients[0]?.address ?? report.original?.to[0];
    const who = await resolve(byToken, named, options);
    const detail = `feedback-type ${report.feedbackType ?? 'abuse'}`;
    if (!who.email) return { items: [{ kind: 'ignored', detail }], notApplied: who.why };
    return { items: [{ kind: 'complaint', email: who.email, issue: issue ?? who.issue, detail }] };
  }
  const items: FeedbackItem[] = [];
  const reasons: string[] = [];
  for (const recipient of report.recipients) {
    const who = await resolve(byToken, recipient.address ?? recipient.originalRecipient, options);
    const kind = kindOf(recipient);
    if (!who.email && (kind === 'hard' || kind === 'soft')) reasons.push(who.why ?? 'no recipient');
    items.push({ kind, email: who.email, issue: issue ?? who.issue, status: recipient.status, detail: recipient.diagnostic });
  }
  // A token names exactly one recipient (each message goes to one): its report is about that address only.
  const unique = byToken ? dedupe(items) : items;
  const applicable = unique.some((item) => item.email && (item.kind === 'hard' || item.kind === 'soft'));
  return { items: unique, notApplied: !applicable && reasons.length ? reasons[0] : undefined };
}

/** What a failed recipient means for the subscriber (see audience/bounce-kind.ts). */
function kindOf(recipient: ReportRecipient): FeedbackKind {
  if (recipient.action === 'delayed') return 'delayed';
  if (recipient.action === 'delivered' || recipient.action === 'relayed' || recipient.action === 'expanded') return 'ignored';
  const kind = bounceKind(recipient.status, recipient.diagnostic);
  // A transient failure is never a hard bounce, whatever its words say.
  return !recipient.permanent && kind === 'hard' ? 'soft' : kind;
}

async function resolve(byToken: JournalRecipient | undefined, named: string | undefined, options: ProcessOptions): Promise<{ email?: string; issue?: string; why?: string }> {
  if (byToken) return { email: byToken.email, issue: byToken.slug };
  if (!named) return { why: 'it names no recipient (a redacted report, and no return-path token)' };
  const issues = await options.recipients.issuesOf(named);
  if (!issues.length) return { why: `${named} was never mailed from this state folder's journals: nothing applied` };
  return { email: named, ...(issues.length === 1 ? { issue: issues[0] } : {}) };
}

function dedupe(items: FeedbackItem[]): FeedbackItem[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = `${item.kind}\0${item.email ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
