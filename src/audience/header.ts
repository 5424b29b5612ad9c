import { NewsletterError } from '../errors.ts';

/** The columns with a meaning of their own; every other column is merge data. */
export type KnownColumn = 'email' | 'firstName' | 'lastName' | 'status';

export interface Header {
  /** For each column index: the known column it is, or the merge-field name (its header, trimmed). */
  columns: Array<{ known: KnownColumn; name: string } | { known: undefined; name: string }>;
  /** Index of the email column. */
  email: number;
}

/**
 * Header names are compared trimmed and case-insensitively, ignoring "_", "-"
 * and spaces, so `email`, `Email`, `E-mail`, `first_name`, `firstName` and
 * `First Name` all work.
 */
const KNOWN: Record<string, KnownColumn> = {
  email: 'email',
  emailaddress: 'email',
  firstname: 'firstName',
  lastname: 'lastName',
  status: 'status',
};

const normalise = (name: string) => name.trim().toLowerCase().replace(/[\s_-]+/g, '');

export const EXAMPLE_HEADER = 'email,first_name,last_name,status';

export function parseHeader(cells: string[], file: string, row: number): Header {
  const columns: Header['columns'] = [];
  const seen = new Map<string, number>();
  cells.forEach((cell, i) => {
    const name = cell.trim();
    const known = KNOWN[normalise(name)];
    const id = known ?? name;
    // Columns with an empty header carry no usable merge field; they are ignored (spreadsheets often add one).
    if (name === '') {
      columns.push({ known: undefined, name: '' });
      return;
    }
    const first = seen.get(id);
    if (first !== undefined)
      throw new NewsletterError('ESUBSCRIBERS', `${file}: columns ${first + 1} and ${i + 1} of the header ${looksLikeName(id) ? `both name "${id}"` : 'have the same name'}`, {
        where: `${file} row ${row}`,
        fix: `Give each column its own name; the header should look like "${EXAMPLE_HEADER}".`,
      });
    seen.set(id, i);
    columns.push(known ? { known, name } : { known: undefined, name });
  });
  const email = columns.findIndex((c) => c.known === 'email');
  if (email === -1) throw missingEmail(cells, file, row);
  return { columns, email };
}

/**
 * A column name as spreadsheets write them: letters, digits, spaces, `_ - .`,
 * short. Anything else in a first line (`=`, `:`, `/`, `@`, quotes, braces) means
 * the file is not a subscriber list at all, e.g. a .env passed by mistake, whose
 * first line can be `SMTP_URL=smtp://user:PASSWORD@host`: never echoed.
 */
function looksLikeName(cell: string): boolean {
  return /^[\p{L}\p{N} _.-]{1,40}$/u.test(cell.trim());
}

/** Up to 8 names, then a count: enough to spot a typo, never a screenful. */
function namesOf(cells: string[]): string {
  const names = cells.map((c) => c.trim()).filter(Boolean);
  const shown = names.slice(0, 8).join(', ');
  return names.length > 8 ? `${shown} and ${names.length - 8} more` : shown;
}

function missingEmail(cells: string[], file: string, row: number): NewsletterError {
  const joined = cells.join(',');
  const header = cells.every((c) => c.trim() === '' || looksLikeName(c))
    ? `the header names: ${namesOf(cells)}`
    : 'the first line does not look like a header row of column names, so it is not shown';
  let fix = `Make the first row a header naming the columns, with one called "email", e.g. "${EXAMPLE_HEADER}".`;
  if (/[;\t|]/.test(joined) && cells.length === 1)
    fix = `The file looks separated by "${/;/.test(joined) ? ';' : /\t/.test(joined) ? 'tab' : '|'}", not commas. Save it as "CSV (comma delimited)" or "CSV UTF-8"; the header should look like "${EXAMPLE_HEADER}".`;
  else if (cells.some((c) => /@/.test(c)))
    fix = `The first row looks like a subscriber, not a header. Add a header row above it, e.g. "${EXAMPLE_HEADER}".`;
  return new NewsletterError('ESUBSCRIBERS', `${file} has no "email" column (${header})`, {
    where: `${file} row ${row}`,
    fix,
  });
}
