import { loadSuppression, type Suppression } from './suppression.ts';
import { readSubscribers, type RowProblem } from './subscribers/index.ts';
import type { FailuresCsv } from './failures-csv.ts';
import type { Journal } from './journal.ts';
import { emptyTally, sendable, type Job, type ListTally } from './recipients.ts';

export interface ListSourceOptions {
  listPath: string;
  strict?: boolean | undefined;
  stateDir: string;
  journal?: Journal | undefined;
  retryFailed?: boolean | undefined;
  limit?: number | undefined;
  failures?: FailuresCsv | undefined;
  /** Each invalid or duplicate row as it streams by (the CLI prints the first few). */
  onRowProblem?: ((kind: 'invalid' | 'duplicate', problem: RowProblem) => void) | undefined;
}

export interface ListSource {
  tally: ListTally;
  jobs: AsyncIterator<Job>;
  /** The suppression list the jobs are filtered by; hard bounces are added to it during the run. */
  suppression: Suppression;
}

/**
 * The recipients to attempt, as a stream. With --strict the whole list is
 * read once first (nothing kept), so a bad row refuses the list before anyone
 * is sent anything. The first recipient is fetched here, so an unreadable
 * file or a missing header fails now (exit 1), not mid-run.
 */
export async function openListSource(opts: ListSourceOptions): Promise<ListSource> {
  if (opts.strict) for await (const _ of readSubscribers(opts.listPath, { strict: true }));
  const suppression = await loadSuppression(opts.stateDir);
  const tally = emptyTally();
  const it = sendable(readSubscribers(opts.listPath), {
    suppression,
    journal: opts.journal,
    retryFailed: opts.retryFailed ?? false,
    limit: opts.limit,
    tally,
    onProblem: (kind, problem) => {
      opts.failures?.rowProblem(kind, problem);
      opts.onRowProblem?.(kind, problem);
    },
  });
  const first = await it.next();
  async function* jobs(): AsyncGenerator<Job, void, undefined> {
    if (first.done) return;
    yield first.value;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { tally, jobs: jobs(), suppression };
}
