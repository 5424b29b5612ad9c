import { readFileSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NewsletterError } from '../../src/errors.ts';
import { Journal, journalPath } from '../../src/send/index.ts';
import { STATE } from '../../src/send/state-index.ts';
import { tempDir } from '../helpers/cli.ts';

const t = 0;

describe('send journal', () => {
  it('keeps the last state of each address, survives a reopen, and lists final failures', async () => {
    const dir = await tempDir();
    const path = journalPath(dir, 'issue-1', join(dir, 'list.csv'));
    const j = await Journal.open(path);
    await j.record({ s: 'sending', e: 'a@example.com', n: 1, t });
    await j.record({ s: 'sent', e: 'a@example.com', r: '250 OK', t });
    await j.record({ s: 'pending', e: 'b@example.com', n: 1, why: '451 try later', t });
    await j.record({ s: 'failed', e: 'b@example.com', k: 'transient', code: 'ECONNECTION', m: 'dropped', t });
    await j.record({ s: 'failed', e: 'c@example.com', k: 'permanent', code: 'EENVELOPE', rc: 550, cmd: 'RCPT TO', m: '550 no such user', t });
    await j.record({ s: 'sending', e: 'd@example.com', n: 1, t });
    await j.close();

    const again = await Journal.open(path);
    expect(again.stateOf('a@example.com')).toBe(STATE.sent);
    expect(again.stateOf('b@example.com')).toBe(STATE.failedTransient);
    expect(again.stateOf('c@example.com')).toBe(STATE.failedPermanent);
    expect(again.stateOf('d@example.com')).toBe(STATE.sending);
    expect(again.stateOf('e@example.com')).toBe(STATE.none);
    expect((await again.failures()).map((f) => [f.e, f.k, f.rc])).toEqual([
      ['b@example.com', 'transient', undefined],
      ['c@example.com', 'permanent', 550],
    ]);
    await again.close();
  });

  it('tolerates a torn last line (kill -9 mid-write): drops it and appends cleanly after', async () => {
    const dir = await tempDir();
    const path = join(dir, 'j.journal.jsonl');
    const torn = '{"s":"sent","e":"b@exa';
    await writeFile(path, `{"s":"sent","e":"a@example.com","r":"250 OK","t":0}\n${torn}`);
    const j = await Journal.open(path);
    expect(j.tornBytes).toBe(torn.length);
    expect(j.stateOf('a@example.com')).toBe(STATE.sent);
    expect(j.stateOf('b@example.com')).toBe(STATE.none);
    await j.record({ s: 'sent', e: 'c@example.com', r: '250 OK', t });
    await j.close();
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines).toEqual(['{"s":"sent","e":"a@example.com","r":"250 OK","t":0}', '{"s":"sent","e":"c@example.com","r":"250 OK","t":0}', '']);
  });

  it('also drops a garbage tail that ends in a newline (zeros after a power loss)', async () => {
    const dir = await tempDir();
    const path = join(dir, 'j.journal.jsonl');
    await writeFile(path, '{"s":"sent","e":"a@example.com","r":"250","t":0}\n\0\0\0\0\n');
    const j = await Journal.open(path);
    expect(j.stateOf('a@example.com')).toBe(STATE.sent);
    expect(j.tornBytes).toBe(5);
    await j.close();
  });

  it('refuses a journal damaged in the middle, naming the line', async () => {
    const dir = await tempDir();
    const path = join(dir, 'j.journal.jsonl');
    await writeFile(path, '{"s":"sent","e":"a@example.com","r":"250","t":0}\nnot json\n{"s":"sent","e":"b@example.com","r":"250","t":0}\n');
    const error = await Journal.open(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NewsletterError);
    expect((error as NewsletterError).where).toBe(`${path}:2`);
    expect((error as NewsletterError).exitCode).toBe(3);
  });

  it('lets one sender at a time use a journal, and takes over the lock of a dead one', async () => {
    const dir = await tempDir();
    const path = join(dir, 'j.journal.jsonl');
    const first = await Journal.open(path);
    const error = await Journal.open(path).catch((e: unknown) => e);
    expect((error as NewsletterError).message).toMatch(/Another `newsletter send` \(pid \d+\) is already sending/);
    await first.close();
    // A lock left by a process that is gone (kill -9): pid 2^22+1 is above Linux's pid_max default.
    await writeFile(`${path}.lock`, '4194305\n');
    const taken = await Journal.open(path);
    await taken.close();
  });

  it('is one file per (issue, list) and never contains secrets (only what it is given)', async () => {
    const dir = await tempDir();
    expect(journalPath(dir, 'a', '/x/list.csv')).not.toBe(journalPath(dir, 'b', '/x/list.csv'));
    expect(journalPath(dir, 'a', '/x/list.csv')).not.toBe(journalPath(dir, 'a', '/y/list.csv'));
    expect(journalPath(dir, 'a', '/x/list.csv')).toMatch(/a--list-[0-9a-f]{10}\.journal\.jsonl$/);
    const path = join(dir, 'j.journal.jsonl');
    await appendFile(path, '');
    const j = await Journal.open(path);
    expect(j.runs).toBe(0);
    await j.close();
  });

  it('writes records recorded in uneven bursts (many group commits) into the file in the order recorded, with no gap', async () => {
    const dir = await tempDir();
    const path = join(dir, 'j.journal.jsonl');
    const j = await Journal.open(path);
    const lines: string[] = [];
    const all: Promise<void>[] = [];
    for (let i = 0; i < 400; i++) {
      // Uneven bursts: groups of different sizes, several of them written at the same time.
      if (i % 13 === 0 || i % 29 === 0) await new Promise((resolve) => setImmediate(resolve));
      const e = `r${i}@example.com`;
      lines.push(JSON.stringify({ s: 'sending', e, n: 1, t }));
      all.push(j.record({ s: 'sending', e, n: 1, t }));
    }
    await Promise.all(all);
    await j.close();
    expect(await readFile(path, 'utf8')).toBe(lines.map((l) => l + '\n').join(''));
    const again = await Journal.open(path);
    expect(again.tornBytes).toBe(0);
    await again.close();
  });

  it('settles each record once it is in the file, in the order recorded, across group commits', async () => {
    const dir = await tempDir();
    const path = join(dir, 'j.journal.jsonl');
    const j = await Journal.open(path);
    const keys = Array.from({ length: 60 }, (_, i) => `r${i}@example.com`);
    const settled: string[] = [];
    const missing: string[] = [];
    const all: Promise<void>[] = [];
    for (const [i, e] of keys.entries()) {
      // Some in the same moment, some while an earlier group is being written.
      if (i % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
      all.push(
        j.record({ s: 'sent', e, r: '250', t }).then(() => {
          settled.push(e);
          if (!readFileSync(path, 'utf8').includes(`"e":"${e}"`)) missing.push(e);
        }),
      );
    }
    await Promise.all(all);
    await j.close();
    expect(missing).toEqual([]);
    expect(settled).toEqual(keys);
  });
});
