import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify/sync';

/** A generated subscriber: the same fields the CSV reader yields. */
export interface FakeSubscriber {
  email: string;
  firstName?: string;
  lastName?: string;
}

// Names that exercise the work: HTML escaping (O'Brien, <b>), non-ASCII (Zoë, 李), and missing names (greeting fallback).
const FIRST = ['Ana', 'Ben', "D'Arcy", 'Zoë', 'Émile', '李', 'Sam <b>', 'Priya', '', 'Olu'];
const LAST = ['Smith', "O'Brien", 'García', '', 'Nguyen', 'Müller', 'Khan', 'Okafor', 'Rossi'];

/** Deterministic subscriber number i: every address distinct, spread over 97 domains. */
export function fakeSubscriber(i: number): FakeSubscriber {
  const first = FIRST[i % FIRST.length]!;
  const last = LAST[i % LAST.length]!;
  return {
    email: `reader.${i}@list${i % 97}.example.com`,
    ...(first ? { firstName: first } : {}),
    ...(last ? { lastName: last } : {}),
  };
}

/**
 * Write a subscriber CSV of `rows` data rows (plus the header). Unless `clean`,
 * every 1000th row repeats an earlier address in upper case (a duplicate to
 * drop) and every 997th has an invalid address, so validation and dedupe have
 * work to do. Returns how many rows should come out as valid, distinct subscribers.
 */
export async function writeSubscriberCsv(path: string, rows: number, { clean = false } = {}): Promise<{ valid: number; duplicates: number; invalid: number }> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let valid = 0;
  let duplicates = 0;
  let invalid = 0;
  // csv-stringify quotes what needs it, as for the state files; rows go to it a batch at a time.
  let rowsOut: string[][] = [['email', 'first_name', 'last_name', 'status']];
  for (let i = 1; i <= rows; i++) {
    let email: string;
    const s = fakeSubscriber(i);
    if (!clean && i % 997 === 0) {
      email = `not-an-address-${i}`;
      invalid++;
    } else if (!clean && i % 1000 === 0) {
      // An earlier row's address in upper case (that row itself valid: not a multiple of 997).
      const j = (i - 500) % 997 === 0 ? i - 501 : i - 500;
      email = fakeSubscriber(j).email.toUpperCase();
      duplicates++;
    } else {
      email = s.email;
      valid++;
    }
    rowsOut.push([email, s.firstName ?? '', s.lastName ?? '', 'subscribed']);
    if (rowsOut.length >= 2048) {
      if (!out.write(stringify(rowsOut))) await once(out, 'drain');
      rowsOut = [];
    }
  }
  out.end(stringify(rowsOut));
  await once(out, 'close');
  return { valid, duplicates, invalid };
}
