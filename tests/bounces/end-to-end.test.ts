/**
 * Issue 14, "Done when": a send with BOUNCE_ADDRESS to a list with unknown users, through a real
 * Postfix on 127.0.0.1 that accepts them and then bounces each with a real DSN to the message's
 * return path; `newsletter bounces --maildir` reads those DSNs and suppresses exactly those users,
 * and the next send skips them. Then the same Maildir over IMAP from a real Dovecot.
 */
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { journalRecords } from '../helpers/delivery.ts';
import { SKIP_DOVECOT, startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { SKIP_POSTFIX, startPostfix, type Postfix } from '../helpers/postfix.ts';
import { CLEAN_ENV, cliEnv, CONTENT, ISSUE } from '../send/helpers.ts';

const BOUNCE_ADDRESS = 'bounces@news.example.com';
const KNOWN = ['ada@example.com', 'bob@example.com', 'cy@example.com'];
const UNKNOWN = ['gone1@example.com', 'gone2@example.com'];

async function writeCsv(path: string, addresses: string[]): Promise<string> {
  await writeFile(path, `email,first_name\n${addresses.map((a, i) => `${a},Reader${i}`).join('\n')}\n`);
  return path;
}

async function suppressed(state: string): Promise<Map<string, string>> {
  const text = await readFile(join(state, 'suppression.csv'), 'utf8').catch(() => '');
  return new Map(text.trim().split('\n').slice(1).filter(Boolean).map((line) => [line.split(',')[0]!, line.split(',')[1]!]));
}

describe.skipIf(SKIP_POSTFIX)('bounces from a real Postfix, end to end', () => {
  let pf: Postfix;
  let dir: string;
  let state: string;
  const env = (extra: Record<string, string> = {}) => ({ ...CLEAN_ENV, ...cliEnv(pf.port, { BOUNCE_ADDRESS, ...extra }) });
  const cli = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> => runCli(args, { cwd: dir, env: env(extra), killAfterMs: 60_000 });

  beforeAll(async () => {
    pf = await startPostfix({ mailboxes: KNOWN, bounces: { mailbox: BOUNCE_ADDRESS, acceptUnknown: true } });
    // Shared by both tests (the IMAP one reads into the same state): removed after all, not after each.
    dir = await mkdtemp(join(tmpdir(), 'newsletter-bounces-'));
    state = join(dir, 'state');
  }, 60_000);
  afterAll(async () => {
    await pf?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('suppresses exactly the unknown users after their DSNs are read, and the next send skips them', async () => {
    const started = Date.now();
    const list = await writeCsv(join(dir, 'list.csv'), [...KNOWN, ...UNKNOWN]);
    const sent = await cli(['send', ISSUE, '--content', CONTENT, '--to', list, '--state', state]);
    expect(sent.code, sent.stderr).toBe(0);
    // Postfix accepted everyone; two bounce afterwards, each to its own return path.
    const dsns = await pf.waitForBounces(UNKNOWN.length, 20_000);
    const returnPaths = await Promise.all(dsns.map(async (file) => /^Delivered-To: (.*)$/m.exec(await readFile(file, 'utf8'))?.[1]));
    expect(returnPaths.every((p) => /^bounces\+[a-z2-7]{24}@news\.example\.com$/.test(p ?? ''))).toBe(true);
    expect(new Set(returnPaths).size).toBe(UNKNOWN.length);

    const dry = await cli(['bounces', '--maildir', pf.bounceMaildir!, '--state', state, '--content', CONTENT, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/hard bounces\s+2/);
    expect(await suppressed(state)).toEqual(new Map());
    // The dry run moved nothing: the real run reads the same two.
    const real = await cli(['bounces', '--maildir', pf.bounceMaildir!, '--state', state, '--content', CONTENT]);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(/2 messages read/);
    expect(real.stdout).toMatch(/hard bounces\s+2/);
    expect(await suppressed(state)).toEqual(new Map(UNKNOWN.map((a) => [a, 'bounced'])));
    expect(await readdir(join(pf.bounceMaildir!, 'new'))).toEqual([]);
    expect((await readdir(join(pf.bounceMaildir!, 'cur'))).every((name) => name.endsWith(':2,S'))).toBe(true);

    // Again: nothing new; with --all, both are recognised as already recorded.
    const again = await cli(['bounces', '--maildir', pf.bounceMaildir!, '--state', state, '--content', CONTENT, '--all']);
    expect(again.stdout).toMatch(/already recorded\s+2/);
    expect((await readFile(join(state, 'feedback.jsonl'), 'utf8')).trim().split('\n').filter(Boolean)).toHaveLength(2);

    // The next send (another list file: a new journal) skips the two.
    const next = await writeCsv(join(dir, 'list-next.csv'), [...KNOWN, ...UNKNOWN]);
    const second = await cli(['send', ISSUE, '--content', CONTENT, '--to', next, '--state', state]);
    expect(second.code, second.stderr).toBe(0);
    const journalName = (await readdir(state)).find((n) => n.includes('list-next') && n.endsWith('.journal.jsonl'))!;
    const records = await journalRecords(join(state, journalName));
    const skipped = records.filter((r) => r.s === 'skipped').map((r) => (r as { e: string }).e);
    expect(skipped.sort()).toEqual(UNKNOWN);
    const sentTo = records.filter((r) => r.s === 'sent').map((r) => (r as { e: string }).e);
    expect(sentTo.sort()).toEqual([...KNOWN].sort());
    console.log(`Postfix bounce round trip (send, DSNs, bounces ×3, send): ${Date.now() - started} ms`);
  }, 120_000);

  describe.skipIf(SKIP_DOVECOT)('over IMAP', () => {
    let dovecot: Dovecot;
    beforeAll(async () => {
      // The Maildir Postfix delivered to, served by Dovecot (its parents must be readable by the mail user).
      for (let p = pf.bounceMaildir!; p !== '/' && p.startsWith(pf.dir); p = join(p, '..')) await chmod(p, 0o755).catch(() => {});
      dovecot = await startDovecot({ user: 'bounces', password: 'imap-test-password-0123', maildir: pf.bounceMaildir! });
    }, 30_000);
    afterAll(async () => dovecot?.stop());

    it('reads new bounces from the IMAP mailbox, flags them \\Seen, and applies nothing twice', async () => {
      const started = Date.now();
      const list = await writeCsv(join(dir, 'list-imap.csv'), ['gone3@example.com', 'ada@example.com']);
      const sent = await cli(['send', ISSUE, '--content', CONTENT, '--to', list, '--state', state]);
      expect(sent.code, sent.stderr).toBe(0);
      await pf.waitForBounces(1, 20_000);
      // A dry run opens the folder read-only: the real run still finds the message unseen.
      const dry = await cli(['bounces', '--imap', '--dry-run', '--state', state, '--content', CONTENT], { IMAP_URL: dovecot.url });
      expect(dry.stdout).toMatch(/1 message read \(dry run/);
      const read = await cli(['bounces', '--imap', '--state', state, '--content', CONTENT], { IMAP_URL: dovecot.url });
      expect(read.code, read.stderr).toBe(0);
      // Only the new DSN: the two read earlier are in cur/ with S (\Seen).
      expect(read.stdout).toMatch(/1 message read/);
      expect((await suppressed(state)).get('gone3@example.com')).toBe('bounced');
      const again = await cli(['bounces', '--imap', '--state', state, '--content', CONTENT], { IMAP_URL: dovecot.url });
      expect(again.stdout).toMatch(/0 messages read/);
      console.log(`IMAP bounce round trip: ${Date.now() - started} ms`);
    }, 90_000);
  });
});
