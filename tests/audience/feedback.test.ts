// Issue 14 item 2's rules: hard bounce → suppressed (bounced), complaint → suppressed (complained),
// soft bounces counted and N in D days suppress; each message applied once, by its id; nothing held
// against a subscriber for the sender's own problem.
import { appendFile, open as fsOpen, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { bounceKind, loadSuppression, openFeedback, readFeedback, type FeedbackMessage } from '../../src/audience/index.ts';
import { tempDir } from '../helpers/cli.ts';

const DAY = 86_400_000;

async function open(dir: string, options: { now?: () => number; softLimit?: number; softDays?: number; dryRun?: boolean } = {}) {
  const suppression = await loadSuppression(dir);
  const feedback = await openFeedback({ stateDir: dir, suppression, ...options });
  return { suppression, feedback, close: async () => { await feedback.close(); await suppression.close(); } };
}

const hard = (id: string, email: string): FeedbackMessage => ({ id, source: 'test', items: [{ kind: 'hard', email, status: '5.1.1', detail: 'smtp; 550 5.1.1 user unknown' }] });
const soft = (id: string, email: string): FeedbackMessage => ({ id, source: 'test', items: [{ kind: 'soft', email, status: '4.2.2', detail: 'mailbox full' }] });

async function suppressionRows(dir: string): Promise<string[][]> {
  const text = await readFile(join(dir, 'suppression.csv'), 'utf8').catch(() => '');
  return text.trim().split('\n').slice(1).filter(Boolean).map((line) => line.split(','));
}

describe('the feedback ledger', () => {
  it('suppresses a hard bounce and a complaint with their reasons, and applies a message once even after a restart', async () => {
    const dir = await tempDir();
    let run = await open(dir);
    expect(await run.feedback.record(hard('<a@mx>', 'ada@example.com'))).toEqual({ duplicate: false, applied: [expect.objectContaining({ email: 'ada@example.com', action: 'suppressed' })] });
    await run.feedback.record({ id: 'sendgrid:1', source: 'webhook:sendgrid', items: [{ kind: 'complaint', email: 'bob@example.com' }] });
    expect(await run.feedback.record(hard('<a@mx>', 'ada@example.com'))).toEqual({ duplicate: true });
    await run.close();
    run = await open(dir);
    expect(run.feedback.has('<a@mx>')).toBe(true);
    expect(await run.feedback.record(hard('<a@mx>', 'ada@example.com'))).toEqual({ duplicate: true });
    await run.close();
    const rows = await suppressionRows(dir);
    expect(rows.map((r) => [r[0], r[1]])).toEqual([['ada@example.com', 'bounced'], ['bob@example.com', 'complained']]);
    const records = [];
    for await (const r of readFeedback(dir)) records.push(r);
    expect(records.map((r) => r.id)).toEqual(['<a@mx>', 'sendgrid:1']);
  });

  it('counts soft bounces and suppresses at the limit within the window, not outside it', async () => {
    const dir = await tempDir();
    let now = Date.parse('2026-01-01T00:00:00Z');
    const run = await open(dir, { now: () => now, softLimit: 3, softDays: 30 });
    expect((await run.feedback.record(soft('s1', 'cat@example.com'))) ).toMatchObject({ applied: [{ action: 'counted' }] });
    now += 40 * DAY; // the first falls out of the window
    expect(await run.feedback.record(soft('s2', 'cat@example.com'))).toMatchObject({ applied: [{ action: 'counted' }] });
    now += DAY;
    expect(await run.feedback.record(soft('s3', 'cat@example.com'))).toMatchObject({ applied: [{ action: 'counted' }] });
    expect(run.suppression.has('cat@example.com')).toBe(false);
    now += DAY;
    expect(await run.feedback.record(soft('s4', 'CAT@example.com'))).toMatchObject({ applied: [{ action: 'suppressed' }] });
    await run.close();
    expect((await suppressionRows(dir))[0]![2]).toContain('soft bounces: 3 in 30 days');
  });

  it('sees what another process recorded since it opened: ids apply once across both, soft bounces add up', async () => {
    const dir = await tempDir();
    const server = await open(dir);
    const reader = await open(dir);
    await reader.feedback.record(soft('s1', 'cat@example.com'));
    await reader.feedback.record(soft('s2', 'cat@example.com'));
    expect(await server.feedback.record(soft('s2', 'cat@example.com'))).toEqual({ duplicate: true });
    expect(await server.feedback.record(soft('s3', 'cat@example.com'))).toMatchObject({ applied: [{ action: 'suppressed' }] });
    await server.close();
    await reader.close();
    expect((await suppressionRows(dir)).map((r) => r[0])).toEqual(['cat@example.com']);
  });

  it('records a message again after its write failed (the ESP retries after a 500): it is not taken for a duplicate', async () => {
    const dir = await tempDir();
    const run = await open(dir);
    await run.feedback.record(soft('first', 'cat@example.com'));
    const handle = await fsOpen(join(dir, 'feedback.jsonl'), 'r');
    const proto = Object.getPrototypeOf(handle) as { write: (...args: unknown[]) => Promise<unknown> };
    await handle.close();
    const spy = vi.spyOn(proto, 'write').mockRejectedValueOnce(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    await expect(run.feedback.record(soft('retried', 'cat@example.com'))).rejects.toThrow(/disk is full/);
    spy.mockRestore();
    expect(await run.feedback.record(soft('retried', 'cat@example.com'))).toMatchObject({ duplicate: false });
    await run.close();
    const ids = [];
    for await (const r of readFeedback(dir)) ids.push(r.id);
    expect(ids).toEqual(['first', 'retried']);
  });

  it('holds nothing against the subscriber for delays, auto-replies, the sender\'s own problems or a report without an address', async () => {
    const dir = await tempDir();
    const run = await open(dir);
    const result = await run.feedback.record({
      id: 'm',
      source: 'test',
      items: [
        { kind: 'sender', email: 'a@example.com', status: '5.7.1', detail: 'blocked using Spamhaus' },
        { kind: 'delayed', email: 'b@example.com', status: '4.4.1' },
        { kind: 'auto-reply', email: 'c@example.com' },
        { kind: 'hard', status: '5.1.1' },
        { kind: 'hard', email: 'not an address' },
      ],
    });
    expect(result).toMatchObject({ applied: [{ action: 'none' }, { action: 'none' }, { action: 'none' }, { action: 'none' }, { action: 'none' }] });
    await run.close();
    expect(await suppressionRows(dir)).toEqual([]);
  });

  it('changes nothing on disk in a dry run, yet says what would change', async () => {
    const dir = await tempDir();
    const run = await open(dir, { dryRun: true });
    expect(await run.feedback.record(hard('x', 'ada@example.com'))).toMatchObject({ applied: [{ action: 'suppressed' }] });
    expect(await run.feedback.record(hard('y', 'ada@example.com'))).toMatchObject({ applied: [{ action: 'already-suppressed' }] });
    await run.close();
    await expect(readFile(join(dir, 'feedback.jsonl'))).rejects.toThrow();
    await expect(readFile(join(dir, 'suppression.csv'))).rejects.toThrow();
  });

  it('skips a torn or damaged line with a note, and repairs a soft-bounce suppression a crash left unwritten', async () => {
    const dir = await tempDir();
    const now = Date.now();
    const line = (id: string) => JSON.stringify({ id, at: new Date(now - DAY).toISOString(), source: 't', items: [{ kind: 'soft', email: 'dan@example.com', action: 'counted' }] });
    await writeFile(join(dir, 'feedback.jsonl'), `${line('1')}\n{"id": "torn\n${line('2')}\n${line('3')}\n`);
    const problems: string[] = [];
    const suppression = await loadSuppression(dir);
    const feedback = await openFeedback({ stateDir: dir, suppression, onProblem: (where) => problems.push(where) });
    expect(problems).toEqual([`${join(dir, 'feedback.jsonl')}:2`]);
    expect(feedback.repaired).toEqual(['dan@example.com']);
    expect(suppression.has('dan@example.com')).toBe(true);
    // After a torn tail, the next record still starts on its own line.
    await appendFile(join(dir, 'feedback.jsonl'), '{"id":"half');
    await feedback.record(hard('h', 'eve@example.com'));
    await feedback.close();
    await suppression.close();
    const ids = [];
    for await (const r of readFeedback(dir)) ids.push(r.id);
    expect(ids).toEqual(['1', '2', '3', 'h']);
  });
});

describe('bounceKind', () => {
  it.each([
    ['5.1.1', 'smtp; 550 5.1.1 <a@b>: Recipient address rejected: User unknown', 'hard'],
    ['5.1.10', '550 5.1.10 RESOLVER.ADR.RecipientNotFound', 'hard'],
    ['5.2.1', 'mailbox disabled', 'hard'],
    [undefined, '550 user unknown', 'hard'],
    ['5.2.2', '552 5.2.2 over quota', 'soft'],
    ['4.2.2', 'mailbox full', 'soft'],
    ['4.4.1', 'connection timed out', 'soft'],
    ['5.0.0', 'something went wrong', 'soft'],
    ['5.7.1', '550 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org', 'sender'],
    ['5.7.26', 'unauthenticated email from example.com is not accepted due to domain\'s DMARC policy', 'sender'],
    ['5.3.4', 'message too big', 'sender'],
    ['5.0.0', '554 rejected: spam content', 'sender'],
    ['4.7.0', '421 4.7.0 [TSS04] Messages temporarily deferred due to user complaints', 'sender'],
  ] as const)('%s %s → %s', (status, diagnostic, kind) => {
    expect(bounceKind(status, diagnostic)).toBe(kind);
  });
});
