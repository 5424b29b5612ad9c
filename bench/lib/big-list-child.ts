/**
 * Child process for the big-list benchmark, so its peak RSS is the run's own.
 * Usage: node --import tsx big-list-child.ts LIST STATE_DIR LIMIT (the benchmark runs it bundled)
 *
 * What `send` does per recipient, without SMTP: the list source (CSV parse,
 * validation, dedupe, suppression, journal lookups) with the journal; then, in
 * 5 workers taking jobs from a JobQueue, messageFor (Handlebars fill, signed
 * unsubscribe URL, headers), a `sending` record (not awaited) and a `sent`
 * record (awaited: on disk before the worker takes the next recipient), as
 * src/send/deliver.ts does around transport.sendMail. Like `send --limit`,
 * recipients past LIMIT are still read, validated and deduped, but not sent:
 * the whole list goes through the reader and its indexes in one process.
 * Prints one JSON line (BigListReport).
 */
import { memoryUsage } from 'node:process';
import { stat } from 'node:fs/promises';
import { isNewsletterError } from '../../src/errors.ts';
import { parseSendEnv } from '../../src/config/env.ts';
import { JobQueue } from '../../src/send/job-queue.ts';
import { Journal, journalPath } from '../../src/send/journal.ts';
import { openListSource } from '../../src/send/list-source.ts';
import { messageFor, prepareIssue } from '../../src/mail/personalized-message.ts';
import type { Job } from '../../src/send/recipients.ts';
import { ROOT, seedIssue } from './seed.ts';

export interface BigListReport {
  rows: number;
  recipients: number;
  invalid: number;
  duplicate: number;
  leftByLimit: number;
  /** Time to personalize and journal `recipients`. */
  pipelineMs: number;
  /** Time for the rest of the list (read, validated, deduped; past the limit). */
  tailMs: number;
  /** Recipients per second over each block of CHUNK recipients. */
  chunkRates: number[];
  /** RSS after the issue was rendered and prepared, before the list: the process's baseline. */
  baselineRssKB: number;
  /** process.resourceUsage().maxRSS: peak resident set over the whole run, kilobytes. */
  maxRssKB: number;
  journalBytes: number;
}

const CHUNK = 25_000;
const WORKERS = 5; // the CLI's default --concurrency

const [listPath, stateDir, limitArg] = process.argv.slice(2);
if (!listPath || !stateDir || !limitArg) throw new Error('usage: big-list-child.ts LIST STATE_DIR LIMIT');
const limit = Number(limitArg);

const built = await seedIssue();
const env = parseSendEnv({ UNSUBSCRIBE_SECRET: 'bench-unsubscribe-secret-0123456789abcdef' }, ROOT);
const prepared = prepareIssue(built, env, env.unsubscribeSecret!);
const journal = await Journal.open(journalPath(stateDir, built.props.issue.slug, listPath));
const baselineRssKB = Math.round(memoryUsage.rss() / 1024);

const started = performance.now();
let recipients = 0;
let chunkStart = started;
let lastAt = started;
const chunkRates: number[] = [];

const source = await openListSource({ listPath, stateDir, journal, limit });
const queue = new JobQueue<Job>(source.jobs);
const date = new Date();
let kept = 0;
const worker = async () => {
  for (let job = await queue.next(); job; job = await queue.next()) {
    const key = job.sub.key;
    try {
      const mail = messageFor(prepared, job.sub, date);
      // The HTML part comes pre-encoded ({ raw }) since send encodes the bodies once per run.
      const html = mail.html as string | { raw: string };
      kept += typeof html === 'string' ? html.length : html.raw.length;
      journal.record({ s: 'sending', e: key, n: 1, t: Date.now() }).catch(() => {});
      await journal.record({ s: 'sent', e: key, r: '250 no SMTP (bench)', t: Date.now() });
    } catch (error) {
      if (!isNewsletterError(error)) throw error;
      await journal.record({ s: 'skipped', e: key, why: `invalid: ${error.message}`, t: Date.now() });
    } finally {
      queue.finished();
    }
    lastAt = performance.now();
    if (++recipients % CHUNK === 0) {
      chunkRates.push(CHUNK / ((lastAt - chunkStart) / 1000));
      chunkStart = lastAt;
    }
  }
};
await Promise.all(Array.from({ length: WORKERS }, worker));
await journal.flush();
const ended = performance.now();
await journal.close();
if (kept === 0) throw new Error('nothing personalized');

const report: BigListReport = {
  rows: source.tally.rows,
  recipients,
  invalid: source.tally.invalid,
  duplicate: source.tally.duplicate,
  leftByLimit: source.tally.leftByLimit,
  pipelineMs: lastAt - started,
  tailMs: ended - lastAt,
  chunkRates,
  baselineRssKB,
  maxRssKB: process.resourceUsage().maxRSS,
  journalBytes: (await stat(journal.path)).size,
};
console.log(JSON.stringify(report));
