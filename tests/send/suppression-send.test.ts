import { mkdirSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { journalPath } from '../../src/send/journal.ts';
import { loadSuppression, SUPPRESSION_FILE } from '../../src/audience/suppression.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server.ts';
import { CLEAN_ENV, addressOf, cliEnv, CONTENT, ISSUE, writeList } from './helpers.ts';

const SLUG = '2026-03-01-send-fixture';

let server: SmtpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function listOf(dir: string, emails: string[], name = 'list.csv'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `email,first_name\n${emails.map((e) => `${e},Reader`).join('\n')}\n`);
  return path;
}

const send = (dir: string, list: string, state: string, port: number | undefined, extra: string[] = []) =>
  runCli(['send', ISSUE, '--content', CONTENT, '--to', list, '--state', state, ...extra], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(port) } });

describe('a damaged suppression.csv (send)', () => {
  it('an unclosed quote on line 2 of a 1,000-line list: a dry run renders none of the later addresses', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state');
    await mkdir(state);
    const suppressed = Array.from({ length: 998 }, (_, i) => `s${i + 3}@example.com`);
    await writeFile(
      join(state, SUPPRESSION_FILE),
      ['email,reason,source,added_at', 'broken@example.com,unsubscribed,"hand edit, never closed', ...suppressed.map((e) => `${e},unsubscribed,unsubscribe-server,2026-01-01T00:00:00.000Z`)].join('\n') + '\n',
    );
    const list = await listOf(dir, ['keep1@example.com', 'broken@example.com', ...suppressed, 'keep2@example.com']);
    const r = await send(dir, list, state, 2525, ['--dry-run', '--out', join(dir, 'out')]);
    expect(r.stderr).not.toMatch(/Internal error/);
    expect(r.code).toBe(0);
    const files = await readdir(join(dir, 'out', SLUG, 'outbox'));
    expect(files.map((f) => f.replace(/^\d+-|\.eml$/g, '')).sort()).toEqual(['keep1@example.com', 'keep2@example.com']);
  });

  it('a torn quoted tail, CRLF line ends, a BOM and bare-address lines: a real send mails none of the suppressed', async () => {
    server = await startSmtpTestServer();
    const dir = await tempDir();
    const state = join(dir, 'state');
    await mkdir(state);
    const lines = [
      '\uFEFFemail,reason,source,added_at',
      'ada@example.com,unsubscribed,x,2026-01-01T00:00:00.000Z',
      'torn@example.com,bounced,"smtp 550 5.1.1 user unknown, mailb',
      'bare@example.com',
      '"quoted@example.com",complained,"fbl, ""abuse""",2026-01-02T00:00:00.000Z',
      'Last@Example.com,unsubscribed,x,2026-01-03T00:00:00.000Z',
    ];
    await writeFile(join(state, SUPPRESSION_FILE), lines.join('\r\n') + '\r\n');
    const blocked = ['ada', 'torn', 'bare', 'quoted', 'last'].map((a) => `${a}@example.com`);
    const list = await listOf(dir, ['keep@example.com', ...blocked]);
    const r = await send(dir, list, state, server.port);
    expect(r.stderr).not.toMatch(/Internal error/);
    expect(r.code).toBe(0);
    expect(server.received.map((m) => m.envelopeTo[0])).toEqual(['keep@example.com']);
    for (const a of blocked) expect(server.count(a), a).toBe(0);
  });
});

describe('state files are never followed through a symlink', () => {
  it('a symlinked suppression.csv: exit 1 naming the file, nothing sent, the target untouched', async () => {
    server = await startSmtpTestServer();
    const dir = await tempDir();
    const state = join(dir, 'state');
    await mkdir(state);
    const target = join(dir, 'precious.txt');
    await writeFile(target, 'precious\n');
    await symlink(target, join(state, SUPPRESSION_FILE));
    const list = await writeList(dir, 3);
    for (const extra of [[], ['--dry-run', '--out', join(dir, 'out')]]) {
      const r = await send(dir, list, state, server.port, extra);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(join(state, SUPPRESSION_FILE));
      expect(r.stderr).toMatch(/symbolic link/);
    }
    expect(server.total()).toBe(0);
    expect(await readFile(target, 'utf8')).toBe('precious\n');
  });

  it('a symlinked failures CSV: exit 1 naming the file, nothing sent, the target untouched', async () => {
    server = await startSmtpTestServer({ permanentFail: (rcpt) => rcpt === addressOf(1) });
    const dir = await tempDir();
    const state = join(dir, 'state');
    await mkdir(state);
    const list = await writeList(dir, 3);
    const failures = journalPath(state, SLUG, list).replace(/\.journal\.jsonl$/, '.failures.csv');
    const target = join(dir, 'precious.txt');
    await writeFile(target, 'precious\n');
    await symlink(target, failures);
    const r = await send(dir, list, state, server.port);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(failures);
    expect(server.total()).toBe(0);
    expect(await readFile(target, 'utf8')).toBe('precious\n');
  });
});

describe('the failures CSV', () => {
  it('is written by a CSV writer: formulas (ASCII or full-width) are defused and values round-trip', async () => {
    const dir = await tempDir();
    const list = join(dir, 'list.csv');
    await writeFile(list, 'email,first_name\nok@example.com,Ok\n"=HYPERLINK(""http://evil"",""x"")",A\n＝1+1,B\n"@SUM(1,2)",C\n');
    const r = await send(dir, list, join(dir, 'state'), 2525, ['--dry-run', '--out', join(dir, 'out')]);
    expect(r.stderr).not.toMatch(/Internal error/);
    const rows = parse<Record<string, string>>(await readFile(join(dir, 'out', SLUG, 'dry-run-failures.csv'), 'utf8'), { columns: true });
    expect(rows.map((row) => row.email)).toEqual([`'=HYPERLINK("http://evil","x")`, `'＝1+1`, `'@SUM(1,2)`]);
    for (const row of rows) expect(row.outcome).toBe('invalid');
  });
});

describe('a hard bounce whose suppression write fails', () => {
  it('stops the run (exit 3); the next run writes it to the list before sending, and nobody mails it again', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state');
    const supp = join(state, SUPPRESSION_FILE);
    const bounced = addressOf(3);
    let broken = false;
    server = await startSmtpTestServer({
      permanentFail: (rcpt) => {
        if (rcpt !== bounced) return false;
        // As root a read-only mode does not stop a write; a folder in the file's place does.
        if (!broken) {
          rmSync(supp, { force: true });
          mkdirSync(supp, { recursive: true });
          broken = true;
        }
        return true;
      },
    });
    const list = await writeList(dir, 6);
    const first = await send(dir, list, state, server.port, ['--concurrency', '1']);
    expect(first.stderr + first.stdout).not.toMatch(/Internal error/);
    expect(first.code).toBe(3);
    expect(first.stderr + first.stdout).toContain(bounced);
    expect(first.stderr + first.stdout).toContain(SUPPRESSION_FILE);

    await rm(supp, { recursive: true });
    const second = await send(dir, list, state, server.port, ['--concurrency', '1']);
    expect(second.stderr + second.stdout).not.toMatch(/Internal error/);
    expect([0, 2]).toContain(second.code);
    const s = await loadSuppression(state);
    expect(s.has(bounced)).toBe(true);
    await s.close();

    // Another list (another journal) with the bounced address: it is suppressed, never attempted.
    const other = await listOf(dir, [bounced, 'new@example.com'], 'other.csv');
    const third = await send(dir, other, state, server.port);
    expect(third.code).toBe(0);
    expect(server.replies.filter((x) => x.rcpt === bounced)).toHaveLength(1);
    for (let i = 0; i < 6; i++) expect(server.count(addressOf(i)), addressOf(i)).toBe(i === 3 ? 0 : 1);
    expect(server.count('new@example.com')).toBe(1);
  });
});
