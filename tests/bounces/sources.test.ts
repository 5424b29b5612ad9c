import { lstat, mkdir, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEmlFolder, openMaildir, openMbox, parseImapUrl, MAX_MESSAGE_BYTES, type SourceMessage } from '../../src/bounces/sources/index.ts';
import { splitMbox } from '../../src/bounces/sources/mbox.ts';
import type { NewsletterError } from '../../src/errors.ts';
import { collect, rejection } from './helpers.ts';
import { tempDir } from '../helpers/cli.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/bounces/sources');



/** A Maildir with files whose mtimes are 1, 2, 3… minutes after a fixed time, in the order given. */
async function maildir(files: Record<string, string>): Promise<string> {
  const dir = join(await tempDir(), 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(dir, sub), { recursive: true });
  let minute = 0;
  for (const [name, body] of Object.entries(files)) {
    await writeFile(join(dir, name), body);
    const t = new Date(Date.UTC(2024, 10, 29, 10, ++minute));
    await utimes(join(dir, name), t, t);
  }
  return dir;
}

const names = (messages: SourceMessage[], dir: string) => messages.map((m) => m.ref.slice(dir.length + 1));

describe('Maildir', () => {
  const files = {
    'new/1732874400.1.host': 'A',
    'cur/1732874401.2.host:2,S': 'B seen',
    'cur/1732874402.3.host:2,FR': 'C flagged, replied',
    'cur/1732874403.4.host': 'D no info',
    'cur/1732874404.5.host:2,T': 'E trashed',
    'tmp/1732874405.6.host': 'half-written',
  };

  it('reads new/ and the cur/ files without S, oldest first, never tmp/', async () => {
    const dir = await maildir(files);
    const source = await openMaildir(dir);
    const messages = await collect(source);
    expect(names(messages, dir)).toEqual(['new/1732874400.1.host', 'cur/1732874402.3.host:2,FR', 'cur/1732874403.4.host', 'cur/1732874404.5.host:2,T']);
    expect(messages.map((m) => m.raw.toString())).toEqual(['A', 'C flagged, replied', 'D no info', 'E trashed']);
    expect(source.describe).toBe(`Maildir ${dir} (1 new, 3 in cur/ not seen)`);
    expect(source.skipped).toEqual([]);
  });

  it('markProcessed moves new/ to cur/ with :2,S and adds S to cur/ flags in ASCII order; a rerun sees nothing; all sees everything', async () => {
    const dir = await maildir(files);
    const source = await openMaildir(dir);
    for (const m of await collect(source)) await source.markProcessed(m);
    expect((await readdir(join(dir, 'new'))).sort()).toEqual([]);
    expect((await readdir(join(dir, 'cur'))).sort()).toEqual([
      '1732874400.1.host:2,S',
      '1732874401.2.host:2,S',
      '1732874402.3.host:2,FRS',
      '1732874403.4.host:2,S',
      '1732874404.5.host:2,ST',
    ]);
    expect(await readdir(join(dir, 'tmp'))).toEqual(['1732874405.6.host']);
    expect(await collect(await openMaildir(dir))).toEqual([]);
    const all = await collect(await openMaildir(dir, { all: true }));
    expect(all.map((m) => m.raw.toString())).toEqual(['A', 'B seen', 'C flagged, replied', 'D no info', 'E trashed']);
  });

  it('skips silently a file that vanished after the listing (another reader took it)', async () => {
    const dir = await maildir({ 'new/1.a.host': 'one', 'new/2.b.host': 'two', 'new/3.c.host': 'three' });
    const source = await openMaildir(dir);
    await rm(join(dir, 'new/2.b.host'));
    expect((await collect(source)).map((m) => m.raw.toString())).toEqual(['one', 'three']);
    expect(source.skipped).toEqual([]);
    // …and marking one another reader moved meanwhile is not an error either.
    const again = await openMaildir(dir);
    const [first] = await collect(again);
    await rm(first!.ref);
    await expect(again.markProcessed(first!)).resolves.toBeUndefined();
  });

  it('never follows symbolic links: one in new/ is ignored, one swapped in after the listing is refused', async () => {
    const dir = await maildir({ 'new/1.a.host': 'one', 'new/2.b.host': 'two' });
    const secret = join(dir, '..', 'secret');
    await writeFile(secret, 'not a bounce');
    await symlink(secret, join(dir, 'new/0.link.host'));
    const source = await openMaildir(dir);
    await rm(join(dir, 'new/2.b.host'));
    await symlink(secret, join(dir, 'new/2.b.host'));
    expect((await collect(source)).map((m) => m.raw.toString())).toEqual(['one']);
    expect(source.skipped).toEqual([{ ref: join(dir, 'new/2.b.host'), reason: 'a symbolic link: not followed' }]);
  });

  it('lists a message over the size cap as skipped, without reading it', async () => {
    const dir = await maildir({ 'new/1.big.host': 'x'.repeat(MAX_MESSAGE_BYTES + 1), 'new/2.ok.host': 'ok' });
    const source = await openMaildir(dir);
    expect((await collect(source)).map((m) => m.raw.toString())).toEqual(['ok']);
    expect(source.skipped).toEqual([{ ref: join(dir, 'new/1.big.host'), reason: `larger than 10 MB (${MAX_MESSAGE_BYTES + 1} bytes): not read` }]);
  });

  it('refuses a folder that is not a Maildir, or no folder at all, naming it', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'cur'));
    await mkdir(join(dir, 'new'));
    const notMaildir = await rejection(openMaildir(dir));
    expect(notMaildir).toMatchObject({ code: 'EUSAGE', where: dir });
    expect(notMaildir.message).toBe(`--maildir ${dir} is not a Maildir: no tmp/.`);
    expect(notMaildir.fix).toMatch(/cur\/, new\/ and tmp\//);
    const missing = await rejection(openMaildir(join(dir, 'nope')));
    expect(missing).toMatchObject({ code: 'EUSAGE', where: join(dir, 'nope'), message: `--maildir ${join(dir, 'nope')}: no such folder.` });
  });
});

describe('mbox', () => {
  const expected = (eol: string) =>
    [
      'Return-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@relay.test>\nTo: bounces@news.example.com\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <one@relay.test>\n\nFirst message.\n',
      'From: Mail Delivery System <MAILER-DAEMON@relay.test>\nTo: bounces@news.example.com\nSubject: Second, with escaped and unescaped From lines\nMessage-ID: <two@relay.test>\n\nA body line that mboxrd escaped:\nFrom the archives, as quoted.\nFrom here on a line an mboxo writer forgot to escape, without a blank line before it.\n\nLast paragraph after a blank line.\n',
      'From: Mail Delivery System <MAILER-DAEMON@relay.test>\nTo: bounces@news.example.com\nSubject: Third\nMessage-ID: <three@relay.test>\n\n>From a doubly quoted line.\n',
    ].map((m) => m.replaceAll('\n', eol));

  it.each([
    ['three.mbox', '\n'],
    ['three-crlf.mbox', '\r\n'],
  ])('%s: three messages, separators only after a blank line, one level of ">" removed, refs with ordinal and byte offset', async (name, eol) => {
    const file = join(FIXTURES, name);
    const bytes = await readFile(file);
    const offsets = [0, bytes.indexOf(`${eol}${eol}From MAILER-DAEMON Fri Nov 29 10:00:02`) + 2 * eol.length, bytes.indexOf(`${eol}${eol}From MAILER-DAEMON Fri Nov 29 10:00:03`) + 2 * eol.length];
    const source = await openMbox(file);
    const messages = await collect(source);
    expect(messages.map((m) => m.raw.toString())).toEqual(expected(eol));
    expect(messages.map((m) => m.ref)).toEqual(offsets.map((o, i) => `mbox ${file}#${i + 1} (byte ${o})`));
    // Read-only: marking changes nothing, the file is the mail server's.
    for (const m of messages) await source.markProcessed(m);
    expect(await readFile(file)).toEqual(bytes);
  });

  it.each([1, 2, 7, 1000])('splits the same whatever the read chunk size (%i bytes)', async (size) => {
    const bytes = await readFile(join(FIXTURES, 'three-crlf.mbox'));
    function* chunks() {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    }
    const out = [];
    for await (const entry of splitMbox(chunks())) out.push('raw' in entry ? entry.raw.toString() : entry);
    expect(out).toEqual(expected('\r\n'));
  });

  it('keeps lines far longer than a read chunk whole: "From " inside one is body text, a long ">From " line is unescaped', async () => {
    const long = `${'y'.repeat(200_000)} From in the middle ${'z'.repeat(100)}\n`;
    const quoted = `From ${'w'.repeat(100_000)}\n`;
    const file = join(await tempDir(), 'long.mbox');
    await writeFile(file, `From a@b Fri Nov 29 10:00:00 2024\nSubject: long\n\n${long}>${quoted}\nFrom a@b Fri Nov 29 10:00:01 2024\nSubject: next\n\nbody\n`);
    const messages = await collect(await openMbox(file));
    expect(messages.map((m) => m.raw.toString())).toEqual([`Subject: long\n\n${long}${quoted}`, 'Subject: next\n\nbody\n']);
  });

  it('lists a message over the size cap as skipped and reads the ones after it', async () => {
    const file = join(await tempDir(), 'big.mbox');
    await writeFile(file, `From a@b Fri Nov 29 10:00:00 2024\nSubject: big\n\n${'x'.repeat(MAX_MESSAGE_BYTES)}\n\nFrom a@b Fri Nov 29 10:00:01 2024\nSubject: small\n\nok\n`);
    const source = await openMbox(file);
    expect((await collect(source)).map((m) => m.raw.toString())).toEqual(['Subject: small\n\nok\n']);
    expect(source.skipped).toEqual([{ ref: `mbox ${file}#1 (byte 0)`, reason: `larger than 10 MB (${MAX_MESSAGE_BYTES + 15} bytes): not read` }]);
  });

  it('refuses a missing file and a file that is not an mbox; an empty file has no messages', async () => {
    const dir = await tempDir();
    const missing = await rejection(openMbox(join(dir, 'nope.mbox')));
    expect(missing).toMatchObject({ code: 'EUSAGE', where: join(dir, 'nope.mbox'), message: `--mbox ${join(dir, 'nope.mbox')}: no such file.` });
    await writeFile(join(dir, 'mail.eml'), 'Subject: hi\n\nbody\n');
    expect(await rejection(openMbox(join(dir, 'mail.eml')))).toMatchObject({ code: 'EUSAGE', message: `--mbox ${join(dir, 'mail.eml')} is not an mbox file: it does not start with "From ".` });
    expect(await rejection(openMbox(dir))).toMatchObject({ code: 'EUSAGE' });
    await writeFile(join(dir, 'empty.mbox'), '');
    expect(await collect(await openMbox(join(dir, 'empty.mbox')))).toEqual([]);
  });
});

describe('.eml folder', () => {
  it('reads *.eml by name (not sub-folders, not other files), moves each processed one into processed/ (0700), never over an older one', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'b.eml'), 'B');
    await writeFile(join(dir, 'a.EML'), 'A');
    await writeFile(join(dir, 'notes.txt'), 'not a message');
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'c.eml'), 'C in a sub-folder');
    const source = await openEmlFolder(dir);
    expect(source.describe).toBe(`.eml folder ${dir} (2 files)`);
    const messages = await collect(source);
    expect(messages.map((m) => [m.ref, m.raw.toString()])).toEqual([[join(dir, 'a.EML'), 'A'], [join(dir, 'b.eml'), 'B']]);
    await source.markProcessed(messages[0]!);
    expect(((await stat(join(dir, 'processed'))).mode & 0o777).toString(8)).toBe('700');
    expect(await readdir(join(dir, 'processed'))).toEqual(['a.EML']);
    // Only b.eml is left; a second "b.eml" processed later does not replace the first.
    const again = await openEmlFolder(dir);
    const [b] = await collect(again);
    expect(b!.raw.toString()).toBe('B');
    await again.markProcessed(b!);
    await writeFile(join(dir, 'b.eml'), 'B, saved again');
    const third = await openEmlFolder(dir);
    for (const m of await collect(third)) await third.markProcessed(m);
    expect((await readdir(join(dir, 'processed'))).sort()).toEqual(['a.EML', 'b-2.eml', 'b.eml']);
    expect(await readFile(join(dir, 'processed', 'b.eml'), 'utf8')).toBe('B');
    expect(await collect(await openEmlFolder(dir))).toEqual([]);
  });

  it('refuses to move into a processed/ that is a symbolic link', async () => {
    const dir = await tempDir();
    const elsewhere = await tempDir();
    await writeFile(join(dir, 'a.eml'), 'A');
    await symlink(elsewhere, join(dir, 'processed'));
    const source = await openEmlFolder(dir);
    const [a] = await collect(source);
    expect(await rejection(source.markProcessed(a!))).toMatchObject({ code: 'EOUTPUT', where: join(dir, 'processed') });
    expect(await readdir(elsewhere)).toEqual([]);
    expect((await lstat(join(dir, 'a.eml'))).isFile()).toBe(true);
  });

  it('refuses a missing folder', async () => {
    const dir = join(await tempDir(), 'nope');
    expect(await rejection(openEmlFolder(dir))).toMatchObject({ code: 'EUSAGE', where: dir, message: `--eml ${dir}: no such folder.` });
  });
});

describe('IMAP_URL', () => {
  it.each([
    ['imaps://bounces:pw@imap.example.net', { secure: true, requireTLS: false, port: 993, host: 'imap.example.net' }],
    ['imap://bounces:pw@imap.example.net', { secure: false, requireTLS: true, port: 143 }],
    ['imap://bounces:pw@127.0.0.1:1143', { secure: false, requireTLS: false, port: 1143, display: 'bounces@127.0.0.1:1143' }],
    ['imap://bounces:pw@[::1]:1143', { requireTLS: false, host: '::1', display: 'bounces@[::1]:1143' }],
    ['imap://bounces:pw@localhost', { requireTLS: false }],
    ['imaps://bounces%40news.example.com:p%3Aw%25d@imap.example.net/Bounces%20in', { user: 'bounces@news.example.com', password: 'p:w%d', folder: 'Bounces in' }],
  ])('%s', (url, fields) => {
    expect(parseImapUrl(url)).toMatchObject(fields);
  });

  it.each([
    ['pop3://bounces:hunter2@host', /must start with imaps:\/\/ or imap:\/\//],
    ['imaps://bounces@host', /needs the login/],
    ['imaps://bounces:hunter2%zz@host', /malformed %-escape in the password/],
    ['imaps://bounces:hunter2@host/INBOX?x', /has a \? or # part/],
    ['imaps://bounces:hun#ter2@host', /is not a URL/],
    ['not a url hunter2', /is not a URL/],
  ])('%s is refused without echoing the password', (url, message) => {
    let error: unknown;
    try {
      parseImapUrl(url);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ECONFIG', where: 'IMAP_URL', message: expect.stringMatching(message) });
    expect(JSON.stringify({ m: (error as Error).message, f: (error as NewsletterError).fix })).not.toMatch(/hunter2|hun#ter2/);
  });
});
