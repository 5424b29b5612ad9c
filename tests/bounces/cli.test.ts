// `newsletter bounces`: a wrong command line, a missing or example setting and a second reader each
// get a clear error with the fix, before anything is read or changed.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { FIXTURES } from '../helpers/content.ts';
import { CLEAN_ENV, CONTENT } from '../send/helpers.ts';

/** A send journal as `newsletter send` writes it: the run record and one recipient. */
async function writeJournal(state: string): Promise<void> {
  await mkdir(state, { recursive: true });
  const lines = [{ s: 'run', t: 1, issue: '2026-03-01-send-fixture', list: '/l.csv', pid: 1, concurrency: 1, rate: null }, { s: 'sent', e: 'ada@example.com', r: '250 ok', t: 2 }];
  await writeFile(join(state, '2026-03-01-send-fixture--l-0123456789.journal.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

async function bounces(args: string[], env: Record<string, string> = {}) {
  const dir = await tempDir();
  return { dir, result: await runCli(['bounces', '--content', CONTENT, '--state', join(dir, 'state'), ...args], { cwd: dir, env: { ...CLEAN_ENV, ...env } }) };
}

describe('newsletter bounces, refused before reading', () => {
  it.each([
    [[], /No source/, /--maildir DIR, --mbox FILE, --eml DIR or --imap/],
    [['--maildir', 'a', '--mbox', 'b'], /Choose one source; got --maildir and --mbox/, /Pass one of/],
    [['--maildir', 'a', '--folder', 'INBOX'], /--folder and --move-to are for --imap/, /--imap/],
    [['--maildir', 'mail', '--soft-limit', '0'], /--soft-limit must be a whole number of at least 1/, /--soft-limit 3/],
  ])('%j', async (args, message, fix) => {
    const { result } = await bounces(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(fix);
  });

  it('--imap without IMAP_URL names the setting; the example value is refused without printing its password', async () => {
    const missing = (await bounces(['--imap'])).result;
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/IMAP_URL/);
    const example = (await bounces(['--imap'], { IMAP_URL: 'imaps://bounces:password@imap.example.com:993' })).result;
    expect(example.code).toBe(1);
    expect(example.stderr).toMatch(/IMAP_URL .*example/);
    expect(example.stderr).not.toContain('bounces:password');
  });

  it('a folder that is not a Maildir is named, with the fix', async () => {
    const dir = await tempDir();
    await writeJournal(join(dir, 'state'));
    await mkdir(join(dir, 'notmaildir'));
    const result = await runCli(['bounces', '--content', CONTENT, '--state', join(dir, 'state'), '--maildir', join(dir, 'notmaildir')], { cwd: dir, env: CLEAN_ENV });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/notmaildir/);
    expect(result.stderr).toMatch(/cur\/|new\//);
  });

  it('a state folder without send journals: nothing is read, the mailbox is untouched, the fix names --state and, for a queue campaign, --queue', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'inbox'));
    await writeFile(join(dir, 'inbox', 'a.eml'), await readFile(join(FIXTURES, 'bounces', 'postfix-real-dsn.eml')));
    const result = await runCli(['bounces', '--content', CONTENT, '--state', join(dir, 'state'), '--eml', join(dir, 'inbox')], { cwd: dir, env: CLEAN_ENV });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/No send journals in .*state/);
    expect(result.stderr).toMatch(/--state DIR/);
    expect(result.stderr).toMatch(/send --queue URL`, pass the same --queue URL/);
    expect(await readdir(join(dir, 'inbox'))).toEqual(['a.eml']);
  });

  it('a second reader of the same state folder is refused in its own words before it connects to the mailbox, and exits at once', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state');
    await writeJournal(state);
    // Held by a live process on this host (this test's).
    await writeFile(join(state, 'bounces.lock'), `${process.pid}\n${hostname()}\n${new Date().toISOString()}\nabcdef0123456789\n`);
    // A server that counts connections and never answers: an IMAP connection opened before the lock would hang the run.
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.on('error', () => {});
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await runCli(['bounces', '--content', CONTENT, '--state', state, '--imap'], { cwd: dir, env: { ...CLEAN_ENV, IMAP_URL: `imap://u:p@127.0.0.1:${port}` }, killAfterMs: 20_000 });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`Another \`newsletter bounces\` \\(pid ${process.pid}\\) is already reading bounces into this state folder`));
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });

  it('BOUNCE_ADDRESS without UNSUBSCRIBE_SECRET: the tokens cannot be checked, so nothing is read', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.eml'), 'Subject: x\r\n\r\nx\r\n');
    const result = await runCli(['bounces', '--content', CONTENT, '--state', join(dir, 'state'), '--eml', dir], { cwd: dir, env: { ...CLEAN_ENV, BOUNCE_ADDRESS: 'bounces@news.your-domain.net' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/UNSUBSCRIBE_SECRET/);
  });
});
