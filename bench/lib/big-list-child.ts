/**
 * Child process for the big-list benchmark, so its peak RSS is the run's own.
 * Usage: node --import tsx big-list-child.ts LIST STATE_DIR [WORKERS] (the benchmark runs it bundled)
 *
 * What `send` does for every recipient of the list, without SMTP: the list
 * source (CSV parse, validation, dedupe, suppression, journal lookups) with the
 * journal; then, in WORKERS workers (default 5, the CLI's --concurrency)
 * taking jobs from a JobQueue, the worker loop of src/send/deliver.ts with the
 * server replaced by "accepts at once": messageFor (the message's bytes), a
 * `sending` record, then "end of DATA", which waits for this `sending` and the
 * worker's previous `sent` to be on disk (deliver's COMMIT_GATE), then a `sent`
 * record that is NOT awaited: the worker takes its next recipient while it
 * commits, and that recipient's end of DATA waits for it. With no SMTP latency
 * the group commits hold every worker's `sent` and next `sending`.
 *
 * One message per CHUNK is kept and, after the timed run, parsed back with
 * mailparser and checked (addressed to its recipient, a List-Unsubscribe URL
 * whose token verifies for that address). Prints one JSON line (BigListReport).
 */
import { memoryUsage } from 'node:process';
import { constants } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { isNewsletterError } from '../../src/errors.ts';
import { verifyUnsubscribeToken } from '../../src/audience/index.ts';
import { parseSendEnv } from '../../src/config/env.ts';
import { JobQueue } from '../../src/send/job-queue.ts';
import { Journal, journalPath } from '../../src/send/journal.ts';
import { openListSource } from '../../src/send/list-source.ts';
import { estimateRows } from '../../src/send/summary.ts';
import { messageFor, prepareIssue, toRfc822, type MailOptions } from '../../src/mail/index.ts';
import type { Subscriber } from '../../src/audience/index.ts';
import type { Job } from '../../src/send/recipients.ts';
import { ROOT, seedIssue } from './seed.ts';

export interface BigListReport {
  rows: number;
  /** Recipients personalized and recorded `sent` (every valid, distinct row). */
  recipients: number;
  /** Recipients messageFor refused (recorded `skipped`, as deliver does): none in the generated list. */
  skipped: number;
  invalid: number;
  duplicate: number;
  workers: number;
  /** From the list opening to the last `sent` on disk: the whole list. */
  pipelineMs: number;
  /** CPU time (user + system) over the same span, milliseconds. */
  cpuMs: number;
  /** CHUNK: recipients per block of the figures below. */
  chunk: number;
  /** Recipients per second over each block of CHUNK recipients. */
  chunkRates: number[];
  /** RSS at the end of each block of CHUNK recipients, kilobytes: flat when nothing grows with the list. */
  chunkRssKB: number[];
  /** RSS after the issue was rendered and prepared, before the list: the process's baseline. */
  baselineRssKB: number;
  /** Median latency of one O_DSYNC append of a 5-worker group commit's size, measured before the run (µs). */
  syncWriteUs: number;
  /** process.resourceUsage().maxRSS: peak resident set over the whole run, kilobytes. */
  maxRssKB: number;
  /** Bytes of every message made (the RFC 822 bytes, or the HTML part where messageFor gives no raw bytes). */
  messageBytes: number;
  /** Messages parsed back after the run (one per chunk), all addressed right with a valid unsubscribe token. */
  samplesChecked: number;
  /** Bytes of the journal's in-memory state index (one entry per address) at the end. */
  stateIndexBytes: number;
  journalPath: string;
  journalBytes: number;
}

const CHUNK = 25_000;
const SECRET = 'bench-unsubscribe-secret-0123456789abcdef';

const [listPath, stateDir, workersArg = '5'] = process.argv.slice(2);
if (!listPath || !stateDir) throw new Error('usage: big-list-child.ts LIST STATE_DIR [WORKERS]');
const workers = Number(workersArg);

const built = await seedIssue();
const env = parseSendEnv({ UNSUBSCRIBE_SECRET: SECRET }, ROOT);
const prepared = prepareIssue(built, env, env.unsubscribeSecret!);
const journal = await Journal.open(journalPath(stateDir, built.props.issue.slug, listPath));
const baselineRssKB = Math.round(memoryUsage.rss() / 1024);
const syncWriteUs = await syncWriteLatency(stateDir);

const started = performance.now();
const cpuStarted = process.cpuUsage();
let recipients = 0;
let skipped = 0;
let made = 0;
let messageBytes = 0;
let chunkStart = started;
const chunkRates: number[] = [];
const chunkRssKB: number[] = [];
const samples: { sub: Subscriber; mail: MailOptions }[] = [];

// As send does (run.ts): the line count for the progress total, which also sizes the indexes.
const expectedRows = await estimateRows(listPath);
const source = await openListSource({ listPath, stateDir, journal, expectedRows });
const queue = new JobQueue<Job>(source.jobs);
const date = new Date();

/** deliver.ts's worker, with a server that accepts every message the moment the commit gate opens. */
const worker = async () => {
  let commit: Promise<void> = Promise.resolve();
  for (let job = await queue.next(); job; job = await queue.next()) {
    const key = job.sub.key;
    try {
      const mail = messageFor(prepared, job.sub, date);
      messageBytes += bytesOf(mail);
      if (made++ % CHUNK === 0) samples.push({ sub: job.sub, mail });
      const inFlight = journal.record({ s: 'sending', e: key, n: 1, t: Date.now() });
      // End of DATA: the server cannot accept before this `sending` and the previous `sent` are on disk.
      await Promise.all([commit, inFlight]);
      commit = journal.record({ s: 'sent', e: key, r: '250 no SMTP (bench)', t: Date.now() });
      if (++recipients % CHUNK === 0) noteChunk();
    } catch (error) {
      if (!isNewsletterError(error)) throw error;
      skipped++;
      await journal.record({ s: 'skipped', e: key, why: `invalid: ${error.message}`, t: Date.now() });
    } finally {
      queue.finished();
    }
  }
  await commit;
};

function noteChunk(): void {
  const now = performance.now();
  chunkRates.push(CHUNK / ((now - chunkStart) / 1000));
  chunkRssKB.push(Math.round(memoryUsage.rss() / 1024));
  chunkStart = now;
}

/**
 * The disk's part of the bound: the median time of an O_DSYNC append the size of one group
 * commit of 5 workers (5 `sending` + 5 `sent` records, ~1.8 KB), measured just before the run.
 */
async function syncWriteLatency(dir: string): Promise<number> {
  const path = join(dir, 'sync-probe.tmp');
  const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | (constants.O_DSYNC ?? 0));
  const data = Buffer.alloc(1800, 'x');
  const times: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await fh.write(data);
      times.push((performance.now() - t) * 1000);
    }
  } finally {
    await fh.close();
    await rm(path, { force: true });
  }
  return times.sort((a, b) => a - b)[times.length >> 1]!;
}

/** The message's size: its RFC 822 bytes when messageFor hands them over (`raw`), else its HTML part. */
function bytesOf(mail: MailOptions): number {
  if (Buffer.isBuffer(mail.raw)) return mail.raw.length;
  if (typeof mail.raw === 'string') return Buffer.byteLength(mail.raw);
  const html = mail.html as string | { raw: string } | undefined;
  return typeof html === 'string' ? html.length : (html?.raw.length ?? 0);
}

await Promise.all(Array.from({ length: workers }, worker));
await journal.flush();
const pipelineMs = performance.now() - started;
const cpu = process.cpuUsage(cpuStarted);
const maxRssKB = process.resourceUsage().maxRSS;
await journal.close();
if (messageBytes === 0) throw new Error('nothing personalized');

/** Parse a kept message back and check it went to its own recipient with its own unsubscribe link. */
async function checkSample({ sub, mail }: { sub: Subscriber; mail: MailOptions }): Promise<void> {
  const bytes = Buffer.isBuffer(mail.raw) ? mail.raw : await toRfc822(mail);
  const parsed = await simpleParser(bytes);
  const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
  const address = to?.value[0]?.address;
  const line = parsed.headerLines.find((h) => h.key === 'list-unsubscribe')?.line.replace(/\r?\n[ \t]+/g, ' ') ?? '';
  const url = /<(https?:[^>]+)>/.exec(line)?.[1];
  const token = url ? new URL(url).searchParams.get('t') : null;
  const problems = [
    address !== sub.email && `To ${address}`,
    !token && `no unsubscribe URL in "${line}"`,
    token && !verifyUnsubscribeToken(token, sub.email, built.props.newsletter.listId, SECRET) && 'unsubscribe token does not verify',
    !parsed.html && 'no HTML part',
    !parsed.text && 'no text part',
  ].filter(Boolean);
  if (problems.length) throw new Error(`message for row ${sub.row} (${sub.email}): ${problems.join('; ')}`);
}
for (const sample of samples) await checkSample(sample);

const report: BigListReport = {
  rows: source.tally.rows,
  recipients,
  skipped,
  invalid: source.tally.invalid,
  duplicate: source.tally.duplicate,
  workers,
  pipelineMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
  chunk: CHUNK,
  chunkRates,
  chunkRssKB,
  baselineRssKB,
  syncWriteUs,
  maxRssKB,
  messageBytes,
  samplesChecked: samples.length,
  stateIndexBytes: journal.index.bytes,
  journalPath: journal.path,
  journalBytes: (await stat(journal.path)).size,
};
console.log(JSON.stringify(report));
