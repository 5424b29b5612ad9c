import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSuppression, SUPPRESSION_FILE } from '../../src/send/suppression.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'newsletter-suppression-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('suppression list', () => {
  it('is empty when the state folder has none yet, and creates nothing just by loading', async () => {
    const state = join(dir, '.newsletter');
    const s = await loadSuppression(state);
    expect(s.size).toBe(0);
    expect(s.has('ada@example.com')).toBe(false);
    await s.close();
    await expect(readFile(join(state, SUPPRESSION_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('adds addresses case-insensitively, once, and keeps them across loads', async () => {
    const s = await loadSuppression(dir);
    expect(await s.add('Ada@Example.com', 'unsubscribed', 'unsubscribe-server')).toBe(true);
    expect(await s.add('ada@example.com', 'bounced', 'send')).toBe(false);
    expect(await s.add('bob@example.com', 'complained', 'feedback loop, "abuse" report')).toBe(true);
    expect(s.has('ADA@example.COM')).toBe(true);
    expect(s.has(' ada@example.com ')).toBe(true);
    expect(s.has('carol@example.com')).toBe(false);
    await s.close();

    const text = await readFile(join(dir, SUPPRESSION_FILE), 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('email,reason,source,added_at');
    expect(lines[1]).toMatch(/^Ada@Example\.com,unsubscribed,unsubscribe-server,\d{4}-\d\d-\d\dT/);
    expect(lines[2]).toMatch(/^bob@example\.com,complained,"feedback loop, ""abuse"" report",/);
    expect(lines).toHaveLength(3);

    const again = await loadSuppression(dir);
    expect(again.size).toBe(2);
    expect(again.has('ada@example.com')).toBe(true);
    expect(again.has('BOB@example.com')).toBe(true);
    await again.close();
  });

  it('runs concurrent adds one at a time, writing each address once', async () => {
    const s = await loadSuppression(dir);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => s.add(`r${i % 10}@example.com`, 'unsubscribed', 'test')));
    expect(results.filter(Boolean)).toHaveLength(10);
    await s.close();
    const lines = (await readFile(join(dir, SUPPRESSION_FILE), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(11);
  });

  it('survives a torn last line from a crash mid-write, and the next add starts on a fresh line', async () => {
    const path = join(dir, SUPPRESSION_FILE);
    await writeFile(path, 'email,reason,source,added_at\nada@example.com,unsubscribed,x,2026-01-01T00:00:00.000Z\nbob@exa');
    const s = await loadSuppression(dir);
    expect(s.has('ada@example.com')).toBe(true);
    await s.add('carol@example.com', 'bounced', 'send');
    await s.close();
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines[2]).toBe('bob@exa');
    expect(lines[3]).toMatch(/^carol@example\.com,bounced,send,/);
    const again = await loadSuppression(dir);
    expect(again.has('carol@example.com')).toBe(true);
    await again.close();
  });

  it('reads a hand-made list with just an email column, or with no header at all, or no final newline', async () => {
    const path = join(dir, SUPPRESSION_FILE);
    await writeFile(path, 'Email\nada@example.com\n');
    await appendFile(path, 'bob@example.com,bounced\n');
    const s = await loadSuppression(dir);
    expect([s.has('ada@example.com'), s.has('bob@example.com'), s.size]).toEqual([true, true, 2]);
    await s.close();
    await writeFile(path, 'carol@example.com\ndave@example.com');
    const t = await loadSuppression(dir);
    expect([t.has('carol@example.com'), t.has('dave@example.com')]).toEqual([true, true]);
    await t.close();
  });

  it.each([
    ['an invalid address', 'not-an-address', 'unsubscribed', 'x'],
    ['a line break in the address', 'ada@example.com\r\nbcc@example.com', 'unsubscribed', 'x'],
    ['an unknown reason', 'ada@example.com', 'deleted', 'x'],
    ['a line break in the source', 'ada@example.com', 'bounced', 'a\nb'],
  ])('refuses %s, writing nothing', async (_label, email, reason, source) => {
    const s = await loadSuppression(dir);
    await expect(s.add(email, reason as 'unsubscribed', source)).rejects.toMatchObject({ code: 'ESUBSCRIBERS' });
    await s.close();
    await expect(readFile(join(dir, SUPPRESSION_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
