/**
 * A state folder built by hand for the stats tests: two issues, two lists, journal lines as the
 * send writes them (record shapes from src/send/journal-record.ts), feedback.jsonl records as
 * FeedbackRecord, and a suppression.csv, each with one damaged line.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FeedbackRecord } from '../../src/audience/index.ts';
import { journalPath, type JournalRecord } from '../../src/send/index.ts';
import { SEND_FIXTURES } from '../send/helpers.ts';

export const T1 = Date.parse('2026-03-01T10:00:00Z');
export const T2 = Date.parse('2026-04-01T10:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const SLUG1 = '2026-03-01-first';
export const SLUG2 = '2026-04-01-second';

export interface Built {
  root: string;
  state: string;
  content: string;
  listA: string;
  listB: string;
}

const issueFile = (n: number, date: string, subject: string) =>
  `---\nnumber: ${n}\ndate: ${date}\nsubject: "${subject}"\npreheader: A fixture issue for the stats tests, long enough to pass the checks.\n---\n\n# Issue ${n}\n\nA paragraph for issue ${n}.\n`;

const line = (r: JournalRecord) => JSON.stringify(r);
const run = (issue: string, list: string, t: number): JournalRecord => ({ s: 'run', t, issue, list, pid: 1, concurrency: 5, rate: null });
const sent = (e: string, t: number): JournalRecord => ({ s: 'sent', e, r: '250 2.0.0 OK', t });
const sending = (e: string, t: number): JournalRecord => ({ s: 'sending', e, n: 1, t });

export async function buildState(root: string): Promise<Built> {
  const state = join(root, 'state');
  const content = join(root, 'content');
  await mkdir(state, { recursive: true });
  await mkdir(join(content, 'issues'), { recursive: true });
  await copyFile(join(SEND_FIXTURES, 'content', 'newsletter.yml'), join(content, 'newsletter.yml'));
  await writeFile(join(content, 'issues', `${SLUG1}.md`), issueFile(1, '2026-03-01', 'First issue, {{firstName}}'));
  await writeFile(join(content, 'issues', `${SLUG2}.md`), issueFile(2, '2026-04-01', 'Second issue'));
  const listA = join(root, 'list-a.csv');
  const listB = join(root, 'list-b.csv');

  const write = (slug: string, list: string, lines: string[]) => writeFile(journalPath(state, slug, list), lines.join('\n') + '\n');
  // Issue 1, list A: every final state, and the last record per address winning.
  await write(SLUG1, listA, [
    line(run(SLUG1, 'list-a.csv', T1)),
    line({ s: 'failed', e: 'a1@example.com', k: 'transient', code: 'ECONNECTION', m: 'dropped', t: T1 }),
    line(sent('A1@example.com', T1 + 1000)),
    line(sending('a2@example.com', T1)),
    line(sent('a2@example.com', T1)),
    line(sent('a3@example.com', T1)),
    line({ s: 'failed', e: 'a4@example.com', k: 'permanent', code: 'EENVELOPE', rc: 550, cmd: 'RCPT TO', m: '550 5.1.1 no such user', t: T1 }),
    line({ s: 'pending', e: 'a5@example.com', n: 1, why: '451 try later', t: T1 }),
    line({ s: 'failed', e: 'a5@example.com', k: 'transient', code: 'EENVELOPE', rc: 451, m: '451 try later', t: T1 }),
    line({ s: 'skipped', e: 'a6@example.com', why: 'suppressed', t: T1 }),
    line({ s: 'skipped', e: 'a7@example.com', why: 'invalid: the subject has a line break', t: T1 }),
    line({ s: 'pending', e: 'a8@example.com', n: 2, why: '421 busy', t: T1 }),
    line(sending('a9@example.com', T1)),
    line({ s: 'suppress', e: 'a4@example.com', why: 'send: 550 5.1.1', t: T1 }),
  ]);
  await write(SLUG1, listB, [
    line(run(SLUG1, 'list-b.csv', T1)),
    line(sent('b1@example.com', T1 + 60_000)),
    line(sent('both@example.com', T1 + 60_000)),
    line({ s: 'skipped', e: 'b3@example.com', why: 'status unsubscribed', t: T1 }),
  ]);
  // Issue 2, list A (with a damaged line in the middle), and list B.
  await write(SLUG2, listA, [
    line(run(SLUG2, 'list-a.csv', T2)),
    line(sent('a1@example.com', T2)),
    '{"s":"sent","e":"torn',
    line(sent('a2@example.com', T2)),
    line(sent('a3@example.com', T2)),
    line(sent('c1@example.com', T2)),
    line({ s: 'skipped', e: 'a6@example.com', why: 'suppressed', t: T2 }),
  ]);
  await write(SLUG2, listB, [line(run(SLUG2, 'list-b.csv', T2)), line(sent('b1@example.com', T2)), line(sent('both@example.com', T2))]);

  const at = (t: number) => new Date(t).toISOString();
  const ledger: FeedbackRecord[] = [
    // Names issue 1 although it came after issue 2 was sent: the name wins over the time.
    { id: '<dsn1@mx>', at: at(T2 + DAY), source: 'maildir:new/1', items: [{ kind: 'hard', email: 'a2@example.com', issue: 'issue-1', status: '5.1.1', action: 'suppressed' }] },
    // The same bounce reported again: one bounced address.
    { id: '<dsn2@mx>', at: at(T2 + DAY + HOUR), source: 'maildir:new/2', items: [{ kind: 'hard', email: 'a2@example.com', issue: 'issue-1', status: '5.1.1', action: 'already-suppressed' }] },
    // No issue named: the newest send before it (issue 2).
    { id: '<arf1@fbl>', at: at(T2 + DAY), source: 'maildir:new/3', items: [{ kind: 'complaint', email: 'a1@example.com', action: 'suppressed' }] },
    // No issue named, between the two sends: issue 1.
    { id: '<dsn3@mx>', at: at(T1 + DAY), source: 'maildir:new/4', items: [{ kind: 'soft', email: 'b1@example.com', status: '4.2.2', action: 'counted' }] },
    { id: '<dsn4@mx>', at: at(T2 + DAY), source: 'maildir:new/5', items: [{ kind: 'sender', email: 'a3@example.com', issue: SLUG2, status: '5.7.1', action: 'none' }] },
    { id: '<ooo@x>', at: at(T2 + 2 * DAY), source: 'maildir:new/6', items: [{ kind: 'auto-reply', email: 'c1@example.com', action: 'none' }] },
    // Never sent to: not attributed.
    { id: '<dsn5@mx>', at: at(T2 + DAY), source: 'maildir:new/7', items: [{ kind: 'hard', email: 'stranger@example.com', action: 'suppressed' }] },
    { id: '<x@y>', at: at(T2 + DAY), source: 'maildir:new/8', items: [{ kind: 'ignored', email: 'a1@example.com', action: 'none' }] },
    // No address, although it names the issue: counts nowhere (nobody can say it was one of our recipients).
    { id: 'sendgrid:ev1', at: at(T2 + DAY), source: 'webhook:sendgrid', items: [{ kind: 'complaint', issue: 'issue-2', action: 'none' }] },
    // A forged bounce quoting our Message-ID that the ledger applied to nobody: counts nowhere.
    { id: '<forged@mx>', at: at(T2 + DAY), source: 'maildir:new/9', items: [{ kind: 'hard', email: 'forged@example.com', issue: 'issue-1', status: '5.1.1', action: 'none' }] },
  ];
  await writeFile(join(state, 'feedback.jsonl'), `${ledger.map((r) => JSON.stringify(r)).join('\n')}\n{"id":"<torn@x>","at":"2026\n`);

  await writeFile(
    join(state, 'suppression.csv'),
    [
      'email,reason,source,added_at',
      `a3@example.com,unsubscribed,unsubscribe-server,${at(T2 + HOUR)}`,
      `both@example.com,unsubscribed,unsubscribe-server,${at(T1 + HOUR)}`,
      'old@example.com,unsubscribed,import,2020-01-01T00:00:00.000Z',
      `a4@example.com,bounced,send: 550 5.1.1,${at(T1)}`,
      `c1@example.com,unsubscribed,"unsubscribe-server, by mail",${at(T2 + 3 * HOUR)}`,
      `"broken@example.com,unsubscribed,x,${at(T2)}`,
      '',
    ].join('\n'),
  );
  return { root, state, content, listA, listB };
}
