/**
 * What counts toward an issue's hard-bounce rate: the hard bounces the send itself saw (a permanent
 * `failed` record followed by the `suppress` record send writes for a hard bounce), the ones that came
 * back later (the feedback ledger), over the deliveries attempted; and which ledger items count at all.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppliedItem, FeedbackRecord } from '../../src/audience/index.ts';
import { journalPath, type JournalRecord } from '../../src/send/index.ts';
import { collectStats, formatStats } from '../../src/stats/index.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { SEND_FIXTURES } from '../send/helpers.ts';

const T = Date.parse('2026-03-01T10:00:00Z');
const SLUG = '2026-03-01-one';
const at = (t: number) => new Date(t).toISOString();
const line = (r: JournalRecord) => JSON.stringify(r);

interface Folder {
  sent?: number;
  /** Refused at RCPT with 550 5.1.1: `failed` permanent, then `suppress` (what send writes for a hard bounce). */
  hard?: number;
  /** Refused permanently without being a hard bounce (552 message too big): `failed` permanent, no `suppress`. */
  otherPermanent?: number;
  extra?: JournalRecord[];
  ledger?: FeedbackRecord[];
}

/** A state folder with one issue's journal, and the content folder that makes "issue-1" that issue. */
async function stateFolder({ sent = 0, hard = 0, otherPermanent = 0, extra = [], ledger = [] }: Folder): Promise<string> {
  const root = await tempDir();
  const state = join(root, 'state');
  await mkdir(state);
  await mkdir(join(root, 'content', 'issues'), { recursive: true });
  await copyFile(join(SEND_FIXTURES, 'content', 'newsletter.yml'), join(root, 'content', 'newsletter.yml'));
  await writeFile(join(root, 'content', 'issues', `${SLUG}.md`), '---\nnumber: 1\ndate: 2026-03-01\nsubject: One\npreheader: A fixture issue for the stats tests, long enough to pass the checks.\n---\n\n# One\n\nText.\n');
  const lines = [line({ s: 'run', t: T, issue: SLUG, list: 'list.csv', pid: 1, concurrency: 5, rate: null })];
  for (let i = 0; i < sent; i++) lines.push(line({ s: 'sent', e: `ok${i}@example.com`, r: '250 2.0.0 OK', t: T + i }));
  for (let i = 0; i < hard; i++) {
    const e = `gone${i}@example.com`;
    lines.push(line({ s: 'failed', e, k: 'permanent', code: 'EENVELOPE', rc: 550, cmd: 'RCPT TO', m: '550 5.1.1 no such user', row: i + 2, t: T }));
    lines.push(line({ s: 'suppress', e, why: 'smtp 550 5.1.1 no such user (RCPT TO)', t: T }));
  }
  for (let i = 0; i < otherPermanent; i++)
    lines.push(line({ s: 'failed', e: `big${i}@example.com`, k: 'permanent', code: 'EMESSAGE', rc: 552, cmd: 'DATA', m: '552 5.3.4 message too big', t: T }));
  lines.push(...extra.map(line));
  await writeFile(journalPath(state, SLUG, join(root, 'list.csv')), `${lines.join('\n')}\n`);
  if (ledger.length) await writeFile(join(state, 'feedback.jsonl'), `${ledger.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return root;
}

async function statsOf(root: string) {
  const problems: string[] = [];
  const report = await collectStats({ stateDir: join(root, 'state'), contentDir: join(root, 'content'), cwd: root, onProblem: (where, why) => problems.push(`${where}: ${why}`) });
  expect(problems).toEqual([]);
  expect(report.issues).toHaveLength(1);
  expect(report.issues[0]!.number).toBe(1);
  return { report, one: report.issues[0]! };
}

const dsn = (n: number, items: AppliedItem[]): FeedbackRecord => ({ id: `<dsn${n}@mx>`, at: at(T + 3_600_000), source: `maildir:new/${n}`, items });

describe('newsletter stats: the hard bounces the send saw', () => {
  it('90 sent + 10 refused "550 5.1.1" at RCPT is a 10 % hard-bounce rate, shown with its formula', async () => {
    const { report, one } = await statsOf(await stateFolder({ sent: 90, hard: 10 }));
    expect(one.delivery.failed).toEqual({ total: 10, permanent: 10, transient: 0, hardBounce: 10 });
    expect(one.feedback.hard).toBe(0);
    expect(one.rates.hardBounce).toEqual({ value: 0.1, status: 'over', aim: null, limit: 0.02 });
    const text = formatStats(report, { all: true });
    expect(text).toContain('failed 10 (permanent 10; 10 of them hard bounces, suppressed by the send)');
    expect(text).toContain('✖ hard bounces     10.00 %   at or over the 2 % limit');
    expect(text).toContain('= (10 refused at send + 0 reported after) / (90 sent + 10 failed permanently)');
  });

  it('a permanent refusal that is not a hard bounce is an attempted delivery, not a bounce', async () => {
    const { one } = await statsOf(await stateFolder({ sent: 90, hard: 5, otherPermanent: 5 }));
    expect(one.delivery.failed).toMatchObject({ permanent: 10, hardBounce: 5 });
    expect(one.rates.hardBounce.value).toBe(5 / 100);
  });

  it('adds the bounces reported after the send (the ledger) to those the send saw', async () => {
    const ledger = [dsn(1, [{ kind: 'hard', email: 'ok1@example.com', status: '5.1.1', action: 'suppressed' }])];
    const { one } = await statsOf(await stateFolder({ sent: 90, hard: 10, ledger }));
    expect(one.feedback.hard).toBe(1);
    expect(one.rates.hardBounce.value).toBe(11 / 100);
  });

  it('counts an address once when a report names the issue for a bounce the send already saw', async () => {
    const ledger = [dsn(1, [{ kind: 'hard', email: 'GONE1@example.com', issue: 'issue-1', status: '5.1.1', action: 'already-suppressed' }]), dsn(2, [{ kind: 'hard', email: 'gone2@example.com', issue: SLUG, status: '5.1.1', action: 'already-suppressed' }])];
    const { one } = await statsOf(await stateFolder({ sent: 90, hard: 10, ledger }));
    expect(one.delivery.failed.hardBounce).toBe(10);
    expect(one.feedback.hard).toBe(0);
    expect(one.rates.hardBounce.value).toBe(10 / 100);
  });

  it('an address whose last record is not the permanent failure (sent by a later run) is not a bounce', async () => {
    const extra: JournalRecord[] = [
      { s: 'run', t: T + 60_000, issue: SLUG, list: 'list.csv', pid: 2, concurrency: 5, rate: null },
      { s: 'sent', e: 'gone0@example.com', r: '250 2.0.0 OK', t: T + 60_000 },
      // A suppress record with no failure at all changes no state: not an address of the send.
      { s: 'suppress', e: 'nobody@example.com', why: 'hand-written', t: T + 60_000 },
    ];
    const { one } = await statsOf(await stateFolder({ sent: 90, hard: 10, extra }));
    expect(one.delivery).toMatchObject({ addresses: 100, sent: 91, failed: { permanent: 9, hardBounce: 9 } });
    expect(one.rates.hardBounce.value).toBe(9 / 100);
  });

  it('--json carries the send-time hard bounces in delivery.failed.hardBounce', async () => {
    const root = await stateFolder({ sent: 90, hard: 10 });
    const r = await runCli(['stats', '--json', '--state', 'state', '--content', 'content'], { cwd: root });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { issues: { delivery: { failed: unknown }; rates: { hardBounce: { value: number } } }[] };
    expect(json.issues[0]!.delivery.failed).toEqual({ total: 10, permanent: 10, transient: 0, hardBounce: 10 });
    expect(json.issues[0]!.rates.hardBounce.value).toBe(0.1);
  });

  it('--help gives the hard-bounce formula', async () => {
    const r = await runCli(['stats', '--help']);
    expect(r.stdout).toContain('hard bounces (refused at send + reported after) / (sent + failed permanently)');
  });
});

describe('newsletter stats: which feedback items count', () => {
  it('5 forged DSNs quoting ".issue-1@" that applied to nobody (action none) are not 5 hard bounces', async () => {
    const forged = [1, 2, 3, 4, 5].map((n) => dsn(n, [{ kind: 'hard', email: `stranger${n}@example.com`, issue: 'issue-1', status: '5.1.1', action: 'none' }]));
    const { report, one } = await statsOf(await stateFolder({ sent: 100, ledger: forged }));
    expect(one.feedback.hard).toBe(0);
    expect(report.notAttributed.feedback.hard).toBe(0);
    expect(formatStats(report, { all: true })).toContain('bounced hard 0 ·');
  });

  it.each([
    ['a hard bounce with no address', { kind: 'hard', issue: SLUG, status: '5.1.1', action: 'none' }],
    ['a complaint with no address', { kind: 'complaint', issue: SLUG, action: 'none' }],
    ['a soft bounce with no address', { kind: 'soft', issue: SLUG, action: 'none' }],
    ['a complaint applied to nobody', { kind: 'complaint', email: 'ok1@example.com', issue: SLUG, action: 'none' }],
    ['a soft bounce applied to nobody', { kind: 'soft', email: 'ok1@example.com', issue: SLUG, action: 'none' }],
    ['an auto-reply with no address', { kind: 'auto-reply', issue: SLUG, action: 'none' }],
  ] satisfies [string, AppliedItem][])('%s counts nowhere', async (_what, item) => {
    const { report, one } = await statsOf(await stateFolder({ sent: 100, ledger: [dsn(1, [item])] }));
    expect(Object.values(one.feedback).every((n) => n === 0)).toBe(true);
    expect(Object.values(report.notAttributed.feedback).every((n) => n === 0)).toBe(true);
  });

  it.each([
    ['sender', 'sender'],
    ['delayed', 'delayed'],
    ['auto-reply', 'autoReply'],
  ] as const)('a %s item (which never applies anything) counts with its address although its action is none', async (kind, key) => {
    const { one } = await statsOf(await stateFolder({ sent: 100, ledger: [dsn(1, [{ kind, email: 'ok1@example.com', issue: SLUG, action: 'none' }])] }));
    expect(one.feedback[key]).toBe(1);
  });

  it.each(['suppressed', 'already-suppressed', 'counted'] as const)('an item with an address and action %s counts', async (action) => {
    const { one } = await statsOf(await stateFolder({ sent: 100, ledger: [dsn(1, [{ kind: 'soft', email: 'ok1@example.com', issue: SLUG, action }])] }));
    expect(one.feedback.soft).toBe(1);
  });
});
