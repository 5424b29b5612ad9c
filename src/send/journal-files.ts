import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { stateFileError } from '../output/index.ts';

const JOURNAL_FILE = /\.journal\.jsonl$/;
/** `<slug>--<list name>-<10 hex>.journal.jsonl` (journalPath): the slug when a journal has no run record. */
const JOURNAL_NAME = /^(.+?)--(.*)-[0-9a-f]{10}\.journal\.jsonl$/;

/** The issue slug and list name a journal's file name carries (journalPath), for a journal without a run record. */
export function journalNameParts(path: string): { slug: string; list: string } | undefined {
  const m = JOURNAL_NAME.exec(basename(path));
  return m ? { slug: m[1]!, list: m[2]! } : undefined;
}

/**
 * The send journals in the state folder, sorted, for the commands that read them after the send
 * (stats, bounces); a symlink is reported and left unread (send never follows one either).
 */
export async function listJournals(stateDir: string, onProblem: (where: string, why: string) => void): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(stateDir, { withFileTypes: true });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw stateFileError(stateDir, cause, 'read');
  }
  const paths: string[] = [];
  for (const entry of entries) {
    if (!JOURNAL_FILE.test(entry.name)) continue;
    const path = join(stateDir, entry.name);
    if (entry.isFile()) paths.push(path);
    else onProblem(path, entry.isSymbolicLink() ? 'a symbolic link: not read (state files are never followed through links)' : 'not a file: not read');
  }
  return paths.sort();
}
