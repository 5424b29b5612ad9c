import { Parser, type CsvError } from 'csv-parse';
import { NewsletterError } from '../errors.ts';
import { AddressIndex } from './address-index.ts';
import { EXAMPLE_HEADER, parseHeader, type Header } from './header.ts';
import { cannotRead, openListInput } from './list-file.ts';
import { rowSchemaFor, statusOf, type RowSchema } from './schema.ts';
import type { ReadOptions, RowProblem, Subscriber, SubscriberEvent } from './types.ts';

/**
 * No subscriber row is anywhere near this long; a record that grows past it is
 * almost always a quote that never closes, swallowing the rest of the file.
 * Failing there keeps memory bounded instead of buffering a huge "field".
 */
const MAX_RECORD_CHARS = 256 * 1024;

interface NumberedRecord {
  /** Line where the record starts (1-based): the row a spreadsheet shows for files without line breaks in values. */
  row: number;
  cells: string[];
}

/**
 * csv-parse's stream, numbering each record with the line it starts on as it
 * is parsed. Blank lines are kept as records (skip_empty_lines: false) so every
 * line is counted; a record spans 1 + the line breaks inside its values.
 *
 * Why here and not in the consumer or with on_record: csv-parse's on_record
 * builds an info object per record and halves throughput, and its `lines`
 * counts a CRLF inside a quoted value twice. Counting in the consumer is not
 * enough either: when csv-parse fails (a quote never closed) the records it
 * parsed but we had not read yet are dropped, and the error must still name
 * the row where the broken record starts, which is `nextLine` here.
 */
class NumberingParser extends Parser {
  nextLine = 1;

  override push(record: unknown): boolean {
    if (record === null) return super.push(null);
    const cells = record as string[];
    const row = this.nextLine;
    this.nextLine += 1 + breaksIn(cells);
    return super.push({ row, cells } satisfies NumberedRecord);
  }
}

/**
 * Read a subscriber CSV as a stream of events: one per data row, in file order.
 * Only one chunk of the file and the compact dedupe index are held at a time,
 * so a list of any length reads in bounded memory. The file is read once.
 *
 * Throws NewsletterError('ESUBSCRIBERS') when the file cannot be read, has no
 * `email` header, or is not well-formed CSV (the error names the row), and, with
 * `strict`, at the first invalid or duplicate row. A thrown error can arrive
 * after rows were already yielded: callers that act on rows as they stream
 * (sending) must record what they did, which the send journal does.
 */
export async function* readSubscribers(path: string, opts: ReadOptions = {}): AsyncGenerator<SubscriberEvent, void, undefined> {
  const { stream: input, close } = await openListInput(path, opts.signal);
  const parser = new NumberingParser({
    bom: true,
    delimiter: ',',
    relax_column_count: true,
    // A stray quote inside an unquoted value (O"Brien) is kept as written rather than failing the file.
    relax_quotes: true,
    skip_empty_lines: false,
    max_record_size: MAX_RECORD_CHARS,
  });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);

  // Addresses seen so far, lowercased, → the row they were first seen on.
  const seen = new AddressIndex(4096);
  if (opts.expectedRows) seen.reserve(opts.expectedRows);
  let header: (Header & { rows: RowSchema }) | undefined;
  try {
    for await (const record of parser as AsyncIterable<NumberedRecord>) {
      if (isBlank(record.cells)) continue;
      if (!header) {
        const parsed = parseHeader(record.cells, path, record.row);
        header = { ...parsed, rows: rowSchemaFor(parsed) };
        continue;
      }
      const event = toEvent(record, header, seen);
      if (opts.strict && event.kind !== 'subscriber') throw strictError(path, event.problem);
      yield event;
    }
  } catch (error) {
    if (error instanceof NewsletterError) throw error;
    throw readError(path, error, parser.nextLine);
  } finally {
    parser.destroy();
    await close();
  }
  if (!header)
    throw new NewsletterError('ESUBSCRIBERS', `${path} is empty`, {
      where: `${path} row 1`,
      fix: `Put a header row first, then one subscriber a row, e.g. "${EXAMPLE_HEADER}" then "ada@example.com,Ada,Lovelace,subscribed".`,
    });
}

function toEvent({ row, cells }: NumberedRecord, header: Header & { rows: RowSchema }, seen: AddressIndex): SubscriberEvent {
  const { columns } = header;
  if (cells.length > columns.length) {
    const extra = cells.findIndex((c, i) => i >= columns.length && c.trim() !== '');
    if (extra !== -1)
      return invalid(cells, header, { row, column: `column ${extra + 1}`, reason: `has ${cells.length} values but the header names ${columns.length} columns (an unquoted comma inside a value? put the value in double quotes)` });
  }
  const { keys } = header.rows;
  const input: Record<string, string> = {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key !== undefined) input[key] = cells[i] ?? '';
  }
  const parsed = header.rows.schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const index = header.rows.columnOf(issue.path[0] ?? '');
    const value = cells[index] ?? '';
    return invalid(cells, header, { row, column: columns[index]?.name ?? `column ${index + 1}`, reason: issue.message, ...(quotable(header, index, value) ? { value } : {}) });
  }
  const values = parsed.data;
  const subscriber: Subscriber = { row, email: '', key: '', status: 'subscribed', fields: {} };
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === undefined) continue;
    const column = columns[i]!;
    const value = values[key]!;
    if (column.known === 'email') subscriber.email = value;
    else if (column.known === 'status') subscriber.status = statusOf(value);
    else if (column.known) {
      const name = value.trim();
      if (name !== '') subscriber[column.known] = name;
    } else subscriber.fields[column.name] = value.trim();
  }
  subscriber.key = subscriber.email.toLowerCase();
  const first = seen.add(subscriber.key, row);
  if (first !== undefined) return { kind: 'duplicate', problem: { row, column: columns[header.email]!.name, reason: `duplicate of row ${first}`, value: subscriber.email, email: subscriber.email } };
  return { kind: 'subscriber', subscriber };
}

/**
 * Row problems are printed and logged, so only two kinds of value are quoted
 * back: the address (the row's identity, shown anyway) and a status that is a
 * plain word ("deleted"). Any other cell can hold anything, a password in a
 * file passed by mistake included, so it is named by row and column only.
 */
function quotable(header: Header, index: number, value: string): boolean {
  if (index === header.email) return true;
  return header.columns[index]?.known === 'status' && /^[\p{L} _-]{1,30}$/u.test(value);
}

function invalid(cells: string[], header: Header, problem: RowProblem): SubscriberEvent {
  const short = (s: string) => (s.length > 200 ? `${s.slice(0, 199)}…` : s);
  const email = cells[header.email]?.trim();
  return {
    kind: 'invalid',
    problem: { ...problem, ...(problem.value !== undefined ? { value: short(problem.value) } : {}), ...(email ? { email: short(email) } : {}) },
  };
}

/** Format a row problem the same way everywhere: `row 12, column email: is not a valid email address (received "x")`. */
export function formatRowProblem(p: RowProblem): string {
  return `row ${p.row}, column ${p.column}: ${p.reason}${p.value !== undefined && p.value !== '' ? ` (received ${JSON.stringify(p.value)})` : ''}`;
}

function strictError(path: string, p: RowProblem): NewsletterError {
  return new NewsletterError('ESUBSCRIBERS', `${path} ${formatRowProblem(p)}; --strict refuses the whole list`, {
    where: `${path} row ${p.row}, column ${p.column}`,
    fix: p.reason.startsWith('duplicate')
      ? `Remove row ${p.row} (addresses are compared ignoring case), or run without --strict to skip duplicates and report them.`
      : `Correct row ${p.row} or delete it, or run without --strict to skip invalid rows and report them.`,
  });
}

function readError(path: string, error: unknown, row: number | undefined): NewsletterError {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  if (code.startsWith('CSV_')) {
    const csv = error as CsvError;
    const at = row ?? (typeof csv.lines === 'number' ? csv.lines : undefined);
    const unclosed = code === 'CSV_QUOTE_NOT_CLOSED' || code === 'CSV_MAX_RECORD_SIZE';
    const message = unclosed
      ? `${path} is not valid CSV: the quoted value opened on row ${at} is never closed${code === 'CSV_QUOTE_NOT_CLOSED' ? ' (it runs to the end of the file)' : ` (the row grows past ${MAX_RECORD_CHARS / 1024} KB)`}`
      : `${path} is not valid CSV at row ${at}: ${csv.message}`;
    return new NewsletterError('ESUBSCRIBERS', message, {
      where: `${path} row ${at}`,
      fix: unclosed
        ? `Close the quote on row ${at}. A quote inside a quoted value is written twice: "Jane ""JJ"" Doe".`
        : 'Put values containing commas or quotes in double quotes, and write a quote inside them twice (""). Spreadsheet apps do this when saving as "CSV UTF-8".',
      cause: error,
    });
  }
  return cannotRead(path, error);
}

/** True when every value is empty or whitespace (a blank line, or ",,,"): skipped, not reported. */
function isBlank(cells: string[]): boolean {
  for (const c of cells) for (let i = 0; i < c.length; i++) if (c.charCodeAt(i) > 32) return false;
  return true;
}

/** Line breaks inside the values of one record (CRLF, lone CR and lone LF count one each). */
function breaksIn(cells: string[]): number {
  let n = 0;
  for (const cell of cells) {
    if (!cell.includes('\n') && !cell.includes('\r')) continue;
    n += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return n;
}
