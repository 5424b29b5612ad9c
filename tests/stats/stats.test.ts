import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NewsletterError } from '../../src/errors.ts';
import { collectStats, formatStats, THRESHOLDS, type StatsReport } from '../../src/stats/index.ts';
import { rate } from '../../src/stats/rates.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { buildState, SLUG1, SLUG2, T1, T2, type Built } from './state.ts';

async function collect(built: Built, issue?: string) {
  const problems: string[] = [];
  const report = await collectStats({ stateDir: built.state, contentDir: built.content, cwd: built.root, issue, onProblem: (where, why) => problems.push(`${where}: ${why}`) });
  return { report, problems };
}

const issue = (report: StatsReport, slug: string) => {
  const found = report.issues.find((i) => i.slug === slug);
  expect(found, slug).toBeDefined();
  return found!;
};

describe('newsletter stats: counts per issue', () => {
  it("counts each address's final state in the journals of both lists, by state and reason", async () => {
    const { report } = await collect(await buildState(await tempDir()));
    expect(report.issues.map((i) => [i.number, i.slug, i.subject])).toEqual([
      [1, SLUG1, 'First issue, {{firstName}}'],
      [2, SLUG2, 'Second issue'],
    ]);
    const first = issue(report, SLUG1);
    expect(first.delivery).toEqual({
      addresses: 12,
      sent: 5,
      // a4: refused 550 5.1.1 at RCPT, and the send suppressed it (a `suppress` record): a hard bounce at send.
      failed: { total: 2, permanent: 1, transient: 1, hardBounce: 1 },
      skipped: { total: 3, byReason: { suppressed: 1, invalid: 1, 'status unsubscribed': 1 } },
      pending: { total: 2, retry: 1, inFlight: 1 },
    });
    expect(first.lists.map((l) => [l.list, l.runs, l.delivery.sent])).toEqual([
      ['list-a.csv', 1, 3],
      ['list-b.csv', 1, 2],
    ]);
    expect(first.firstSentAt).toBe(new Date(T1).toISOString());
    expect(first.lastSentAt).toBe(new Date(T1 + 60_000).toISOString());
    const second = issue(report, SLUG2);
    // The damaged line in list A's journal is skipped; the records around it count.
    expect(second.delivery).toMatchObject({ addresses: 7, sent: 6, failed: { total: 0 }, skipped: { total: 1, byReason: { suppressed: 1 } }, pending: { total: 0 } });
  });

  it('attributes: a named issue wins; otherwise the newest send to that address before the event; else not attributed', async () => {
    const { report } = await collect(await buildState(await tempDir()));
    const first = issue(report, SLUG1);
    const second = issue(report, SLUG2);
    // hard a2 names "issue-1" (reported after issue 2 went out, twice: one address); soft b1 came between the sends;
    // both@ unsubscribed between the sends. The forged bounce naming "issue-1" applied to nobody: not counted.
    expect(first.feedback).toEqual({ hard: 1, soft: 1, sender: 0, complaint: 0, autoReply: 0, delayed: 0 });
    expect(first.unsubscribed).toBe(1);
    // complaint a1 (no issue, after issue 2; the complaint with no address naming "issue-2" does not count); sender a3
    // names the slug; auto-reply c1; unsubscribes a3 and c1 (a quoted source) after issue 2.
    expect(second.feedback).toEqual({ hard: 0, soft: 0, sender: 1, complaint: 1, autoReply: 1, delayed: 0 });
    expect(second.unsubscribed).toBe(2);
    // stranger@ was never sent to; old@ unsubscribed before any send. "ignored" items and "bounced" suppression lines do not count.
    expect(report.notAttributed).toEqual({ feedback: { hard: 1, soft: 0, sender: 0, complaint: 0, autoReply: 0, delayed: 0 }, unsubscribed: 1 });
  });

  it('shows the rates against their thresholds with ✔ / ⚠ / ✖', async () => {
    const { report } = await collect(await buildState(await tempDir()));
    const first = issue(report, SLUG1);
    const second = issue(report, SLUG2);
    expect(first.rates.complaint).toEqual({ value: 0, status: 'ok', aim: 0.001, limit: 0.003 });
    // (a4 refused at send + a2 reported after) / (5 sent + a4 failed permanently).
    expect(first.rates.hardBounce).toEqual({ value: 2 / 6, status: 'over', aim: null, limit: 0.02 });
    expect(first.rates.unsubscribe).toEqual({ value: 1 / 5, status: null, aim: null, limit: null });
    expect(second.rates.complaint).toMatchObject({ value: 1 / 6, status: 'over' });
    expect(second.rates.hardBounce).toMatchObject({ value: 0, status: 'ok' });

    const text = formatStats(report, { all: true });
    expect(text).toContain('Issue 1 “First issue, {{firstName}}” (2026-03-01-first)');
    expect(text).toContain('✔ complaint rate    0.00 %   under 0.1 % (Gmail: keep under 0.1 %, never reach 0.3 %; Yahoo: keep under 0.3 %)');
    expect(text).toContain('✖ hard bounces     33.33 %   at or over the 2 % limit (common guidance; Gmail and Yahoo publish no bounce-rate figure)');
    expect(text).toContain('    = (1 refused at send + 1 reported after) / (5 sent + 1 failed permanently)');
    expect(text).toContain('failed 2 (permanent 1, transient 1; 1 of them hard bounces, suppressed by the send)');
    expect(text).toContain('✖ complaint rate   16.67 %   at or over the 0.3 % limit (Gmail');
    expect(text).toContain('✔ hard bounces      0.00 %   under 2 % (common guidance');
    expect(text).toContain('    unsubscribes     20.00 %   no threshold');
    expect(text).toContain('skipped 3 (invalid 1, status unsubscribed 1, suppressed 1)');
    expect(text).toContain('pending 2 (waiting for a retry 1, in flight 1): run the same send again to finish');
    expect(text).toContain('Not attributed');
    expect(text).toContain('Attribution: A report counts only with its address');
    expect(text).toContain('Hard-bounce rate: hard bounces (refused at send + reported after) / (sent + failed permanently)');
  });

  it.each([
    [0, 1000, 'ok'],
    [0.99, 1000, 'ok'],
    [1, 1000, 'warn'],
    [2.99, 1000, 'warn'],
    [3, 1000, 'over'],
  ] as const)('complaint rate %s / %s is %s (aim 0.1 per cent, limit 0.3)', (complaints, sent, status) => {
    expect(rate(complaints, sent, THRESHOLDS.complaint).status).toBe(status);
  });

  it('marks a complaint rate over the aim with ⚠, and a rate with nothing sent as n/a', () => {
    const base = { stateDir: 's', notAttributed: { feedback: { hard: 0, soft: 0, sender: 0, complaint: 0, autoReply: 0, delayed: 0 }, unsubscribed: 0 }, problems: 0 };
    const one = (sent: number, complaints: number) => ({
      slug: `s${sent}`, number: null, subject: null, file: null, firstSentAt: null, lastSentAt: null, lists: [], unsubscribed: 0,
      delivery: { addresses: sent, sent, failed: { total: 0, permanent: 0, transient: 0, hardBounce: 0 }, skipped: { total: 0, byReason: {} }, pending: { total: 0, retry: 0, inFlight: 0 } },
      feedback: { hard: 0, soft: 0, sender: 0, complaint: complaints, autoReply: 0, delayed: 0 },
      rates: { complaint: rate(complaints, sent, THRESHOLDS.complaint), hardBounce: rate(0, sent, THRESHOLDS.hardBounce), unsubscribe: rate(0, sent) },
    });
    const text = formatStats({ ...base, issues: [one(1000, 2), one(0, 0)] }, { all: true });
    expect(text).toContain('⚠ complaint rate    0.20 %   over the 0.1 % aim, under the 0.3 % limit (Gmail');
    expect(text).toMatch(/complaint rate +n\/a \(nothing sent\)/);
  });

  it('reports each damaged line (journal, ledger, suppression list) and skips it', async () => {
    const built = await buildState(await tempDir());
    const { report, problems } = await collect(built);
    expect(report.problems).toBe(3);
    expect(problems).toEqual([
      expect.stringMatching(/suppression\.csv:7: not an email,reason,source,added_at line; skipped$/),
      expect.stringMatching(/feedback\.jsonl:11: not a feedback record/),
      expect.stringMatching(/2026-04-01-second--list-a-[0-9a-f]{10}\.journal\.jsonl:3: not valid JSON; skipped$/),
    ]);
  });
});

describe('newsletter stats ISSUE', () => {
  it.each([
    ['its slug', SLUG2],
    ['its number', '2'],
    ['"issue-N"', 'issue-2'],
    ['its file', 'content/issues/2026-04-01-second.md'],
  ])('picks one issue by %s', async (_how, arg) => {
    const { report } = await collect(await buildState(await tempDir()), arg);
    expect(report.issues.map((i) => i.slug)).toEqual([SLUG2]);
    // Attribution still looks at every journal: the complaint after issue 2 is not issue 1's.
    expect(report.issues[0]!.feedback.complaint).toBe(1);
  });

  it.each([
    ['an unknown slug', 'no-such-issue', /No send journal for issue "no-such-issue" in /, /Issues sent from this state folder: 2026-03-01-first, 2026-04-01-second/],
    ['an unknown number', '9', /No issue number 9 in content\/issues\//, /Name the issue by its slug or file instead/],
  ])('refuses %s with a fix', async (_what, arg, message, fix) => {
    const error = await collect(await buildState(await tempDir()), arg).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NewsletterError);
    expect((error as NewsletterError).code).toBe('EUSAGE');
    expect((error as NewsletterError).message).toMatch(message);
    expect((error as NewsletterError).fix).toMatch(fix);
  });

  it('refuses an issue that exists in the content folder but was never sent from this state folder', async () => {
    const built = await buildState(await tempDir());
    await writeFile(join(built.content, 'issues', '2026-05-01-third.md'), '---\nnumber: 3\ndate: 2026-05-01\nsubject: Third\npreheader: A third fixture issue that was never sent anywhere.\n---\n\n# Three\n\nText.\n');
    const error = (await collect(built, '3').catch((e: unknown) => e)) as NewsletterError;
    expect(error.message).toBe(`No send journal for issue "3" (slug 2026-05-01-third) in ${built.state}`);
  });

  it('says so when the state folder has no journals at all', async () => {
    const error = (await collectStats({ stateDir: await tempDir() }).catch((e: unknown) => e)) as NewsletterError;
    expect(error.code).toBe('ECONFIG');
    expect(error.fix).toContain('--state DIR');
  });
});

describe('newsletter stats (the CLI)', () => {
  it('prints every issue, the damaged lines on stderr, and exits 0', async () => {
    const built = await buildState(await tempDir());
    const r = await runCli(['stats', '--state', 'state', '--content', 'content'], { cwd: built.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Issue 1 “First issue, {{firstName}}” (2026-03-01-first)');
    expect(r.stdout).toContain('Issue 2 “Second issue” (2026-04-01-second)');
    expect(r.stdout).toMatch(/sent to +list-a\.csv, list-b\.csv: first 2026-03-01 10:00 UTC, last 2026-03-01 10:01 UTC/);
    expect(r.stdout).toContain('came back    bounced hard 1 · bounced soft 1 · refused as sender problems 0 · complained 0 · auto-replies 0 · unsubscribed 1');
    expect(r.stdout).toContain('3 damaged lines or unreadable files skipped');
    expect(r.stderr.trim().split('\n')).toHaveLength(3);
    expect(r.stderr).toContain('⚠ state/feedback.jsonl:11: not a feedback record');
  });

  it('--json prints the documented shape, numbers as numbers', async () => {
    const built = await buildState(await tempDir());
    const r = await runCli(['stats', 'issue-1', '--json', '--state', 'state', '--content', 'content'], { cwd: built.root });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as StatsReport;
    expect(Object.keys(json)).toEqual(['stateDir', 'issues', 'notAttributed', 'problems']);
    expect(json.stateDir).toBe('state');
    expect(json.issues).toHaveLength(1);
    const [one] = json.issues;
    expect(Object.keys(one!)).toEqual(['slug', 'number', 'subject', 'file', 'firstSentAt', 'lastSentAt', 'lists', 'delivery', 'feedback', 'unsubscribed', 'rates']);
    expect(one).toMatchObject({ slug: SLUG1, number: 1, file: 'content/issues/2026-03-01-first.md', delivery: { sent: 5 }, feedback: { hard: 1 }, unsubscribed: 1 });
    expect(one!.delivery.failed).toEqual({ total: 2, permanent: 1, transient: 1, hardBounce: 1 });
    expect(one!.rates.hardBounce).toEqual({ value: 2 / 6, status: 'over', aim: null, limit: 0.02 });
    expect(one!.lists[0]).toMatchObject({ list: 'list-a.csv', runs: 1, firstSentAt: new Date(T1).toISOString() });
    expect(json.notAttributed.unsubscribed).toBe(1);
    expect(json.problems).toBe(3);
    expect(new Date(T2).toISOString()).not.toBe(one!.lastSentAt);
  });

  it('an unknown ISSUE is a usage error (exit 1) with the fix', async () => {
    const built = await buildState(await tempDir());
    const r = await runCli(['stats', 'nope', '--state', 'state', '--content', 'content'], { cwd: built.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('✖ No send journal for issue "nope" in state');
    expect(r.stderr).toContain('fix: Issues sent from this state folder: 2026-03-01-first, 2026-04-01-second.');
  });
});
