// Issue 14 item 2: who a report is about, and what is applied. The return-path token decides (it is
// signed); without one, an address counts only if this list mailed it; each message is applied once;
// what is not understood stays where it is.
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSuppression, openFeedback, returnPaths } from '../../src/audience/index.ts';
import { JournalRecipients, openEmlFolder, processBounces, type BounceSummary } from '../../src/bounces/index.ts';
import { messageIdFor } from '../../src/mail/index.ts';
import { tempDir } from '../helpers/cli.ts';
import { FIXTURES } from '../helpers/content.ts';

const LIST = 'brief.news.example.com';
const SLUG = '2026-03-01-send-fixture';
const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';
const BOUNCE_ADDRESS = 'bounces@news.example.com';
const REAL_DSN = join(FIXTURES, 'bounces', 'postfix-real-dsn.eml');
const REAL_SOFT = join(FIXTURES, 'bounces', 'postfix-real-dsn-soft.eml');

/** A send journal as `newsletter send` writes it: the run record, then one record per recipient. */
async function writeJournal(state: string, mailed: string[]): Promise<void> {
  await mkdir(state, { recursive: true });
  const lines = [{ s: 'run', t: 1, issue: SLUG, list: '/lists/list.csv', pid: 1, concurrency: 5, rate: null }, ...mailed.map((e, i) => ({ s: 'sent', e, r: '250 2.0.0 Ok', t: 2 + i }))];
  await writeFile(join(state, `${SLUG}--list-0123456789.journal.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

/** The real Postfix DSN, delivered to `to` instead of the token it was made with. */
async function dsnTo(to: string, file = REAL_DSN): Promise<string> {
  return (await readFile(file, 'latin1')).replaceAll('bounces+t0k3n@news.example.com', to);
}

/** `bounceAddress: ''` runs as without BOUNCE_ADDRESS. */
async function run(state: string, inbox: string, options: { bounceAddress?: string; dryRun?: boolean } = {}): Promise<BounceSummary> {
  const suppression = await loadSuppression(state);
  const recorder = await openFeedback({ stateDir: state, suppression, dryRun: options.dryRun });
  const source = await openEmlFolder(inbox);
  try {
    return await processBounces({ source, recorder, recipients: new JournalRecipients(state, LIST, SECRET), bounceAddress: options.bounceAddress === '' ? undefined : (options.bounceAddress ?? BOUNCE_ADDRESS), dryRun: options.dryRun });
  } finally {
    await recorder.close();
    await suppression.close();
    await source.close();
  }
}

async function setup(files: Record<string, string>, mailed: string[]) {
  const dir = await tempDir();
  const state = join(dir, 'state');
  const inbox = join(dir, 'inbox');
  await mkdir(inbox);
  await writeJournal(state, mailed);
  for (const [name, text] of Object.entries(files)) await writeFile(join(inbox, name), text, 'latin1');
  return { state, inbox };
}

const suppressedIn = async (state: string) => {
  const text = await readFile(join(state, 'suppression.csv'), 'utf8').catch(() => '');
  return text.trim().split('\n').slice(1).filter(Boolean).map((l) => l.split(',').slice(0, 2).join(' '));
};

describe('processBounces', () => {
  it('applies a DSN to the recipient its return-path token names, not to the addresses it lists', async () => {
    const path = returnPaths(BOUNCE_ADDRESS, LIST, SLUG, SECRET)('ada@example.com');
    const { state, inbox } = await setup({ 'a.eml': await dsnTo(path) }, ['ada@example.com', 'nobody1@example.com']);
    const summary = await run(state, inbox);
    expect(summary.counts.hard).toBe(1);
    expect(summary.suppressed).toEqual(['ada@example.com']);
    expect(await suppressedIn(state)).toEqual(['ada@example.com bounced']);
    const ledger = JSON.parse((await readFile(join(state, 'feedback.jsonl'), 'utf8')).trim()) as { items: { issue: string; status: string }[] };
    expect(ledger.items[0]).toMatchObject({ issue: SLUG, status: '5.1.1' });
    // Recorded, then moved: the folder's processed/ holds it.
    expect(await readdir(join(inbox, 'processed'))).toEqual(['a.eml']);
  });

  it('refuses a forged token: nothing suppressed, though the DSN names a real recipient', async () => {
    const real = returnPaths(BOUNCE_ADDRESS, LIST, SLUG, SECRET)('ada@example.com');
    const forged = real.replace(/\+(.{4}).{20}@/, '+$1aaaaaaaaaaaaaaaaaaaa@');
    const { state, inbox } = await setup({ 'forged.eml': await dsnTo(forged) }, ['ada@example.com', 'nobody1@example.com', 'nobody2@example.com']);
    const summary = await run(state, inbox);
    expect(summary.suppressed).toEqual([]);
    expect(summary.notApplied).toHaveLength(1);
    expect(summary.notApplied[0]!.reason).toMatch(/matches no recipient/);
    expect(await suppressedIn(state)).toEqual([]);
  });

  it('with BOUNCE_ADDRESS, refuses a report without a token and leaves it in place, though it names mailed addresses', async () => {
    // A hand-made DSN sent to the bare bounce address, naming two subscribers: a forgery suppresses nobody.
    const { state, inbox } = await setup({ 'a.eml': await dsnTo('bounces@news.example.com') }, ['nobody1@example.com', 'nobody2@example.com']);
    const summary = await run(state, inbox);
    expect(summary.suppressed).toEqual([]);
    expect(summary.notApplied.map((n) => n.reason)).toEqual([expect.stringMatching(/no return-path token/)]);
    expect(await readdir(inbox)).toEqual(['a.eml']);
    await expect(readFile(join(state, 'feedback.jsonl'))).rejects.toThrow();
  });

  it('without BOUNCE_ADDRESS, applies a report only to the one mailed address it names', async () => {
    // The real DSN names nobody1 and nobody2.
    const one = await setup({ 'a.eml': await dsnTo('bounces@news.example.com') }, ['nobody1@example.com']);
    expect((await run(one.state, one.inbox, { bounceAddress: '' })).suppressed).toEqual(['nobody1@example.com']);
    // Both mailed: each of our messages has one recipient, so a report naming two is not about one of them.
    const both = await setup({ 'a.eml': await dsnTo('bounces@news.example.com') }, ['nobody1@example.com', 'nobody2@example.com']);
    const summary = await run(both.state, both.inbox, { bounceAddress: '' });
    expect(summary.suppressed).toEqual([]);
    expect(summary.notApplied[0]!.reason).toMatch(/names 2 addresses this list mailed/);
  });

  it('without BOUNCE_ADDRESS, finds the recipient of a redacted complaint by our Message-ID, and no one by a made-up one', async () => {
    const id = messageIdFor(SLUG, 3, 'ada@example.com', 'news.example.com');
    const arf = (messageId: string) =>
      [
        'From: feedback@fbl.example', 'To: abuse@news.example.com', 'Subject: complaint', 'Message-ID: <arf-' + messageId.length + '@fbl.example>', 'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=feedback-report; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'A complaint.', '--b',
        'Content-Type: message/feedback-report', '', 'Feedback-Type: abuse', 'User-Agent: fbl/1.0', 'Version: 1', '', '--b', 'Content-Type: text/rfc822-headers', '',
        'From: news@news.example.com', 'To: redacted@example.com', `Message-ID: ${messageId}`, 'Subject: Issue 3', '', '--b--', '',
      ].join('\r\n');
    const { state, inbox } = await setup({ 'ours.eml': arf(id), 'made-up.eml': arf(id.replace(/^<./, '<0')) }, ['ada@example.com', 'bob@example.com']);
    const summary = await run(state, inbox, { bounceAddress: '' });
    expect(summary.suppressed).toEqual(['ada@example.com']);
    expect(await suppressedIn(state)).toEqual(['ada@example.com complained']);
    expect(summary.notApplied).toHaveLength(1);
  });

  it('applies a second, different report that reuses a Message-ID already recorded', async () => {
    const auto = 'From: x@example.com\r\nTo: bounces@news.example.com\r\nSubject: Out of Office\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <same@mx>\r\n\r\nAway.\r\n';
    const path = returnPaths(BOUNCE_ADDRESS, LIST, SLUG, SECRET)('ada@example.com');
    const dsn = (await dsnTo(path)).replace(/^Message-Id: .*$/im, 'Message-ID: <same@mx>');
    const { state, inbox } = await setup({ '1.eml': auto, '2.eml': dsn }, ['ada@example.com']);
    expect((await run(state, inbox)).suppressed).toEqual(['ada@example.com']);
  });

  it('counts a soft DSN without suppressing, and a rerun applies nothing twice', async () => {
    const path = returnPaths(BOUNCE_ADDRESS, LIST, SLUG, SECRET)('full@example.com');
    const { state, inbox } = await setup({ 's.eml': await dsnTo(path, REAL_SOFT) }, ['full@example.com']);
    expect((await run(state, inbox)).counts.soft).toBe(1);
    expect(await suppressedIn(state)).toEqual([]);
    // Put it back, as if the move had been lost in a crash: the rerun finds it recorded.
    await writeFile(join(inbox, 's.eml'), await dsnTo(path, REAL_SOFT), 'latin1');
    const again = await run(state, inbox);
    expect(again.duplicates).toBe(1);
    expect(again.counts.soft).toBe(0);
    expect((await readFile(join(state, 'feedback.jsonl'), 'utf8')).trim().split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('ignores an auto-reply and leaves what it does not understand in place', async () => {
    const auto = 'From: ada@example.com\r\nTo: bounces@news.example.com\r\nSubject: Out of Office: Your issue 3\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <ooo@example.com>\r\n\r\nI am away until Monday.\r\n';
    const human = 'From: bob@example.com\r\nTo: bounces@news.example.com\r\nSubject: Re: your issue\r\nMessage-ID: <hi@example.com>\r\n\r\nThanks for the newsletter!\r\n';
    const { state, inbox } = await setup({ 'auto.eml': auto, 'human.eml': human }, ['ada@example.com', 'bob@example.com']);
    const summary = await run(state, inbox);
    expect(summary.counts['auto-reply']).toBe(1);
    expect(summary.unknown.map((u) => u.ref)).toEqual([join(inbox, 'human.eml')]);
    expect(await suppressedIn(state)).toEqual([]);
    expect((await readdir(inbox)).sort()).toEqual(['human.eml', 'processed']);
  });

  it('knows a message it recorded when it comes back with other line ends (a Maildir file has LF, IMAP serves CRLF)', async () => {
    const path = returnPaths(BOUNCE_ADDRESS, LIST, SLUG, SECRET)('full@example.com');
    const lf = (await dsnTo(path, REAL_SOFT)).replace(/\r\n/g, '\n');
    const { state, inbox } = await setup({ 'lf.eml': lf }, ['full@example.com']);
    expect((await run(state, inbox)).counts.soft).toBe(1);
    await writeFile(join(inbox, 'crlf.eml'), lf.replace(/\n/g, '\r\n'), 'latin1');
    const again = await run(state, inbox);
    expect(again.duplicates).toBe(1);
    expect(again.counts.soft).toBe(0);
  });

  it('with BOUNCE_ADDRESS, names nobody in a report that applies nothing unless its token proves who', async () => {
    const delayed = (await dsnTo('bounces@news.example.com', REAL_SOFT)).replace('Action: failed', 'Action: delayed');
    const { state, inbox } = await setup({ 'd.eml': delayed }, ['full@example.com']);
    expect((await run(state, inbox)).counts.delayed).toBe(1);
    const [record] = (await readFile(join(state, 'feedback.jsonl'), 'utf8')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { items: { email?: string; issue?: string }[] });
    expect(record!.items).toEqual([expect.not.objectContaining({ email: expect.anything() as unknown })]);
    // A forged token is refused whatever the report says: left in place.
    const forged = returnPaths(BOUNCE_ADDRESS, LIST, SLUG, SECRET)('full@example.com').replace(/\+(.{4}).{20}@/, '+$1bbbbbbbbbbbbbbbbbbbb@');
    const second = await setup({ 'f.eml': (await dsnTo(forged, REAL_SOFT)).replace('Action: failed', 'Action: delayed') }, ['full@example.com']);
    expect((await run(second.state, second.inbox)).notApplied).toHaveLength(1);
    expect(await readdir(second.inbox)).toEqual(['f.eml']);
  });

  it('an address mailed by two issues is attributed to neither when nothing says which', async () => {
    const { state } = await setup({}, ['ada@example.com']);
    await writeFile(join(state, 'other--list-0123456789.journal.jsonl'), JSON.stringify({ s: 'run', t: 1, issue: 'other', list: '/l', pid: 1, concurrency: 1, rate: null }) + '\n' + JSON.stringify({ s: 'sent', e: 'ADA@example.com', r: '250', t: 2 }) + '\n');
    const recipients = new JournalRecipients(state, LIST, SECRET);
    expect(await recipients.issuesOf('ada@example.com')).toEqual({ mailed: true });
    expect(await recipients.issuesOf('bob@example.com')).toEqual({ mailed: false });
  });

  it('adds up soft bounces within a dry run as the real run would', async () => {
    const path = returnPaths(BOUNCE_ADDRESS, LIST, SLUG, SECRET)('full@example.com');
    const soft = await dsnTo(path, REAL_SOFT);
    const copies = Object.fromEntries([1, 2, 3].map((n) => [`${n}.eml`, soft.replace(/^Message-Id: <(.*)>$/im, `Message-ID: <$1.${n}>`)]));
    const { state, inbox } = await setup(copies, ['full@example.com']);
    expect((await run(state, inbox, { dryRun: true })).suppressed).toEqual(['full@example.com']);
    expect((await run(state, inbox)).suppressed).toEqual(['full@example.com']);
  });

  it('changes nothing in a dry run: no record, no suppression, nothing moved', async () => {
    const path = returnPaths(BOUNCE_ADDRESS, LIST, SLUG, SECRET)('ada@example.com');
    const { state, inbox } = await setup({ 'a.eml': await dsnTo(path) }, ['ada@example.com']);
    const summary = await run(state, inbox, { dryRun: true });
    expect(summary.suppressed).toEqual(['ada@example.com']);
    expect(await suppressedIn(state)).toEqual([]);
    expect(await readdir(inbox)).toEqual(['a.eml']);
    await expect(readFile(join(state, 'feedback.jsonl'))).rejects.toThrow();
  });
});
