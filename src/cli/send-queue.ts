import { formatRowProblem, type RowProblem } from '../audience/index.ts';
import { EXIT, NewsletterError, type ExitCode } from '../errors.ts';
import { enqueueCampaign } from '../queue/index.ts';
import { hiddenPasswordNote, parseQueueUrl } from '../redis/index.ts';
import type { BuiltIssue } from '../render/index.ts';
import type { SendEnv } from '../config/index.ts';
import { intFlag, shellQuote } from './command.ts';

/** The flags of a local send that mean nothing for an enqueue (workers decide them, or they need the whole list at once). */
const LOCAL_ONLY = ['dry-run', 'test', 'limit', 'retry-failed', 'strict', 'concurrency', 'retry-schedule'] as const;

export interface QueueRequest {
  queue: string;
  listPath: string;
  rate: number | undefined;
  batchSize: string | undefined;
  stateDir: string;
  /** Flags given that a queued send does not take. */
  given: Record<string, unknown>;
}

/** Refuse the local-only flags with --queue, each with what to do instead. */
export function refuseLocalFlags(given: Record<string, unknown>): void {
  const wrong = LOCAL_ONLY.filter((f) => given[f] !== undefined && given[f] !== false);
  if (wrong.length)
    throw new NewsletterError('EUSAGE', `--queue cannot be combined with ${wrong.map((f) => `--${f}`).join(', ')}`, {
      fix: 'Enqueue with `send --to LIST --queue URL [--rate N] [--batch-size N]`; connections and retries are set on each worker (`newsletter worker --concurrency N --rate N`); try the message first with `send --test ADDR` or `--dry-run` without --queue.',
    });
}

/** `send --queue`: enqueue the campaign and say how to send it. */
export async function enqueueToList(req: QueueRequest, built: BuiltIssue, label: string, env: SendEnv): Promise<ExitCode> {
  const queue = parseQueueUrl(req.queue);
  const batchSize = req.batchSize === undefined ? undefined : intFlag(req.batchSize, '--batch-size', 200);
  console.error(`Enqueueing ${label} for ${req.listPath} in ${queue.display}${req.rate ? `, at most ${req.rate}/s across all workers` : ''}`);
  let bad = 0;
  const summary = await enqueueCampaign({
    built,
    listPath: req.listPath,
    env,
    stateDir: req.stateDir,
    queue,
    rate: req.rate,
    batchSize,
    onRowProblem: (_kind: 'invalid' | 'duplicate', p: RowProblem) => {
      if (++bad <= 20) console.error(`  ${req.listPath} ${formatRowProblem(p)}`);
    },
    onWarning: (w) => console.error(`⚠ ${w}`),
  });
  if (bad > 20) console.error(`  …and ${bad - 20} more bad rows`);
  const t = summary.tally;
  const skipped = t.invalid + t.duplicate + t.suppressed + t.byStatus;
  console.log(`✔ ${summary.created ? 'Enqueued' : 'Resumed enqueueing'} campaign ${summary.campaign}`);
  const row = (label: string, value: string) => console.log(`  ${label.padEnd(22)}${value}`);
  row('added', `${summary.added} recipients in ${summary.batches} batches${summary.batchesEarlier ? ` (${summary.batchesEarlier} batches were already in: not added again)` : ''}`);
  row('in the campaign', String(summary.total));
  if (summary.importedFromJournal) row('sent here before', `${summary.importedFromJournal} outcomes of an earlier local send of this issue and list recorded in the campaign: those recipients are not sent again`);
  row('skipped', `${skipped}${skipped ? ` (${[t.suppressed && `${t.suppressed} suppressed`, t.byStatus && `${t.byStatus} unsubscribed/bounced/complained`, t.invalid && `${t.invalid} invalid`, t.duplicate && `${t.duplicate} duplicate`].filter(Boolean).join(', ')})` : ''}`);
  if (summary.suppressionPulled || summary.suppressionPushed)
    row('suppression', `shared with Redis: ${summary.suppressionPushed} local addresses added there, ${summary.suppressionPulled} from there added to the local list`);
  const url = shellQuote(queue.display);
  console.log(`  next: run \`newsletter worker --queue ${url}\` on each sending machine; follow with \`newsletter status --queue ${url}\`${hiddenPasswordNote(queue.hasPassword)}`);
  return EXIT.OK;
}
