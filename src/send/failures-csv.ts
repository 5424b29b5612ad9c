import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import type { FailedRecord } from './journal.ts';
import type { RowProblem } from './subscribers/index.ts';

const HEADER = 'email,row,outcome,smtp_code,error_code,command,detail\n';

function cell(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  // Quote always when needed; a leading =,+,-,@ is prefixed so a spreadsheet never runs it as a formula.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * The failures report, streamed as problems happen (invalid and duplicate
 * rows) and completed from the journal at the end (delivery failures), so
 * it never holds the list in memory. Written only when there is something in it.
 */
export class FailuresCsv {
  readonly path: string;
  count = 0;
  #out: WriteStream | undefined;

  constructor(path: string) {
    this.path = path;
  }

  #write(line: string): void {
    if (!this.#out) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.#out = createWriteStream(this.path);
      this.#out.write(HEADER);
    }
    this.count++;
    this.#out.write(line);
  }

  rowProblem(kind: 'invalid' | 'duplicate', p: RowProblem): void {
    const email = p.column.toLowerCase() === 'email' ? p.value : undefined;
    return this.#write([cell(email), cell(p.row), kind, '', '', '', cell(`column ${p.column}: ${p.reason}`)].join(',') + '\n');
  }

  failure(r: FailedRecord): void {
    return this.#write([cell(r.e), '', r.k === 'permanent' ? 'failed permanently' : 'failed transiently', cell(r.rc), cell(r.code), cell(r.cmd), cell(r.m)].join(',') + '\n');
  }

  /** Close the file; returns its path, or undefined when nothing was written (and an old report is removed). */
  async close(): Promise<string | undefined> {
    if (!this.#out) {
      await rm(this.path, { force: true });
      return undefined;
    }
    this.#out.end();
    await once(this.#out, 'finish');
    return this.path;
  }
}
