/**
 * Reading what a send left behind: the journal's records (complete lines only, as a
 * crash or a full disk can leave a torn last one) and the messages the loopback
 * server accepted, counted per recipient from the parsed To header (mailparser).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JournalRecord } from '../../src/send/index.ts';
import type { SmtpTestServer } from './smtp-test-server.ts';

/**
 * Every record of a journal file. A torn last line (no newline after it: a crash
 * or a full disk) fails the parse unless `tornTail` is 'drop'.
 */
export async function journalRecords(path: string, { tornTail = 'fail' }: { tornTail?: 'fail' | 'drop' } = {}): Promise<JournalRecord[]> {
  const text = await readFile(path, 'utf8');
  const lines = tornTail === 'drop' ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
  return lines.split('\n').filter(Boolean).map((line) => JSON.parse(line) as JournalRecord);
}

/** The one journal in a state folder (one issue, one list). */
export async function journalIn(stateDir: string): Promise<string> {
  const name = (await readdir(stateDir)).find((n) => n.endsWith('.journal.jsonl'));
  if (!name) throw new Error(`no journal in ${stateDir}`);
  return join(stateDir, name);
}

/** The last state recorded for each address (the journal's rule: the last record wins). */
export function lastStates(records: JournalRecord[]): Map<string, string> {
  const states = new Map<string, string>();
  for (const r of records) if ('e' in r && r.s !== 'suppress') states.set(r.e, r.s);
  return states;
}

/** Addresses whose last record is `s`. */
export function withState(states: Map<string, string>, s: string): string[] {
  return [...states].filter(([, state]) => state === s).map(([e]) => e).sort();
}

/**
 * Messages accepted per recipient across servers, read from each parsed message's To header
 * (not the envelope): what a mailbox would show. Also checks the envelope agrees.
 */
export function deliveredCounts(...servers: SmtpTestServer[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const server of servers)
    for (const m of server.received) {
      const to = m.parsed.to;
      const addresses = (Array.isArray(to) ? to : to ? [to] : []).flatMap((a) => a.value).map((v) => (v.address ?? '').toLowerCase());
      const [address] = addresses;
      if (address === undefined || addresses.length !== 1 || m.envelopeTo.length !== 1 || m.envelopeTo[0]?.toLowerCase() !== address)
        throw new Error(`message ${m.n}: To ${addresses.join(', ')} does not match the envelope ${m.envelopeTo.join(', ')}`);
      counts.set(address, (counts.get(address) ?? 0) + 1);
    }
  return counts;
}

/** Wait (polling) until `condition` holds; the test's own timeout bounds the wait. */
export async function until(condition: () => boolean, everyMs = 5): Promise<void> {
  while (!condition()) await sleep(everyMs);
}
