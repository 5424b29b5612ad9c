// Issue 14 item 2: who a report is about, and what is applied. The return-path token decides (it is
// signed); without one, an address counts only if this list mailed it; each message is applied once;
// what is not understood stays where it is.
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSuppression, openFeedback, returnPaths } from '../../src/audience/index.ts';
import { JournalRecipients, openEmlFolder, processBounces, type BounceSummary } from '../../src/bounces/index.ts';
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

async function run(state: string, inbox: string, options: { bounceAddress?: string; dryRun?: boolean } = {}): Promise<BounceSummary> {
  const suppression = await loadSuppression(state);
  const recorder = await openFeedback({ stateDir: state, suppression, dryRun: options.dryRun });
  const source = await openEmlFolder(inbox);
  try {
    return await processBounces({ source, recorder, recipients: new JournalRecipients(state, LIST, SECRET), bounceAddress: options.bounceAddress ?? BOUNCE_ADDRESS, dryRun: options.dryRun });
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

  it('without a token, applies only to addresses this list mailed', async () => {
    // The real DSN names nobody1 and nobody2; only nobody1 is in the journal.
    const { state, inbox } = await setup({ 'a.eml': await dsnTo('bounces@news.example.com') }, ['nobody1@example.com']);
    const summary = await run(state, inbox);
    expect(summary.suppressed).toEqual(['nobody1@example.com']);
    expect(await suppressedIn(state)).toEqual(['nobody1@example.com bounced']);
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
