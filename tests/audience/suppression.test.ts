import { appendFile, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSuppression, SUPPRESSION_FILE, type SuppressionProblem } from '../../src/audience/suppression.ts';

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
  it('skips only the damaged line: an unclosed quote on line 2 of a 1,000-line file leaves every later address suppressed', async () => {
    const later = Array.from({ length: 998 }, (_, i) => `s${i + 3}@example.com,unsubscribed,unsubscribe-server,2026-01-01T00:00:00.000Z`);
    await writeFile(join(dir, SUPPRESSION_FILE), ['email,reason,source,added_at', 'broken@example.com,unsubscribed,"hand edit, never closed,2026-01-01', ...later].join('\n') + '\n');
    const problems: SuppressionProblem[] = [];
    const s = await loadSuppression(dir, { onProblem: (p) => problems.push(p) });
    for (let i = 3; i <= 1000; i++) expect(s.has(`s${i}@example.com`), `s${i}`).toBe(true);
    // The damaged line still starts with an address: it counts too.
    expect(s.has('broken@example.com')).toBe(true);
    expect(s.size).toBe(999);
    expect(problems).toEqual([expect.objectContaining({ line: 2, kept: 'broken@example.com' })]);
    expect(problems[0]!.reason).toMatch(/quote/i);
    await s.close();
  });

  it('reads a torn quoted tail, CRLF line ends, a BOM, bare and quoted addresses, and reports a line with no address', async () => {
    const lines = [
      '\uFEFFemail,reason,source,added_at',
      'ada@example.com,unsubscribed,x,2026-01-01T00:00:00.000Z',
      'torn@example.com,bounced,"smtp 550 5.1.1 user unknown, mailb',
      'bare@example.com',
      '"quoted@example.com",complained,"fbl, ""abuse""",2026-01-02T00:00:00.000Z',
      '  spaced@example.com  ,unsubscribed',
      '',
      'no address here,unsubscribed',
      'last@example.com,unsubscribed,x,2026-01-03T00:00:00.000Z',
    ];
    await writeFile(join(dir, SUPPRESSION_FILE), lines.join('\r\n'));
    const problems: SuppressionProblem[] = [];
    const s = await loadSuppression(dir, { onProblem: (p) => problems.push(p) });
    for (const a of ['ada', 'torn', 'bare', 'quoted', 'spaced', 'last']) expect(s.has(`${a}@example.com`), a).toBe(true);
    expect(s.size).toBe(6);
    expect(problems.map((p) => [p.line, p.kept])).toEqual([
      [3, 'torn@example.com'],
      [8, undefined],
    ]);
    expect(problems).toHaveLength(2);
    await s.close();
  });

  it('writes with a CSV writer: a source with commas, quotes and a leading = reads back exactly', async () => {
    const sources = ['send: 550 5.1.1 "x", unknown', '=HYPERLINK("http://evil")', ' padded ', 'a""b,,c'];
    const s = await loadSuppression(dir);
    for (const [i, source] of sources.entries()) await s.add(`r${i}@example.com`, 'bounced', source);
    await s.close();
    const rows = parse<Record<string, string>>(await readFile(join(dir, SUPPRESSION_FILE), 'utf8'), { columns: true });
    expect(rows.map((r) => [r.email, r.reason, r.source])).toEqual(sources.map((source, i) => [`r${i}@example.com`, 'bounced', source]));
    const againProblems: SuppressionProblem[] = [];
    const again = await loadSuppression(dir, { onProblem: (p) => againProblems.push(p) });
    expect(again.size).toBe(4);
    expect(againProblems).toEqual([]);
    await again.close();
  });

  it('creates the folder 0700 and the file 0600', async () => {
    const state = join(dir, 'fresh');
    const s = await loadSuppression(state);
    await s.add('ada@example.com', 'unsubscribed', 'x');
    await s.close();
    expect((await stat(state)).mode & 0o777).toBe(0o700);
    expect((await stat(join(state, SUPPRESSION_FILE))).mode & 0o777).toBe(0o600);
  });

  it('refuses a symlinked suppression.csv (ESTATE, exit 1), reading and writing nothing through it', async () => {
    const target = join(dir, 'elsewhere.txt');
    await writeFile(target, 'precious\n');
    const state = join(dir, 'state');
    await mkdir(state);
    await symlink(target, join(state, SUPPRESSION_FILE));
    await expect(loadSuppression(state)).rejects.toMatchObject({ code: 'ESTATE', exitCode: 1, message: expect.stringContaining(SUPPRESSION_FILE) });
    expect(await readFile(target, 'utf8')).toBe('precious\n');
  });

  it('a write that fails is an ESTATE error naming the file (exit 3)', async () => {
    const s = await loadSuppression(dir);
    // As root a read-only mode does not stop a write; a folder in the file's place does.
    await mkdir(join(dir, SUPPRESSION_FILE));
    await expect(s.add('ada@example.com', 'bounced', 'x')).rejects.toMatchObject({ code: 'ESTATE', exitCode: 3, message: expect.stringContaining(SUPPRESSION_FILE) });
    expect(s.has('ada@example.com')).toBe(false);
    await s.close();
  });
});
