/**
 * Bounded memory on a 1M-recipient journal: the real CLI reads a generated state folder (1,000,000
 * `sent` records, 20,000 unsubscribes and 20,000 complaints to attribute) and its peak RSS must stay
 * within MAX_GROWTH_MB of a baseline run on a one-recipient folder (same machine, same Node, so the
 * runtime's own footprint cancels out). Measured ~55 MB over the baseline: the state index (~12–18 MB),
 * the events and the streaming buffers. 150 MB leaves room for heap sizing on other machines, and is
 * far under what holding the journal (~80 MB of text) or a Map of its addresses (100+ MB) would add.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { journalPath } from '../../src/send/index.ts';
import { BIN, tempDir } from '../helpers/cli.ts';

const T = Date.parse('2026-03-01T10:00:00Z');
const MAX_GROWTH_MB = 150;
const address = (i: number) => `user${i}@example.com`;

async function writeLines(path: string, n: number, lineOf: (i: number) => string, head = ''): Promise<void> {
  const out = createWriteStream(path);
  if (head) out.write(head);
  let chunk: string[] = [];
  for (let i = 0; i < n; i++) {
    chunk.push(lineOf(i));
    if (chunk.length === 10_000) {
      if (!out.write(chunk.join(''))) await once(out, 'drain');
      chunk = [];
    }
  }
  out.end(chunk.join(''));
  await once(out, 'close');
}

async function stateFolder(dir: string, recipients: number, events: number): Promise<string> {
  const state = join(dir, 'state');
  await mkdir(state);
  const run = JSON.stringify({ s: 'run', t: T, issue: 'big-issue', list: 'big.csv', pid: 1, concurrency: 5, rate: null });
  await writeLines(journalPath(state, 'big-issue', join(dir, 'big.csv')), recipients, (i) => `${JSON.stringify({ s: 'sent', e: address(i), r: '250 2.0.0 OK', t: T + i })}\n`, `${run}\n`);
  const after = new Date(T + recipients + 1000).toISOString();
  // Every 50th recipient unsubscribes; every 50th (another one) complains.
  await writeLines(join(state, 'suppression.csv'), events, (i) => `${address(i * 50)},unsubscribed,unsubscribe-server,${after}\n`, 'email,reason,source,added_at\n');
  await writeLines(join(state, 'feedback.jsonl'), events, (i) => `${JSON.stringify({ id: `<arf${i}@fbl>`, at: after, source: 'maildir', items: [{ kind: 'complaint', email: address(i * 50 + 1), action: 'suppressed' }] })}\n`);
  return state;
}

/** Run `newsletter stats --json` and read the child's peak RSS (getrusage ru_maxrss) as it exits. */
async function statsWithPeak(cwd: string): Promise<{ code: number | null; stdout: string; maxRssMb: number; ms: number }> {
  const wrapper = join(cwd, 'peak.mjs');
  await writeFile(wrapper, `process.on('exit', () => process.stderr.write('maxrss_kb=' + process.resourceUsage().maxRSS + '\\n'));\nawait import(${JSON.stringify(pathToFileURL(BIN).href)});\n`);
  const started = Date.now();
  const child = spawn(process.execPath, [wrapper, 'stats', '--json', '--state', 'state'], { cwd, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  const kb = Number(/maxrss_kb=(\d+)/.exec(stderr)?.[1]);
  return { code, stdout, maxRssMb: Math.round(kb / 1024), ms: Date.now() - started };
}

describe('newsletter stats on a 1M-recipient journal', () => {
  it('counts every recipient and attributes every event, reading the journal as a stream', async () => {
    const small = await tempDir();
    await stateFolder(small, 1, 1);
    const baseline = await statsWithPeak(small);
    expect(baseline.code).toBe(0);

    const big = await tempDir();
    await stateFolder(big, 1_000_000, 20_000);
    const r = await statsWithPeak(big);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { issues: { delivery: { sent: number }; feedback: { complaint: number }; unsubscribed: number }[] };
    expect(report.issues[0]!.delivery.sent).toBe(1_000_000);
    expect(report.issues[0]!.unsubscribed).toBe(20_000);
    expect(report.issues[0]!.feedback.complaint).toBe(20_000);
    console.log(`newsletter stats, peak RSS: ${r.maxRssMb} MB for 1,000,000 recipients + 40,000 events (${r.ms} ms); ${baseline.maxRssMb} MB for 1 recipient (${baseline.ms} ms)`);
    expect(baseline.maxRssMb).toBeGreaterThan(0);
    expect(r.maxRssMb - baseline.maxRssMb).toBeLessThan(MAX_GROWTH_MB);
  }, 120_000);
});
