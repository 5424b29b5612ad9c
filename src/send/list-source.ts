import { NewsletterError } from '../errors.ts';
import { loadSuppression, type Suppression, type SuppressionProblem, listFileKind, readSubscribers, type RowProblem } from '../audience/index.ts';
import type { FailuresCsv } from './failures-csv.ts';
import type { Journal } from './journal.ts';
import { emptyTally, sendable, type Job, type ListTally, type RetryFailed } from './recipients.ts';

export interface ListSourceOptions {
  listPath: string;
  strict?: boolean | undefined;
  stateDir: string;
  journal?: Journal | undefined;
  retryFailed?: RetryFailed | undefined;
  limit?: number | undefined;
  failures?: FailuresCsv | undefined;
  /** Ctrl-C: ends a wait for a FIFO's writer. */
  signal?: AbortSignal | undefined;
  /** The list's line count when the caller has it (the progress total): the dedupe and journal indexes are sized for it at once. */
  expectedRows?: number | undefined;
  /** Each invalid or duplicate row as it streams by (the CLI prints the first few). */
  onRowProblem?: ((kind: 'invalid' | 'duplicate', problem: RowProblem) => void) | undefined;
  /** Each damaged line of suppression.csv (skipped alone; the CLI can print them). */
  onSuppressionProblem?: ((problem: SuppressionProblem) => void) | undefined;
}

export interface ListSource {
  tally: ListTally;
  jobs: AsyncIterator<Job>;
  /** Nothing to attempt: everyone is sent, failed, suppressed or skipped already (no SMTP needed). */
  empty: boolean;
  /** The suppression list the jobs are filtered by; hard bounces are added to it during the run. */
  suppression: Suppression;
}

/**
 * The recipients to attempt, as a stream, read as the workers take them (the
 * JobQueue pulls one job per free worker): what is read ahead is at most one
 * 16 KB read of the file, parsed (see list-file.ts), so memory does not grow
 * with the list; only the dedupe and journal indexes do, sized once from
 * `expectedRows` when the caller counted the lines. With --strict the whole list is
 * read once first (nothing kept), so a bad row refuses the list before anyone
 * is sent anything. The first recipient is fetched here, so an unreadable
 * file or a missing header fails now (exit 1), not mid-run, and a run with
 * nobody left knows it before connecting anywhere.
 */
export async function openListSource(opts: ListSourceOptions): Promise<ListSource> {
  const kind = await listFileKind(opts.listPath);
  if (opts.strict && kind === 'stream') throw strictNeedsFile(opts.listPath);
  if (opts.strict) for await (const _ of readSubscribers(opts.listPath, { strict: true, expectedRows: opts.expectedRows }));
  // Hard bounces kept in the journal since the last run (their write may have failed) go to the list before
  // anything is sent. The caller records this run's `run` only after this: see Journal.toSuppress.
  const suppression = await loadSuppression(opts.stateDir, { pending: opts.journal?.toSuppress, onProblem: opts.onSuppressionProblem });
  const tally = emptyTally();
  // Every address sent this run gets a journal entry: room for them now rather than a growth every half again.
  if (opts.expectedRows) opts.journal?.index.reserve(opts.expectedRows);
  const it = sendable(readSubscribers(opts.listPath, { signal: opts.signal, expectedRows: opts.expectedRows }), {
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
  return { tally, jobs: startingWith(first, it), empty: first.done === true, suppression };
}

/**
 * `it` with its already fetched first result put back in front. A plain iterator rather than
 * an async generator re-yielding `it`: that would add one more promise hop to every row of the list.
 */
function startingWith(first: IteratorResult<Job, void>, it: AsyncIterator<Job, void, undefined>): AsyncIterator<Job, void, undefined> {
  let held: IteratorResult<Job, void> | undefined = first;
  return {
    next: () => {
      const r = held;
      held = undefined;
      return r ? Promise.resolve(r) : it.next();
    },
    return: (value?: void) => {
      held = undefined;
      return it.return ? it.return(value) : Promise.resolve({ done: true, value });
    },
  };
}

/**
 * --strict means "refuse the whole list before anyone is mailed", which needs
 * the whole list read before the first message. A pipe can be read once, so
 * that would mean keeping a copy: not in memory (lists can be millions of
 * rows), and not a hidden copy of everyone's personal data on disk in the
 * state folder either. Refused instead, with the one-line way to get a file.
 */
function strictNeedsFile(path: string): NewsletterError {
  return new NewsletterError('ESUBSCRIBERS', `--strict needs to read ${path} twice (check every row, then send), and a pipe can only be read once`, {
    where: path,
    fix: 'Save the list to a file first and pass that (… > subscribers.csv, then --to subscribers.csv --strict), or drop --strict to skip bad rows and report them.',
  });
}
