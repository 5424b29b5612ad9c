import { closeSync, constants, createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { stringify } from 'csv-stringify/sync';
import type { FailedRecord } from './journal.ts';
import { NOFOLLOW, refuseSymlinkSync, STATE_DIR_MODE, STATE_FILE_MODE, stateFileError } from '../output/index.ts';
import type { RowProblem } from '../audience/index.ts';

const COLUMNS = ['email', 'row', 'outcome', 'smtp_code', 'error_code', 'command', 'detail'];
const OPEN_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NOFOLLOW;

/**
 * One CSV line. `escape_formulas`: a value starting with = + - @ tab or CR
 * (or their full-width forms) gets a leading ' so a spreadsheet never runs it
 * as a formula (https://owasp.org/www-community/attacks/CSV_Injection); the
 * writer quotes commas, quotes and line breaks.
 */
function line(values: (string | number | undefined)[]): string {
  return stringify([values.map((v) => (v === undefined ? '' : String(v)))], { escape_formulas: true });
}

/**
 * The failures report, streamed as problems happen (invalid and duplicate
 * rows) and completed from the journal at the end (delivery failures), so
 * it never holds the list in memory. Written only when there is something in it.
 * It lists recipients, so it is a private state file: 0600, never written
 * through a symlink (a planted link is refused before anything is sent).
 */
export class FailuresCsv {
  readonly path: string;
  count = 0;
  #out: WriteStream | undefined;
  #error: unknown;

  constructor(path: string) {
    this.path = path;
    refuseSymlinkSync(path);
  }

  #write(text: string): void {
    if (!this.#out) {
      let fd: number;
      try {
        mkdirSync(dirname(this.path), { recursive: true, mode: STATE_DIR_MODE });
        fd = openSync(this.path, OPEN_FLAGS, STATE_FILE_MODE);
      } catch (cause) {
        throw stateFileError(this.path, cause, 'write');
      }
      try {
        this.#out = createWriteStream('', { fd });
      } catch (cause) {
        closeSync(fd);
        throw cause;
      }
      // A write error (disk full) is reported by close(), never as an unhandled 'error' event.
      this.#out.on('error', (e) => (this.#error ??= e));
      this.#out.write(line(COLUMNS));
    }
    this.count++;
    this.#out.write(text);
  }

  rowProblem(kind: 'invalid' | 'duplicate', p: RowProblem): void {
    const email = p.column.toLowerCase() === 'email' ? p.value : undefined;
    return this.#write(line([email, p.row, kind, '', '', '', `column ${p.column}: ${p.reason}`]));
  }

  failure(r: FailedRecord): void {
    return this.#write(line([r.e, r.row, r.k === 'permanent' ? 'failed permanently' : 'failed transiently', r.rc, r.code, r.cmd, r.m]));
  }

  /** Close the file; returns its path, or undefined when nothing was written (and an old report is removed). */
  async close(): Promise<string | undefined> {
    if (!this.#out) {
      await rm(this.path, { force: true });
      return undefined;
    }
    if (!this.#error) {
      this.#out.end();
      await Promise.race([once(this.#out, 'finish'), once(this.#out, 'close')]).catch((e: unknown) => (this.#error ??= e));
    }
    if (this.#error) throw stateFileError(this.path, this.#error, 'write');
    return this.path;
  }
}
