import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { JournalRecord } from './journal-record.ts';
import { NOFOLLOW } from '../output/index.ts';

/** What is wrong with a line: `parsed` = it is JSON, just not a journal record (never a torn write). */
export interface BadLine {
  line: number;
  offset: number;
  parsed: boolean;
  problem: string;
}

const KINDS = new Set(['run', 'sending', 'sent', 'pending', 'failed', 'skipped', 'suppress']);

/**
 * Why a parsed line is not a record the journal can use, or undefined when it
 * is. Checks only the fields the sender reads back (kind, address, failure
 * kind, code and reply): a handful of typeofs, cheap next to JSON.parse on a
 * million lines.
 */
function recordProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a record (a JSON object is expected)';
  const r = v as Record<string, unknown>;
  if (typeof r.s !== 'string' || !KINDS.has(r.s)) return `unknown record kind "s": ${JSON.stringify(r.s) ?? 'missing'}`;
  if (r.s === 'run') return undefined;
  if (typeof r.e !== 'string' || r.e === '') return `"e" (the address) must be a non-empty string (received ${JSON.stringify(r.e) ?? 'nothing'})`;
  if (r.s === 'failed' && ((r.k !== 'permanent' && r.k !== 'transient') || typeof r.code !== 'string' || typeof r.m !== 'string'))
    return 'a "failed" record needs "k" (permanent or transient), "code" and "m"';
  return undefined;
}

/**
 * Read a journal file line by line (never through a symlink: ELOOP is thrown
 * as it is, ENOENT too). A line that does not parse, or is not a record, goes
 * to `onBad`; the bytes after the last newline (a torn write) are not a line
 * at all. Returns the length of the part ending in a newline, and the file size.
 */
export async function scanJournal(
  path: string,
  onRecord: (r: JournalRecord) => void,
  onBad: (bad: BadLine) => void = () => {},
  onGood: (line: number) => void = () => {},
): Promise<{ valid: number; size: number }> {
  const fh = await open(path, constants.O_RDONLY | NOFOLLOW);
  let base = 0;
  let carry: Buffer = Buffer.alloc(0);
  let lineNo = 0;
  for await (const chunk of fh.createReadStream({ highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      lineNo++;
      let value: unknown;
      let parsed = true;
      try {
        value = JSON.parse(buf.toString('utf8', start, nl));
      } catch {
        parsed = false;
      }
      const problem = parsed ? recordProblem(value) : 'not valid JSON';
      if (problem === undefined) {
        onGood(lineNo);
        onRecord(value as JournalRecord);
      } else onBad({ line: lineNo, offset: base + start, parsed, problem });
      start = nl + 1;
    }
    carry = buf.subarray(start);
    base += start;
  }
  return { valid: base, size: base + carry.length };
}
