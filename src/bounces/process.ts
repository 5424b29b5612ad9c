import { createHash } from 'node:crypto';
import { bounceKind, findReturnPathToken, type FeedbackItem, type FeedbackKind, type FeedbackRecorder, type AppliedItem } from '../audience/index.ts';
import type { JournalRecipients } from './journal-recipients.ts';
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
  /** Understood, but not proven to be about a recipient of this list (a forged or stale token, no token, an address never sent to): left in place, listed. */
  | { ref: string; status: 'not-applied'; format: string; reason: string }
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
  const id = recordId(report.messageId, message.raw);
  if (options.recorder.has(id)) {
    await markProcessed(message, options);
    return { ref, status: 'duplicate', format: report.format };
  }
  const found = await itemsOf(report, options);
  // Not proven to be about one of our recipients: left in place, like a message not understood,
  // so a run against the wrong --state (or before a journal is restored) uses nothing up.
  if (found.notApplied) return { ref, status: 'not-applied', format: report.format, reason: found.notApplied };
  const result = await options.recorder.record({ id, source: `${options.source.describe}: ${ref}`, items: found.items });
  await markProcessed(message, options);
  if (result.duplicate) return { ref, status: 'duplicate', format: report.format };
  return { ref, status: 'applied', format: report.format, applied: result.applied };
}

/**
 * A message's id in the ledger: its Message-ID with a hash of its body (the part after the header
 * block, the same in every copy of it, whatever routing headers a mailbox added), so a different
 * message that reuses a Message-ID (an auto-reply first, a real bounce later) is still applied; the
 * whole message's hash when it has no Message-ID. Line ends and trailing space are normalized first:
 * a Maildir file has LF, the same message over IMAP CRLF. "mail:" keeps these apart from webhook ids.
 */
function recordId(messageId: string | undefined, raw: Buffer): string {
  const text = raw.toString('latin1').replace(/\r\n?/g, '\n');
  const end = text.indexOf('\n\n');
  const hash = (part: string) => createHash('sha256').update(part.trimEnd(), 'latin1').digest('hex').slice(0, 32);
  return messageId ? `mail:${messageId}:${hash(end === -1 ? '' : text.slice(end + 2))}` : `sha256:${hash(text)}`;
}

async function markProcessed(message: SourceMessage, options: ProcessOptions): Promise<void> {
  if (!options.dryRun) await options.source.markProcessed(message);
}

function tally(summary: BounceSummary, outcome: MessageOutcome): void {
  if (outcome.status === 'duplicate') summary.duplicates++;
  else if (outcome.status === 'unknown') summary.unknown.push({ ref: outcome.ref, reason: outcome.reason });
  else if (outcome.status === 'not-applied') summary.notApplied.push({ ref: outcome.ref, reason: outcome.reason });
  else {
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
  /** Why it cannot be applied to anyone: then nothing is recorded and the message stays where it is. */
  notApplied?: string | undefined;
}

/** Kinds that change something for the subscriber: they need a proven recipient. */
const APPLIES: ReadonlySet<FeedbackKind> = new Set(['hard', 'soft', 'complaint']);

const NO_TOKEN =
  'no return-path token: with BOUNCE_ADDRESS set, only a report that comes back to a signed return path is applied (anyone can write a report naming anyone)';
/** Where the recipients were looked up: the state folder's journals, and with --queue the campaigns in Redis. */
const staleToken = (where: string) => `its return-path token matches no recipient in ${where} (forged, a --test copy, or another --state folder or --queue): left in place`;

/**
 * Who the report is about, and what it says of them. With BOUNCE_ADDRESS, the
 * signed return-path token decides, and a report without one applies nothing.
 * Without it (nothing is signed), the report must name exactly one address this
 * list mailed, and when it quotes our Message-ID, the one made for that address.
 */
async function itemsOf(report: ClassifiedMessage, options: ProcessOptions): Promise<Found> {
  const returnPaths = [...report.deliveredTo, ...(report.original?.returnPath ? [report.original.returnPath] : [])];
  const token = options.bounceAddress ? findReturnPathToken(returnPaths, options.bounceAddress) : undefined;
  const byToken = token ? await options.recipients.byToken(token) : undefined;
  // With BOUNCE_ADDRESS only the token proves who and which issue; without it, the report's own words.
  const signed = options.bounceAddress !== undefined;
  const issue = byToken?.slug ?? (signed ? undefined : issueOfMessageId(report.original?.messageId));
  if (report.kind === 'auto-reply') return { items: [{ kind: 'auto-reply', email: byToken?.email, issue, detail: report.format }] };
  const items = report.kind === 'complaint' ? [complaintItem(report)] : report.recipients.map(failureItem);
  if (token && !byToken) return { items: [], notApplied: staleToken(options.recipients.describe) };
  // Nothing to apply (delays, sender refusals): recorded for stats, naming someone only as far as it is proven.
  if (!items.some((item) => APPLIES.has(item.kind))) return { items: items.map((item) => ({ ...item, email: byToken?.email ?? (signed ? undefined : item.email), issue })) };
  if (signed && !byToken) return { items: [], notApplied: NO_TOKEN };
  const who = byToken ?? (await unsignedRecipient(report, items, options));
  if ('why' in who) return { items: [], notApplied: who.why };
  // Each of our messages has one recipient: the report is about that address, whatever else it lists.
  return { items: dedupe(items.map((item) => ({ ...item, email: who.email, issue: issue ?? who.slug }))) };
}

function complaintItem(report: ClassifiedMessage): FeedbackItem {
  return { kind: 'complaint', email: report.recipients[0]?.address, detail: `feedback-type ${report.feedbackType ?? 'abuse'}` };
}

function failureItem(recipient: ReportRecipient): FeedbackItem {
  return { kind: kindOf(recipient), email: recipient.address ?? recipient.originalRecipient, status: recipient.status, detail: recipient.diagnostic };
}

/** Without BOUNCE_ADDRESS: the one mailed address the report names (or our Message-ID stands for). */
async function unsignedRecipient(report: ClassifiedMessage, items: FeedbackItem[], options: ProcessOptions): Promise<{ email: string; slug?: string | undefined } | { why: string }> {
  const named = [...new Set(items.filter((item) => APPLIES.has(item.kind) && item.email).map((item) => item.email!.toLowerCase()))];
  const mailed = [];
  for (const email of named) {
    const issues = await options.recipients.issuesOf(email);
    if (issues.mailed) mailed.push({ email, slug: issues.slug });
  }
  const ours = report.original?.messageId ? await options.recipients.byMessageId(report.original.messageId) : undefined;
  if (mailed.length > 1) return { why: `it names ${mailed.length} addresses this list mailed; each of our messages has one recipient, so it is not a report about one of them` };
  const one = mailed[0];
  if (one && ours && ours.email.toLowerCase() !== one.email) return { why: `it names ${one.email}, but the message it returns was made for another recipient` };
  if (one) return one;
  if (ours) return { email: ours.email, slug: ours.slug };
  return { why: named.length ? `${named[0]} was never mailed according to ${options.recipients.describe}` : 'it names no recipient (a redacted report) and quotes none of our Message-IDs' };
}

/** What a failed recipient means for the subscriber (see audience/bounce-kind.ts). */
function kindOf(recipient: ReportRecipient): FeedbackKind {
  if (recipient.action === 'delayed') return 'delayed';
  if (recipient.action === 'delivered' || recipient.action === 'relayed' || recipient.action === 'expanded') return 'ignored';
  const kind = bounceKind(recipient.status, recipient.diagnostic);
  // A transient failure is never a hard bounce, whatever its words say.
  return !recipient.permanent && kind === 'hard' ? 'soft' : kind;
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
