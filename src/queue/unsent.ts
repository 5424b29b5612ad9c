import { rename, rm, writeFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { NewsletterError } from '../errors.ts';
import { aliveKey, campaignKeys } from '../redis/index.ts';

/**
 * `newsletter status --unsent FILE`: the addresses a cancelled campaign never sent, as a CSV to
 * enqueue as a new campaign of only them (a new campaign of the whole list would mail everyone
 * again, those already sent included). Read from the `state` hash (src/queue/state.ts):
 *   q queued, p pending a retry, c claimed by a worker that is gone → listed (never reached a server)
 *   s being sent by a worker that is gone → left out and counted: the server may have accepted it
 *   c or s of a live worker → refused for now: that worker may still send it
 */

export interface UnsentSummary {
  file: string;
  /** Addresses written. */
  written: number;
  /** Left out: they were being sent when their worker died, so each may have been delivered. */
  maybeSent: number;
}

/** HSCAN's COUNT: a thousand fields a round trip. */
const SCAN_COUNT = 1000;

const LISTED_CODES = new Set(['q', 'p', 'c']);

/** A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180 §2.6–2.7). */
const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

export async function writeUnsent(redis: Redis, id: string, file: string): Promise<UnsentSummary> {
  const keys = campaignKeys(id);
  const status = await redis.hget(keys.meta, 'status');
  if (status !== 'cancelled')
    throw new NewsletterError('EUSAGE', `Campaign ${id} is ${status ?? 'gone'}, not cancelled: its workers still send to the recipients not sent yet`, {
      where: '--unsent',
      fix: `Listing them for another campaign now would mail them twice. Let it finish, or cancel it first (\`newsletter cancel --queue URL --campaign ${id}\`), then run --unsent again.`,
    });
  const alive = new Map<string, boolean>();
  const isAlive = async (owner: string) => {
    if (!alive.has(owner)) alive.set(owner, (await redis.exists(aliveKey(owner))) === 1);
    return alive.get(owner)!;
  };
  // HSCAN may return a field twice while Redis rehashes the hash.
  const listed = new Set<string>();
  let maybeSent = 0;
  let inFlight = 0;
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(keys.state, cursor, 'COUNT', SCAN_COUNT);
    cursor = next;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const email = flat[i]!;
      const [code = '', owner = ''] = flat[i + 1]!.split('|', 2);
      const held = (code === 'c' || code === 's') && (await isAlive(owner));
      if (held) inFlight++;
      else if (LISTED_CODES.has(code)) listed.add(email);
      else if (code === 's') maybeSent++;
    }
  } while (cursor !== '0');
  if (inFlight)
    throw new NewsletterError('EUSAGE', `Campaign ${id}: ${inFlight} recipients are still in flight with live workers, which finish them after the cancel`, {
      where: '--unsent',
      fix: 'Run the same command again in a few seconds, once the workers are done with them (`newsletter status` shows "in flight" at 0).',
    });
  const text = ['email', ...[...listed].sort().map(csvField)].join('\n') + '\n';
  await writeWhole(file, text);
  return { file, written: listed.size, maybeSent };
}

/** Whole or not at all (a temp file renamed into place): a half-written list sent as a campaign would silently miss people. */
async function writeWhole(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  try {
    await writeFile(temp, text);
    await rename(temp, file);
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => {});
    throw new NewsletterError('EOUTPUT', `Cannot write ${file}: ${(cause as Error).message}`, { where: '--unsent', fix: 'Check that the folder exists and is writable and the disk is not full, or pass another --unsent FILE.', cause });
  }
}
