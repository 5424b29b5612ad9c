/**
 * openImap against a real Dovecot (tests/helpers/dovecot.ts) serving a Maildir on 127.0.0.1.
 * The tests run in order on one mailbox: read, mark, move, rerun.
 */
import { chmod, chown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImap, MAX_MESSAGE_BYTES } from '../../src/bounces/sources/index.ts';
import { collect, rejection } from './helpers.ts';
import { MAIL_OWNER, SKIP_DOVECOT, startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { freePort } from '../helpers/postfix.ts';

const USER = 'bounces';
// Characters that must be %-encoded in the URL: the source decodes them.
const PASSWORD = 'secret for/tests@%only';

// IMAP carries CRLF lines (Dovecot turns stored LF into CRLF), so these are written with CRLF to compare bytes.
const message = (n: number) => `From: MAILER-DAEMON@relay.test\r\nTo: bounces@news.example.com\r\nSubject: bounce ${n}\r\nMessage-ID: <${n}@relay.test>\r\n\r\nBody ${n}.\r\n`;
const FILES = ['1732874401.M1P1.relay.test', '1732874402.M2P1.relay.test', '1732874403.M3P1.relay.test'];



describe.skipIf(SKIP_DOVECOT)('openImap with a real Dovecot', () => {
  let root: string;
  let maildir: string;
  let dovecot: Dovecot;
  let started: number;

  /** A second connection, to see what the server holds independently of the source under test. */
  async function withClient<T>(use: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: USER, pass: PASSWORD }, logger: false });
    await client.connect();
    try {
      return await use(client);
    } finally {
      await client.logout();
    }
  }

  beforeAll(async () => {
    started = Date.now();
    root = await mkdtemp(join(tmpdir(), 'newsletter-imap-'));
    await chmod(root, 0o755);
    maildir = join(root, 'Maildir');
    dovecot = await startDovecot({ user: USER, password: PASSWORD, maildir });
    for (const [i, name] of FILES.entries()) {
      await writeFile(join(maildir, 'new', name), message(i + 1));
      await chown(join(maildir, 'new', name), MAIL_OWNER, MAIL_OWNER);
    }
    await withClient((c) => c.mailboxCreate('Processed'));
  });

  afterAll(async () => {
    await dovecot?.stop();
    await rm(root, { recursive: true, force: true });
    console.log(`IMAP tests with Dovecot took ${Date.now() - started} ms`);
  });

  it('reads the unseen messages oldest first, byte for byte, without marking them seen', async () => {
    const source = await openImap({ url: dovecot.url });
    expect(source.describe).toBe(`IMAP ${USER}@127.0.0.1:${dovecot.port}/INBOX (3 unseen)`);
    const messages = await collect(source);
    expect(messages.map((m) => m.ref)).toEqual(['imap INBOX uid 1', 'imap INBOX uid 2', 'imap INBOX uid 3']);
    expect(messages.map((m) => m.raw)).toEqual([1, 2, 3].map((n) => Buffer.from(message(n))));
    await source.close();
    // BODY.PEEK: reading alone leaves them unseen, so a message not understood stays for the next run.
    const again = await openImap({ url: dovecot.url });
    expect((await collect(again)).length).toBe(3);
    await again.close();
  });

  it('markProcessed sets \\Seen (the Maildir file goes to cur/ with S) and, with moveTo, moves the message', async () => {
    const source = await openImap({ url: dovecot.url, moveTo: 'Processed' });
    const [first] = await collect(source);
    await source.markProcessed(first!);
    await source.close();

    const seen = await withClient(async (c) => {
      const inbox = await c.status('INBOX', { messages: true, unseen: true });
      const moved = await c.status('Processed', { messages: true, unseen: true });
      return { inbox, moved };
    });
    expect(seen.inbox).toMatchObject({ messages: 2, unseen: 2 });
    expect(seen.moved).toMatchObject({ messages: 1, unseen: 0 });
    const movedFiles = await readdir(join(maildir, '.Processed', 'cur'));
    expect(movedFiles).toHaveLength(1);
    expect(movedFiles[0]).toMatch(/:2,S$/);
  });

  it('without moveTo, \\Seen only: the file stays in the Maildir, in cur/ with :2,S; a rerun sees nothing; all sees them again', async () => {
    const source = await openImap({ url: dovecot.url });
    const messages = await collect(source);
    expect(messages.map((m) => m.raw.toString())).toEqual([message(2), message(3)]);
    for (const m of messages) await source.markProcessed(m);
    await source.close();
    const cur = (await readdir(join(maildir, 'cur'))).sort();
    expect(cur.map((name) => name.replace(/:2,.*$/, ''))).toEqual(FILES.slice(1));
    for (const name of cur) expect(name).toMatch(/:2,S$/);
    expect(await readdir(join(maildir, 'new'))).toEqual([]);

    const rerun = await openImap({ url: dovecot.url });
    expect(rerun.describe).toMatch(/\(0 unseen\)$/);
    expect(await collect(rerun)).toEqual([]);
    await rerun.close();
    const all = await openImap({ url: dovecot.url, all: true });
    expect((await collect(all)).map((m) => m.raw.toString())).toEqual([message(2), message(3)]);
    await all.close();
    const moved = await openImap({ url: dovecot.url, folder: 'Processed', all: true });
    expect((await collect(moved)).map((m) => m.raw.toString())).toEqual([message(1)]);
    await moved.close();
  });

  it('lists a message over the size cap as skipped, from its size, without downloading it', async () => {
    const name = '1732874404.M4P1.relay.test';
    await writeFile(join(maildir, 'new', name), `Subject: big\r\n\r\n${'x'.repeat(MAX_MESSAGE_BYTES)}\r\n`);
    await chown(join(maildir, 'new', name), MAIL_OWNER, MAIL_OWNER);
    const source = await openImap({ url: dovecot.url });
    expect(await collect(source)).toEqual([]);
    expect(source.skipped).toEqual([{ ref: 'imap INBOX uid 4', reason: `larger than 10 MB (${MAX_MESSAGE_BYTES + 18} bytes): not read` }]);
    await source.close();
  });

  it('a folder or move-to folder that does not exist is refused, listing the folders there', async () => {
    const folder = await rejection(openImap({ url: dovecot.url, folder: 'Bounces' }));
    expect(folder).toMatchObject({ code: 'EUSAGE', message: `The bounce folder "Bounces" does not exist on ${USER}@127.0.0.1:${dovecot.port}; folders there: INBOX, Processed.` });
    const moveTo = await rejection(openImap({ url: dovecot.url, moveTo: 'Done' }));
    expect(moveTo.message).toMatch(/^The move-to folder "Done" does not exist/);
    expect(moveTo.fix).toMatch(/create it/);
  });

  it('a server that is not there is an ECONFIG error naming IMAP_URL', async () => {
    const port = await freePort();
    const error = await rejection(openImap({ url: `imap://${USER}:x@127.0.0.1:${port}` }));
    expect(error).toMatchObject({ code: 'ECONFIG', where: 'IMAP_URL', message: `IMAP_URL could not reach ${USER}@127.0.0.1:${port}: connection refused.` });
  });

  // Last: Dovecot delays further logins from an address after a failed one (its auth penalty).
  it('a wrong password is an ECONFIG error naming IMAP_URL, never the password', async () => {
    const url = dovecot.url.replace(encodeURIComponent(PASSWORD), 'wrong-hunter2');
    const error = await rejection(openImap({ url }));
    expect(error).toMatchObject({ code: 'ECONFIG', where: 'IMAP_URL', message: `IMAP_URL login refused by ${USER}@127.0.0.1:${dovecot.port}.` });
    expect(`${error.message} ${error.fix}`).not.toMatch(/hunter2|secret/);
    expect(error.fix).toMatch(/IMAP_URL/);
  });
});
