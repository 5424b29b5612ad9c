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
 * Where a line's record starts: after a hole, if the line has one. A hole is
 * what a power loss can leave of a group commit that was never acknowledged
 * while a later one reached the disk: a run of NUL bytes (the part of the file
 * whose data never arrived), after the torn start of a line if the hole begins
 * mid-record. The writer never writes a NUL (JSON escapes it), so a NUL is
 * never part of a record. The caller still checks that what follows the run is
 * a whole record, so other damage is refused as before.
 */
function recordStart(buf: Buffer, start: number, end: number): number {
  const nul = buf.indexOf(0, start);
  if (nul === -1 || nul >= end) return start;
  let after = nul;
  while (after < end && buf[after] === 0) after++;
  return after;
}

/**
 * Read a journal file line by line (never through a symlink: ELOOP is thrown
 * as it is, ENOENT too). A line that does not parse, or is not a record, goes
 * to `onBad`; the bytes after the last newline (a torn write) are not a line
 * at all. A hole (recordStart) followed by a whole record on the same line is
 * skipped and counted in `holeBytes`; the record is kept. Returns the length
 * of the part ending in a newline, and the file size.
 */
export async function scanJournal(
  path: string,
  onRecord: (r: JournalRecord) => void,
  onBad: (bad: BadLine) => void = () => {},
  onGood: (line: number) => void = () => {},
): Promise<{ valid: number; size: number; holeBytes: number }> {
  const fh = await open(path, constants.O_RDONLY | NOFOLLOW);
  let base = 0;
  let carry: Buffer = Buffer.alloc(0);
  let lineNo = 0;
  let holeBytes = 0;
  for await (const chunk of fh.createReadStream({ highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      lineNo++;
      const from = recordStart(buf, start, nl);
      let value: unknown;
      let parsed = true;
      try {
        value = JSON.parse(buf.toString('utf8', from, nl));
      } catch {
        parsed = false;
      }
      const problem = parsed ? recordProblem(value) : from > start ? 'NUL bytes not followed by a whole record' : 'not valid JSON';
      if (problem === undefined) {
        holeBytes += from - start;
        onGood(lineNo);
        onRecord(value as JournalRecord);
      } else onBad({ line: lineNo, offset: base + start, parsed, problem });
      start = nl + 1;
    }
    carry = buf.subarray(start);
    base += start;
  }
  return { valid: base, size: base + carry.length, holeBytes };
}
