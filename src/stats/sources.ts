import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { readFeedback, stateFileLines, SUPPRESSION_FILE } from '../audience/index.ts';
import { EVENT_KINDS, type EventKind, type Events } from './events.ts';
import type { Problem } from './journals.ts';

const COUNTED = new Set<string>(EVENT_KINDS.filter((k) => k !== 'unsubscribed'));
/**
 * Kinds the ledger applies to the address (suppress, or count toward the soft limit): `action: 'none'`
 * on one of these means the report was understood but applied to nobody (a forged or misdirected
 * report, an address we do not know), so it is no evidence about our sending. The other kinds
 * (sender, delayed, auto-reply) never apply anything: 'none' is all they ever record.
 */
const APPLIED = new Set<string>(['hard', 'soft', 'complaint']);

/**
 * Every counted finding of the feedback ledger (hard, soft, sender, complaint, auto-reply,
 * delayed; "ignored" is not counted) into `events`: an item counts only with an address, and a
 * hard, soft or complaint item only when the ledger applied it (its action is not 'none').
 * An item without an address is left out even when it names its issue: nobody can say it was one
 * of our recipients (a bounce quoting ".issue-1@" is easy to forge). Damaged lines are reported by
 * readFeedback and skipped; items of the wrong shape too.
 */
export async function readLedger(stateDir: string, events: Events, onProblem: Problem): Promise<void> {
  for await (const record of readFeedback(stateDir, onProblem)) {
    const at = Date.parse(record.at);
    for (const item of record.items as unknown[]) {
      if (typeof item !== 'object' || item === null) continue;
      const { kind, email, issue, action } = item as { kind?: unknown; email?: unknown; issue?: unknown; action?: unknown };
      if (typeof kind !== 'string' || !COUNTED.has(kind)) continue;
      if (typeof email !== 'string' || !email.includes('@')) continue;
      if (APPLIED.has(kind) && action === 'none') continue;
      const named = typeof issue === 'string' && issue ? issue : undefined;
      events.add(email, kind as EventKind, at, named);
    }
  }
}

/**
 * Every `unsubscribed` line of suppression.csv (email,reason,source,added_at) into `events`, at its
 * added_at. Read line by line like the suppression list itself, so a damaged line is reported and
 * skipped alone. A line without quotes is split on commas (the common case, and ~100× cheaper
 * than a csv-parse call per line); a quoted one goes through csv-parse. Bounced and complained
 * lines are not counted here: the ledger (or the send's journal) has those with their issue.
 */
export async function readUnsubscribes(stateDir: string, events: Events, onProblem: Problem): Promise<void> {
  const path = join(stateDir, SUPPRESSION_FILE);
  for await (const { line, n } of stateFileLines(path)) {
    // Only unsubscribes count here: most lines are passed over without being split.
    if (!line.includes('unsubscribed')) continue;
    const fields = csvFields(line);
    if (!fields || fields.length < 4) {
      onProblem(`${path}:${n}`, 'not an email,reason,source,added_at line; skipped');
      continue;
    }
    const [email = '', reason = '', , addedAt = ''] = fields;
    if (reason.trim() !== 'unsubscribed') continue;
    const at = Date.parse(addedAt);
    if (!email.includes('@')) onProblem(`${path}:${n}`, `no address in the first column; skipped`);
    else {
      if (Number.isNaN(at)) onProblem(`${path}:${n}`, `added_at ${JSON.stringify(addedAt.slice(0, 40))} is not a time: counted as not attributed`);
      events.add(email, 'unsubscribed', at);
    }
  }
}

function csvFields(line: string): string[] | undefined {
  if (!line.includes('"')) return line.split(',');
  try {
    const [row] = parse(line, { relax_column_count: true });
    return row;
  } catch {
    return undefined;
  }
}
