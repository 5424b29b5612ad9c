import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NewsletterError } from '../../src/errors.ts';
import { formatRowProblem, readSubscribers, type RowProblem, type Subscriber, type SubscriberEvent } from '../../src/audience/index.ts';

const fixture = (name: string) => join(import.meta.dirname, '../fixtures/subscribers', name);

async function readAll(path: string, strict = false): Promise<SubscriberEvent[]> {
  const events: SubscriberEvent[] = [];
  for await (const e of readSubscribers(path, { strict })) events.push(e);
  return events;
}

const subscribers = (events: SubscriberEvent[]): Subscriber[] => events.flatMap((e) => (e.kind === 'subscriber' ? [e.subscriber] : []));
const problems = (events: SubscriberEvent[], kind: 'invalid' | 'duplicate'): RowProblem[] => events.flatMap((e) => (e.kind === kind ? [e.problem] : []));

async function failure(promise: Promise<unknown>): Promise<NewsletterError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(NewsletterError);
    return error as NewsletterError;
  }
  throw new Error('expected the read to fail');
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'newsletter-subscribers-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('readSubscribers: good lists', () => {
  it('reads every row with names, status, merge fields and spreadsheet row numbers; values are trimmed', async () => {
    const events = await readAll(fixture('good.csv'));
    expect(events.every((e) => e.kind === 'subscriber')).toBe(true);
    expect(subscribers(events)).toEqual([
      { row: 2, email: 'ada@example.com', key: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', status: 'subscribed', fields: { company: 'Analytical Engines', plan: 'pro' } },
      { row: 3, email: 'grace@example.com', key: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper', status: 'subscribed', fields: { company: 'US Navy', plan: 'free' } },
      { row: 4, email: 'linus@example.org', key: 'linus@example.org', status: 'subscribed', fields: { company: '', plan: '' } },
      { row: 5, email: 'margaret@example.net', key: 'margaret@example.net', firstName: 'Margaret', lastName: 'Hamilton', status: 'subscribed', fields: { company: 'NASA, MIT', plan: 'pro' } },
    ]);
  });

  it('skips a UTF-8 byte order mark', async () => {
    const subs = subscribers(await readAll(fixture('bom.csv')));
    expect(subs.map((s) => [s.row, s.email, s.firstName])).toEqual([
      [2, 'ada@example.com', 'Ada'],
      [3, 'bob@example.com', 'Bob'],
    ]);
  });

  it('reads CRLF line endings, counting a blank line as a row', async () => {
    const subs = subscribers(await readAll(fixture('crlf.csv')));
    expect(subs.map((s) => [s.row, s.email, s.lastName])).toEqual([
      [2, 'ada@example.com', 'Lovelace'],
      [3, 'bob@example.com', undefined],
      [5, 'carol@example.com', 'King'],
    ]);
  });

  it('accepts headers in any case and spelling (Email, firstName, lastName); other columns keep their header as merge field name', async () => {
    const [sub] = subscribers(await readAll(fixture('camel-case.csv')));
    expect(sub).toEqual({ row: 2, email: 'ada@example.com', key: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', status: 'subscribed', fields: { 'Favourite Colour': 'green', city: 'London' } });
  });

  it('reads each status, defaults an empty one to subscribed, ignores case, and refuses an unknown one', async () => {
    const events = await readAll(fixture('statuses.csv'));
    expect(subscribers(events).map((s) => [s.email, s.status])).toEqual([
      ['a@example.com', 'subscribed'],
      ['b@example.com', 'unsubscribed'],
      ['c@example.com', 'bounced'],
      ['d@example.com', 'complained'],
      ['e@example.com', 'subscribed'],
      ['f@example.com', 'bounced'],
    ]);
    expect(problems(events, 'invalid')).toEqual([{ row: 8, column: 'status', reason: expect.stringContaining('must be one of subscribed, unsubscribed, bounced, complained'), value: 'deleted', email: 'g@example.com' }]);
  });

  it('skips blank lines and rows of empty values without reporting them, keeping row numbers true to the file', async () => {
    const events = await readAll(fixture('blank-lines.csv'));
    expect(events.map((e) => (e.kind === 'subscriber' ? [e.subscriber.row, e.subscriber.email] : e.kind))).toEqual([
      [3, 'ada@example.com'],
      [6, 'bob@example.com'],
    ]);
  });
});

describe('readSubscribers: bad rows are reported with row, column and reason, then skipped', () => {
  it('reports invalid and empty addresses', async () => {
    const events = await readAll(fixture('invalid-email.csv'));
    expect(subscribers(events).map((s) => s.email)).toEqual(['ada@example.com', 'carol@example.com']);
    expect(problems(events, 'invalid')).toEqual([
      { row: 3, column: 'email', reason: 'is not a valid email address', value: 'not-an-address', email: 'not-an-address' },
      { row: 4, column: 'email', reason: 'is empty; every row needs an address', value: '' },
      { row: 5, column: 'email', reason: 'is not a valid email address', value: 'bob@@example.com', email: 'bob@@example.com' },
    ]);
    expect(formatRowProblem(problems(events, 'invalid')[0]!)).toBe('row 3, column email: is not a valid email address (received "not-an-address")');
  });

  it('reports duplicates compared case-insensitively as "duplicate of row N", keeping the first', async () => {
    const events = await readAll(fixture('duplicates.csv'));
    expect(subscribers(events).map((s) => [s.row, s.firstName])).toEqual([
      [2, 'Ada'],
      [3, 'Bob'],
      [5, 'Carol'],
    ]);
    expect(problems(events, 'duplicate')).toEqual([
      { row: 4, column: 'email', reason: 'duplicate of row 2', value: 'ADA@Example.COM', email: 'ADA@Example.COM' },
      { row: 6, column: 'email', reason: 'duplicate of row 3', value: 'Bob@example.com', email: 'Bob@example.com' },
    ]);
  });

  it('refuses a CR or LF inside any value (header injection), naming the column, and numbers later rows right', async () => {
    const events = await readAll(fixture('injection.csv'));
    expect(problems(events, 'invalid')).toEqual([
      // Values of columns other than email are not quoted back (issue 9 §7: they can be anything, secrets included).
      { row: 3, column: 'first_name', reason: 'contains a line break (CR or LF), which could inject mail headers', email: 'mallory@example.com' },
      { row: 6, column: 'last_name', reason: 'contains a line break (CR or LF), which could inject mail headers', email: 'lf@example.com' },
    ]);
    // The quoted line breaks span lines 3–4 and 6–7; the rows after them keep their true line numbers.
    expect(subscribers(events).map((s) => [s.row, s.email])).toEqual([
      [2, 'ada@example.com'],
      [5, 'bob@example.com'],
      [8, 'carol@example.com'],
    ]);
  });

  it.each([
    ['a tab is fine', 'Ada\tLovelace', undefined],
    ['a NUL byte', 'Ada\u0000', 'contains a control character'],
    ['an escape character', 'Ada\u001b[31m', 'contains a control character'],
    ['text that was not UTF-8', 'Jos\ufffd', 'is not valid UTF-8; save the file as "CSV UTF-8"'],
  ])('checks other characters too: %s', async (_label, name, reason) => {
    const path = join(tmp, 'chars.csv');
    await writeFile(path, `email,first_name\nada@example.com,${name}\n`);
    const [event] = await readAll(path);
    if (reason === undefined) expect(event).toMatchObject({ kind: 'subscriber', subscriber: { firstName: name } });
    else expect(event).toEqual({ kind: 'invalid', problem: { row: 2, column: 'first_name', reason, email: 'ada@example.com' } });
  });

  it('reports a row with more values than the header has columns; trailing empty values are fine', async () => {
    const events = await readAll(fixture('extra-values.csv'));
    expect(subscribers(events).map((s) => s.email)).toEqual(['ada@example.com', 'carol@example.com']);
    expect(problems(events, 'invalid')).toEqual([{ row: 3, column: 'column 3', reason: expect.stringContaining('has 3 values but the header names 2 columns'), email: 'bob@example.com' }]);
  });
});

describe('readSubscribers --strict', () => {
  it.each([
    ['invalid-email.csv', 'row 3, column email', /row 3, column email: is not a valid email address/],
    ['duplicates.csv', 'row 4, column email', /duplicate of row 2/],
    ['injection.csv', 'row 3, column first_name', /line break/],
  ])('refuses the whole list at the first bad row of %s', async (name, where, message) => {
    const error = await failure(readAll(fixture(name), true));
    expect(error.code).toBe('ESUBSCRIBERS');
    expect(error.where).toBe(`${fixture(name)} ${where}`);
    expect(error.message).toMatch(message);
    expect(error.message).toContain('--strict refuses the whole list');
    expect(error.fix).toMatch(/without --strict/);
  });

  it('passes a clean list', async () => {
    expect(subscribers(await readAll(fixture('good.csv'), true))).toHaveLength(4);
  });
});

describe('readSubscribers: files it cannot use', () => {
  it('names the row where an unclosed quote opens', async () => {
    const error = await failure(readAll(fixture('unclosed-quote.csv')));
    expect(error.code).toBe('ESUBSCRIBERS');
    expect(error.message).toContain('the quoted value opened on row 4 is never closed');
    expect(error.where).toBe(`${fixture('unclosed-quote.csv')} row 4`);
    expect(error.fix).toMatch(/Close the quote on row 4/);
  });

  it('stops at a quote that swallows a huge part of the file instead of buffering it', async () => {
    const path = join(tmp, 'runaway.csv');
    await writeFile(path, `email,first_name\nada@example.com,"Ada\n${'x@example.com,filler\n'.repeat(20_000)}`);
    const error = await failure(readAll(path));
    expect(error.message).toMatch(/opened on row 2 is never closed \(the row grows past 256 KB\)/);
  });

  it('explains a missing email column, naming the columns it found', async () => {
    const error = await failure(readAll(fixture('missing-email-header.csv')));
    expect(error.code).toBe('ESUBSCRIBERS');
    expect(error.message).toBe(`${fixture('missing-email-header.csv')} has no "email" column (the header names: address, first_name)`);
    expect(error.where).toBe(`${fixture('missing-email-header.csv')} row 1`);
    expect(error.fix).toContain('email,first_name,last_name,status');
  });

  // Issue 9 §7: `--to .env` printed `SMTP_URL=smtp://u:PASSWORD@h` as "the header".
  it.each([
    ['a .env line', 'SMTP_URL=smtp://u:hunter2@h'],
    ['a key and value', 'API_KEY: hunter2'],
    ['a JSON document', '{"password":"hunter2"}'],
    ['a subscriber row without a header', 'ada@example.com,hunter2'],
    ['a semicolon-separated row', 'ada@example.com;hunter2'],
  ])('never echoes a first line that is not column names (%s)', async (_label, line) => {
    const path = join(tmp, 'not-a-header.csv');
    await writeFile(path, `${line}\nsomething else\n`);
    const error = await failure(readAll(path));
    expect(error.message).toMatch(/has no "email" column \(the first line does not look like a header row/);
    expect(`${error.message} ${error.where} ${error.fix}`).not.toContain('hunter2');
  });

  it('names at most a few columns of a wide header without email', async () => {
    const path = join(tmp, 'wide.csv');
    await writeFile(path, `${Array.from({ length: 30 }, (_, i) => `col${i}`).join(',')}\n`);
    const error = await failure(readAll(path));
    expect(error.message).toMatch(/the header names: col0, col1, .*col7 and 22 more\)$/);
  });

  it('does not echo a header cell that is not a name when two columns clash', async () => {
    const path = join(tmp, 'clash.csv');
    await writeFile(path, 'email,token=hunter2,token=hunter2\nada@example.com,a,b\n');
    const error = await failure(readAll(path));
    expect(error.message).toMatch(/columns 2 and 3 of the header have the same name/);
    expect(`${error.message} ${error.fix}`).not.toContain('hunter2');
  });

  it('recognises a semicolon-separated file', async () => {
    const error = await failure(readAll(fixture('semicolons.csv')));
    expect(error.fix).toMatch(/separated by ";", not commas/);
  });

  it('recognises a file without a header row', async () => {
    const error = await failure(readAll(fixture('no-header.csv')));
    expect(error.fix).toMatch(/first row looks like a subscriber, not a header/);
  });

  it('refuses two columns with the same meaning', async () => {
    const path = join(tmp, 'twice.csv');
    await writeFile(path, 'email,first_name,FirstName\nada@example.com,Ada,Ada\n');
    const error = await failure(readAll(path));
    expect(error.message).toMatch(/columns 2 and 3 of the header both name "firstName"/);
  });

  it('refuses an empty file', async () => {
    const error = await failure(readAll(fixture('empty.csv')));
    expect(error.message).toMatch(/is empty$/);
    expect(error.where).toBe(`${fixture('empty.csv')} row 1`);
  });

  it('names a missing file and the fix', async () => {
    const path = join(tmp, 'nope.csv');
    const error = await failure(readAll(path));
    expect(error.code).toBe('ESUBSCRIBERS');
    expect(error.message).toBe(`Cannot read the subscriber list ${path}: no such file`);
    expect(error.where).toBe(path);
    expect(error.fix).toMatch(/--to subscribers\.csv/);
    expect(error.exitCode).toBe(1);
  });

  it('names a folder passed as the list', async () => {
    const error = await failure(readAll(tmp));
    expect(error.message).toMatch(/it is a folder/);
  });
});

describe('readSubscribers: streaming', () => {
  it('reads a generated 200,000-row list, one event per row', async () => {
    const path = join(tmp, 'big.csv');
    const out = createWriteStream(path);
    out.write('email,first_name,last_name,city\n');
    for (let i = 0; i < 200_000; i++) if (!out.write(`reader${i}@example${i % 97}.com,First${i},Last${i},City ${i % 300}\n`)) await once(out, 'drain');
    out.end();
    await once(out, 'close');
    let count = 0;
    let last: Subscriber | undefined;
    for await (const e of readSubscribers(path)) {
      if (e.kind !== 'subscriber') throw new Error(`unexpected ${e.kind}: ${formatRowProblem(e.problem)}`);
      count++;
      last = e.subscriber;
    }
    expect(count).toBe(200_000);
    expect(last).toMatchObject({ row: 200_001, email: 'reader199999@example82.com', fields: { city: 'City 199' } });
  });

  it('yields the first subscriber before the file is complete (it never waits for the whole file)', async () => {
    // A named pipe: the rest of the "file" is only written after the first subscriber has arrived.
    const fifo = join(tmp, 'list.fifo');
    execFileSync('mkfifo', [fifo]);
    const events = readSubscribers(fifo)[Symbol.asyncIterator]();
    const pending = events.next(); // opens the pipe for reading, which waits for a writer
    const writer = await open(fifo, 'w');
    // csv-parse looks a few bytes ahead before it ends a record, so Bob's row lets Ada's out.
    await writer.write('email,first_name\nada@example.com,Ada\nbob@example.com,Bob\n');
    const first = await pending;
    expect(first.value).toMatchObject({ kind: 'subscriber', subscriber: { email: 'ada@example.com' } });
    await writer.write('carol@example.com,Carol\n');
    await writer.close();
    const rest: SubscriberEvent[] = [];
    for (let r = await events.next(); !r.done; r = await events.next()) rest.push(r.value);
    expect(subscribers(rest).map((s) => s.email)).toEqual(['bob@example.com', 'carol@example.com']);
  });

  it('closes the file when the caller stops early (a --limit)', async () => {
    const openFiles = async () => (await readdir('/proc/self/fd')).length;
    const before = await openFiles();
    let n = 0;
    for await (const _ of readSubscribers(fixture('good.csv'))) if (++n === 2) break;
    expect(n).toBe(2);
    expect(await openFiles()).toBe(before);
  });
});

describe('readSubscribers: expectedRows (the dedupe index sized once from a line count)', () => {
  it('gives the same events whether the index was sized right, too small or not at all, over many 16 KB reads', async () => {
    const path = join(tmp, 'sized.csv');
    const rows = ['email,first_name'];
    // 5,000 rows (~150 KB, many reads of the file); every 250th repeats an address from ~100 KB earlier, in upper case.
    for (let i = 1; i <= 5000; i++) rows.push(i % 250 === 0 && i > 4000 ? `READER.${i - 3500}@EXAMPLE.COM,Dup` : `reader.${i}@example.com,Name ${i}`);
    await writeFile(path, rows.join('\n') + '\n');
    const read = async (expectedRows?: number) => {
      const events: SubscriberEvent[] = [];
      for await (const e of readSubscribers(path, { expectedRows })) events.push(e);
      return events;
    };
    const plain = await read();
    expect(subscribers(plain)).toHaveLength(4996);
    expect(problems(plain, 'duplicate').map((p) => p.reason)).toEqual([750, 1000, 1250, 1500].map((r) => `duplicate of row ${r + 1}`));
    expect(await read(5001)).toEqual(plain);
    expect(await read(10)).toEqual(plain);
  });
});
