import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { issueTagText, returnPathToken } from '../audience/index.ts';
import { scanJournal, type JournalRecord } from '../send/index.ts';

/** A recipient found in a send journal: who, and for which issue. */
export interface JournalRecipient {
  email: string;
  slug: string;
}

interface JournalFile {
  path: string;
  slug: string;
}

/**
 * Who was mailed, read from the send journals in the state folder: the one
 * record of every recipient of every issue. A return-path token is matched
 * by recomputing the tokens of the issue it is tagged with (the address is
 * not in the token, see audience/return-path.ts); an address without a token
 * is accepted only if it was mailed (so a made-up report about an address we
 * never wrote to suppresses nobody).
 *
 * Loaded lazily and once per run: a run with only tokened bounces for one
 * issue reads that issue's journals only.
 */
export class JournalRecipients {
  #files: Promise<JournalFile[]> | undefined;
  readonly #byTag = new Map<string, Promise<Map<string, JournalRecipient>>>();
  #byAddress: Promise<Map<string, string[]>> | undefined;

  constructor(
    private readonly stateDir: string,
    private readonly listId: string,
    private readonly secret: string,
  ) {}

  /** The recipient a return-path token was made for, or undefined (a forged token, or an issue whose journal is gone). */
  async byToken(token: string): Promise<JournalRecipient | undefined> {
    const tag = token.slice(0, 4);
    let index = this.#byTag.get(tag);
    if (!index) {
      index = this.#tokensFor(tag);
      this.#byTag.set(tag, index);
    }
    return (await index).get(token.toLowerCase());
  }

  /** The issues (slugs) this address was mailed, in journal-name order; empty when it never was. */
  async issuesOf(email: string): Promise<string[]> {
    this.#byAddress ??= this.#addresses();
    return (await this.#byAddress).get(email.trim().toLowerCase()) ?? [];
  }

  #journals(): Promise<JournalFile[]> {
    this.#files ??= listJournals(this.stateDir);
    return this.#files;
  }

  async #tokensFor(tag: string): Promise<Map<string, JournalRecipient>> {
    const tokens = new Map<string, JournalRecipient>();
    for (const file of await this.#journals()) {
      if (issueTagText(this.listId, file.slug) !== tag) continue;
      await eachAddress(file.path, (email) => {
        tokens.set(returnPathToken(this.listId, file.slug, email, this.secret), { email, slug: file.slug });
      });
    }
    return tokens;
  }

  async #addresses(): Promise<Map<string, string[]>> {
    const byAddress = new Map<string, string[]>();
    for (const file of await this.#journals()) {
      await eachAddress(file.path, (email) => {
        const key = email.toLowerCase();
        const slugs = byAddress.get(key);
        if (!slugs) byAddress.set(key, [file.slug]);
        else if (!slugs.includes(file.slug)) slugs.push(file.slug);
      });
    }
    return byAddress;
  }
}

const JOURNAL = /\.journal\.jsonl$/;

/** The journals in the state folder with the issue each was written for (its run record), oldest first by name. */
async function listJournals(stateDir: string): Promise<JournalFile[]> {
  let names: string[];
  try {
    names = (await readdir(stateDir)).filter((name) => JOURNAL.test(name)).sort();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw cause;
  }
  const files: JournalFile[] = [];
  for (const name of names) {
    const slug = await issueOf(join(stateDir, name));
    if (slug) files.push({ path: join(stateDir, name), slug });
  }
  return files;
}

/** The issue slug of the journal's first line, its run record (the send writes it first); undefined when unreadable. */
async function issueOf(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const line = buffer.toString('utf8', 0, bytesRead).split('\n', 1)[0] ?? '';
    const record = JSON.parse(line) as Partial<JournalRecord>;
    return record.s === 'run' && typeof record.issue === 'string' ? record.issue : undefined;
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

/** Every address the journal holds a sending/sent/failed record for (each once). */
async function eachAddress(path: string, visit: (email: string) => void): Promise<void> {
  const seen = new Set<string>();
  await scanJournal(path, (record) => {
    if ((record.s === 'sending' || record.s === 'sent' || record.s === 'failed') && !seen.has(record.e)) {
      seen.add(record.e);
      visit(record.e);
    }
  });
}
