import { z } from 'zod';
import type { Header } from './header.ts';
import { SUBSCRIBER_STATUSES, type SubscriberStatus } from './types.ts';

/**
 * Every value from the CSV may end up in a mail header (To, Subject) or a URL.
 * A CR or LF would let a value start a header of its own, so any line break
 * makes the row invalid: this is the header-injection defence for CSV data.
 * Checked on the value as read, before trimming.
 */
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000-\u0008\u000a-\u001f\u007f\ufffd]/;

function cellProblem(value: string): string | undefined {
  if (!SUSPECT.test(value)) return undefined;
  if (/[\r\n]/.test(value)) return 'contains a line break (CR or LF), which could inject mail headers';
  if (value.includes('\ufffd')) return 'is not valid UTF-8; save the file as "CSV UTF-8"';
  return 'contains a control character';
}

const cell = z.string().check((ctx) => {
  const problem = cellProblem(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value, continue: false });
});

/** A name or merge value: checked, then trimmed. */
const text = cell.trim();

const email = cell
  .trim()
  .min(1, 'is empty; every row needs an address')
  .max(254, 'is longer than 254 characters')
  .pipe(z.email('is not a valid email address'));

const status = cell
  .trim()
  .toLowerCase()
  .pipe(z.enum([...SUBSCRIBER_STATUSES, ''], { error: `must be one of ${SUBSCRIBER_STATUSES.join(', ')} (or empty for subscribed)` }));

export interface RowSchema {
  schema: z.ZodType<Record<string, string>, Record<string, string>>;
  /** Column index for a zod issue path's first key. */
  columnOf(key: PropertyKey): number;
}

/**
 * The zod schema for one data row of this file, built from its header: one
 * key per column ("c0", "c1", …, never a header name, so a column called
 * "__proto__" is just data). A plain z.object is ~4× faster than
 * z.object + z.record, which matters at a million rows.
 */
export function rowSchemaFor(header: Header): RowSchema {
  const shape: Record<string, z.ZodType<string, string>> = {};
  header.columns.forEach((column, i) => {
    if (column.known === undefined && column.name === '') return;
    shape[`c${i}`] = column.known === 'email' ? email : column.known === 'status' ? status : text;
  });
  return {
    schema: z.object(shape) as unknown as RowSchema['schema'],
    columnOf: (key) => Number(String(key).slice(1)),
  };
}

export function statusOf(value: string | undefined): SubscriberStatus {
  return (value || 'subscribed') as SubscriberStatus;
}
