import { createHash } from 'node:crypto';
import { close as fsClose, constants, fdatasync, open as fsOpen, write } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { NewsletterError } from '../errors.ts';
import { scanJournal, type BadLine } from './journal-scan.ts';
import type { FailedRecord, JournalRecord, SuppressRecord } from './journal-record.ts';
import { acquireLock, type Lock, type LockUse } from './lock.ts';
import { ensureStateDir, NOFOLLOW, openStateFile, STATE_FILE_MODE, stateFileError } from '../output/index.ts';
import { STATE, StateIndex, type StateCode } from './state-index.ts';

export type { FailedRecord, JournalRecord, SuppressRecord } from './journal-record.ts';

/** One sender per journal (see lock.ts). */
const SEND_LOCK: LockUse = {
  code: 'ESEND',
  reason: 'lockHeld',
  name: 'the send lock',
  holder: '`newsletter send`',
  doing: 'sending this issue to this list',
  scope: 'of this issue to this list',
  nothing: 'nothing sent',
};

const DSYNC = constants.O_DSYNC ?? 0;
const APPEND_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | DSYNC | NOFOLLOW;

export function journalPath(stateDir: string, issueSlug: string, listPath: string): string {
  const abs = resolve(listPath);
  const name = basename(abs).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40) || 'list';
  const hash = createHash('sha256').update(abs).digest('hex').slice(0, 10);
  return join(resolve(stateDir), `${issueSlug}--${name}-${hash}.journal.jsonl`);
}

function stateOf(record: JournalRecord): Exclude<StateCode, 0> | undefined {
  switch (record.s) {
    case 'sending': return STATE.sending;
    case 'sent': return STATE.sent;
    case 'pending': return STATE.pending;
    case 'failed': return record.k === 'permanent' ? STATE.failedPermanent : STATE.failedTransient;
    case 'skipped': return STATE.skipped;
    default: return undefined;
  }
}

/**
 * The send journal: one append-only file of JSON lines per (issue, list) in
 * the state directory.
 *
 * Why not SQLite? An append-only log needs no native build (better-sqlite3
 * compiles from source here), is crash-safe by construction (a record is
 * either wholly before the last newline or it is the torn tail, which is
 * dropped on open), and costs O(1) per record. Lookups go through a compact
 * in-memory index rebuilt from the file on open.
 *
 * Durability: records written in the same moment go out as one group commit.
 * The file is opened O_DSYNC, so that write returns only once the data and
 * the file size are on disk (an fsync's guarantee in one system call; where
 * the platform has no O_DSYNC, an explicit fdatasync follows each write).
 *
 * Like every state file it is never opened through a symlink, and is created
 * 0600 in a 0700 folder (see state-file.ts).
 *
 * States: nothing recorded = pending (never tried); `pending` = a transient
 * failure waiting for its retry; `sending` = handed to the server (in flight;
 * on disk before the server can accept the message, so a `sending` with no
 * later outcome is exactly a message that may have arrived unrecorded);
 * `sent` (with the server's reply); `failed` (code, reply, permanent or
 * transient); `skipped` (the reason). The last record for an address wins.
 * No secrets are ever written here.
 */
export class Journal {
  readonly path: string;
  readonly index = new StateIndex(4096);
  /** Earlier runs found in the file. */
  runs = 0;
  /** Bytes of a torn last line dropped on open (a crash mid-write). */
  tornBytes = 0;
  /** Hard bounces kept in the journal since the last run; this run writes them to the suppression list before sending (few: one per bounce). */
  readonly toSuppress: SuppressRecord[] = [];
  #fd: number | undefined;
  #lock: Lock | undefined;
  #buffer: string[] = [];
  /** The commit the records appended since the last write started wait for: one promise per group, not per record. */
  #next: Commit | undefined;
  #scheduled = false;
  #writing = false;
  #failed: NewsletterError | undefined;

  private constructor(path: string) {
    this.path = path;
  }

  /** Open (or create) the journal, take its lock, and rebuild the index. */
  static async open(path: string): Promise<Journal> {
    const journal = new Journal(path);
    await ensureStateDir(dirname(path));
    journal.#lock = await acquireLock(`${path}.lock`, SEND_LOCK);
    try {
      const validBytes = await journal.#load();
      if (validBytes !== undefined && journal.tornBytes) await truncateTo(path, validBytes);
      // A raw fd and callback writes: the hot path pays for no FileHandle promise machinery.
      journal.#fd = await promisify(fsOpen)(path, APPEND_FLAGS, STATE_FILE_MODE).catch((cause: unknown) => {
        throw stateFileError(path, cause);
      });
      if (validBytes === undefined) await syncDir(dirname(path));
    } catch (error) {
      await journal.#lock.release();
      throw error;
    }
    return journal;
  }

  stateOf(key: string): StateCode {
    return this.index.get(key);
  }

  /**
   * Append a record. The index changes at once; the promise resolves when the
   * record is on disk. Awaiting it is what makes `sent` durable before the
   * sender takes another message, so only in-flight messages can repeat.
   */
  record(record: JournalRecord): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    this.#append(record);
    this.#schedule();
    return this.#nextCommit();
  }

  #nextCommit(): Promise<void> {
    this.#next ??= new Commit();
    return this.#next.done;
  }

  /**
   * Append a record that need not be on disk before the next step (`skipped`):
   * it goes out with the next commit. Losing it in a crash changes nothing: a
   * skip is decided again on resume.
   */
  note(record: JournalRecord): void {
    if (!this.#failed) this.#append(record);
  }

  #append(record: JournalRecord): void {
    const state = stateOf(record);
    if (state && 'e' in record) this.index.set(record.e, state);
    this.#buffer.push(JSON.stringify(record) + '\n');
  }

  /** Commit on the next turn, so records written in the same moment share one write. */
  #schedule(): void {
    if (this.#scheduled || this.#writing) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#commit();
    });
  }

  #commit(): void {
    const group = this.#next;
    this.#next = undefined;
    if (!this.#buffer.length || this.#fd === undefined) {
      if (this.#fd === undefined) group?.reject(new Error('journal is closed'));
      else group?.resolve();
      return;
    }
    const data = Buffer.from(this.#buffer.join(''), 'utf8');
    this.#buffer = [];
    this.#writing = true;
    writeDurably(this.#fd, data, (cause) => {
      this.#writing = false;
      if (cause) {
        this.#failed = new NewsletterError('ESEND', `Cannot write the send journal: ${cause.message}`, {
          where: this.path,
          fix: 'Free disk space or fix permissions, then run the same command again to resume.',
          reason: 'journalWriteFailed',
          cause,
        });
        group?.reject(this.#failed);
        this.#next?.reject(this.#failed);
        this.#next = undefined;
        this.#buffer = [];
        return;
      }
      group?.resolve();
      // Records that arrived during the write form the next group.
      if (this.#next) this.#commit();
    });
  }

  /** Wait until everything recorded or noted so far is on disk. */
  async flush(): Promise<void> {
    if (this.#failed) throw this.#failed;
    if (!this.#buffer.length && !this.#writing) return;
    const done = this.#nextCommit();
    this.#schedule();
    await done;
  }

  async close(): Promise<void> {
    try {
      await this.flush().catch(() => {});
      if (this.#fd !== undefined) await promisify(fsClose)(this.#fd);
      this.#fd = undefined;
    } finally {
      await this.#lock?.release();
    }
  }

  /** The last failure of every address whose final state is failed (failures are few: kept in a Map). */
  async failures(): Promise<FailedRecord[]> {
    await this.flush();
    const last = new Map<string, FailedRecord>();
    await scanJournal(this.path, (record) => {
      if (record.s === 'failed') last.set(record.e, record);
    }).catch((cause: unknown) => {
      throw stateFileError(this.path, cause, 'read');
    });
    return [...last.values()].filter((r) => {
      const s = this.index.get(r.e);
      return s === STATE.failedPermanent || s === STATE.failedTransient;
    });
  }

  /**
   * Rebuild the index. Returns the length of the valid prefix, or undefined
   * when the file is new. Lines that do not parse at the very end are a torn
   * write (dropped); anything else wrong is damage, and the run stops.
   */
  async #load(): Promise<number | undefined> {
    let torn: BadLine | undefined;
    const damaged = (bad: BadLine, why: string) => damagedJournal(this.path, bad, why);
    try {
      const end = await scanJournal(this.path, (record) => {
        if (record.s === 'run') {
          this.runs++;
          // A run records `run` only after writing every kept bounce to the suppression list (openListSource
          // comes first in sendIssue), so only bounces kept after the last `run` may still be missing there.
          // Those before it are not replayed: an address the operator removed from suppression.csv stays removed.
          this.toSuppress.length = 0;
        }
        if (record.s === 'suppress') this.toSuppress.push(record);
        const state = stateOf(record);
        if (state && 'e' in record) this.index.set(record.e, state);
      }, (bad) => {
        // Complete JSON of the wrong shape is never a torn write: dropping it could drop a `sent`.
        if (bad.parsed) throw damaged(bad, '');
        torn ??= bad;
      }, (line) => {
        if (torn) throw damaged(torn, ` (line ${line} after it is intact, so it is not a torn last write)`);
      });
      if (torn) {
        this.tornBytes = end.size - torn.offset;
        return torn.offset;
      }
      this.tornBytes = end.size - end.valid;
      return end.valid;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      throw error instanceof NewsletterError ? error : stateFileError(this.path, error, 'read');
    }
  }
}

/** One group commit: settled once its write is on disk (or failed). */
class Commit {
  readonly done: Promise<void>;
  resolve!: () => void;
  reject!: (error: unknown) => void;

  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/** A journal that cannot be trusted as it is: stop (exit 3) and say how to repair it. */
function damagedJournal(path: string, bad: BadLine, why: string): NewsletterError {
  return new NewsletterError('ESTATE', `The send journal is damaged at line ${bad.line}: ${bad.problem}${why}`, {
    where: `${path}:${bad.line}`,
    fix:
      `The journal is append-only JSON lines, one record per line. Move line ${bad.line} (and any other damaged line) out of the file into a copy kept aside, ` +
      'or restore the journal from a backup; then run the same command again to resume. Do not delete the journal: it is what keeps anyone from being mailed twice.',
  });
}

/** Drop a torn tail, without following a symlink. */
async function truncateTo(path: string, length: number): Promise<void> {
  const fh = await openStateFile(path, constants.O_WRONLY);
  try {
    await fh.truncate(length);
  } catch (cause) {
    throw stateFileError(path, cause, 'repair');
  } finally {
    await fh.close();
  }
}

/** Write all of `data`, then (without O_DSYNC) fdatasync; one callback at the end. */
function writeDurably(fd: number, data: Buffer, done: (error: Error | null) => void, offset = 0): void {
  write(fd, data, offset, data.length - offset, null, (error, written) => {
    if (error) return done(error);
    if (offset + written < data.length) return writeDurably(fd, data, done, offset + written);
    if (DSYNC) return done(null);
    fdatasync(fd, done);
  });
}

async function syncDir(dir: string): Promise<void> {
  // Make the new file's directory entry durable too (not supported on every platform: best effort).
  const fh = await open(dir, 'r').catch(() => undefined);
  await fh?.sync().catch(() => {});
  await fh?.close();
}
