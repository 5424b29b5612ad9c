import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse/sync';
import { readFeedback, SUPPRESSION_FILE } from '../audience/index.ts';
import { NOFOLLOW, stateFileError } from '../output/index.ts';
import { EVENT_KINDS, type EventKind, type Events } from './events.ts';
import type { Problem } from './journals.ts';

/** A feedback item or unsubscribe that names no address: it can only count where its issue says. */
export interface LooseEvent {
  kind: EventKind;
  named: string | undefined;
}

const COUNTED = new Set<string>(EVENT_KINDS.filter((k) => k !== 'unsubscribed'));

/**
 * Every counted finding of the feedback ledger (hard, soft, sender, complaint, auto-reply,
 * delayed; "ignored" is not counted) into `events`; items without an address into `loose`.
 * Damaged lines are reported by readFeedback and skipped; items of the wrong shape too.
 */
export async function readLedger(stateDir: string, events: Events, loose: LooseEvent[], onProblem: Problem): Promise<void> {
  for await (const record of readFeedback(stateDir, onProblem)) {
    const at = Date.parse(record.at);
    for (const item of record.items as unknown[]) {
      if (typeof item !== 'object' || item === null) continue;
      const { kind, email, issue } = item as { kind?: unknown; email?: unknown; issue?: unknown };
      if (typeof kind !== 'string' || !COUNTED.has(kind)) continue;
      const named = typeof issue === 'string' && issue ? issue : undefined;
      if (typeof email === 'string' && email.includes('@')) events.add(email, kind as EventKind, at, named);
      else loose.push({ kind: kind as EventKind, named });
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
  const handle = await openIfThere(path);
  if (!handle) return;
  const lines = createInterface({ input: handle.createReadStream({ encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
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
  } catch (cause) {
    throw stateFileError(path, cause, 'read');
  } finally {
    lines.close();
    await handle.close();
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

async function openIfThere(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, constants.O_RDONLY | NOFOLLOW);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw stateFileError(path, cause, 'read');
  }
}
