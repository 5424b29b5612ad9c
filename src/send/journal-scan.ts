import { createReadStream } from 'node:fs';
import type { JournalRecord } from './journal.ts';

/**
 * Read a journal file line by line. A line that does not parse goes to
 * `onBad`; the bytes after the last newline (a torn write) are not a line at
 * all. Returns the length of the part ending in a newline, and the file size.
 */
export async function scanJournal(
  path: string,
  onRecord: (r: JournalRecord) => void,
  onBad: (line: number, offset: number) => void = () => {},
  onGood: (line: number) => void = () => {},
): Promise<{ valid: number; size: number }> {
  let base = 0;
  let carry: Buffer = Buffer.alloc(0);
  let lineNo = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      lineNo++;
      let record: JournalRecord | undefined;
      try {
        record = JSON.parse(buf.toString('utf8', start, nl)) as JournalRecord;
      } catch {
        record = undefined;
      }
      if (record && typeof record === 'object' && typeof record.s === 'string') {
        onGood(lineNo);
        onRecord(record);
      } else onBad(lineNo, base + start);
      start = nl + 1;
    }
    carry = buf.subarray(start);
    base += start;
  }
  return { valid: base, size: base + carry.length };
}
