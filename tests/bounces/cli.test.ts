// `newsletter bounces`: a wrong command line, a missing or example setting and a second reader each
// get a clear error with the fix, before anything is read or changed.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { CLEAN_ENV, CONTENT } from '../send/helpers.ts';

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
    await mkdir(join(dir, 'notmaildir'));
    const result = await runCli(['bounces', '--content', CONTENT, '--state', join(dir, 'state'), '--maildir', join(dir, 'notmaildir')], { cwd: dir, env: CLEAN_ENV });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/notmaildir/);
    expect(result.stderr).toMatch(/cur\/|new\//);
  });

  it('BOUNCE_ADDRESS without UNSUBSCRIBE_SECRET: the tokens cannot be checked, so nothing is read', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.eml'), 'Subject: x\r\n\r\nx\r\n');
    const result = await runCli(['bounces', '--content', CONTENT, '--state', join(dir, 'state'), '--eml', dir], { cwd: dir, env: { ...CLEAN_ENV, BOUNCE_ADDRESS: 'bounces@news.your-domain.net' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/UNSUBSCRIBE_SECRET/);
  });
});
