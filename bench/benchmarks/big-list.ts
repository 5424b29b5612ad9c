/**
 * 5. big list: a generated 1,000,000-row CSV (in os.tmpdir(), deleted after)
 * through what `send` does without SMTP, in a child process whose peak RSS
 * (process.resourceUsage().maxRSS) is the run's own: list reading, validation,
 * dedupe, suppression and journal lookups for every row; personalization and
 * journal records for the first LIMIT recipients (as `send --limit`), the
 * rest read, validated and deduped only. See bench/lib/big-list-child.ts.
 *
 * `send --dry-run` itself writes one .eml file per recipient (about 24 KB
 * each: 24 GB for a million) after a full MIME build (about 3 ms each, see
 * the personalize benchmark), so it runs here on a 2,000-row list instead,
 * through the real CLI, for its rate and peak RSS.
 */
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BigListReport } from '../lib/big-list-child.ts';
import { ROOT } from '../lib/seed.ts';
import { mustSpawn } from '../lib/spawn.ts';
import { atLeast, atMost, median, rateFigure, timeFigure, type BenchResult } from '../lib/stats.ts';
import { writeSubscriberCsv } from '../lib/subscribers.ts';

const ROWS = 1_000_000;
const LIMIT = 100_000;
const DRY_RUN_ROWS = 2_000;
const SECRET = 'bench-unsubscribe-secret-0123456789abcdef';
const TIME = '/usr/bin/time';

export async function bigListBench(log: (line: string) => void): Promise<BenchResult> {
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'newsletter-bench-big-list-'));
  const env = { ...process.env };
  delete env.NODE_ENV; // as a user runs it
  try {
    const list = join(dir, 'subscribers-1m.csv');
    const expected = await writeSubscriberCsv(list, ROWS);
    log(`big-list: wrote ${ROWS.toLocaleString('en-US')} rows; running the no-SMTP pipeline`);

    // Bundled the way the shipped CLI is (scripts/build-cli.mjs: React's production build, no
    // tsx loader), so the RSS is what a user's `send` carries. Next to the source, so paths from
    // import.meta.url still find the project.
    const childBundle = join(ROOT, 'bench/lib/.big-list-child.bundle.mjs');
    await build({
      entryPoints: [join(ROOT, 'bench/lib/big-list-child.ts')],
      outfile: childBundle,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      jsx: 'automatic',
      define: { 'process.env.NODE_ENV': '"production"' },
      external: ['playwright-core', 'tsx', 'esbuild'],
      banner: { js: "import { createRequire as __newsletterRequire } from 'node:module'; const require = __newsletterRequire(import.meta.url);" },
      logLevel: 'warning',
    });
    const child = await mustSpawn(process.execPath, [childBundle, list, join(dir, 'state'), String(LIMIT)], { cwd: ROOT, env }).finally(() => rm(childBundle, { force: true }));
    const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as BigListReport;
    // Check the work: every row seen, the planted invalid and duplicate rows found, the limit honoured.
    const problems = [
      r.rows !== ROWS && `rows ${r.rows} ≠ ${ROWS}`,
      r.invalid !== expected.invalid && `invalid ${r.invalid} ≠ ${expected.invalid}`,
      r.duplicate !== expected.duplicates && `duplicates ${r.duplicate} ≠ ${expected.duplicates}`,
      r.recipients !== LIMIT && `recipients ${r.recipients} ≠ ${LIMIT}`,
      r.leftByLimit !== expected.valid - LIMIT && `left by limit ${r.leftByLimit} ≠ ${expected.valid - LIMIT}`,
      r.journalBytes < LIMIT * 100 && `journal only ${r.journalBytes} bytes`,
    ].filter(Boolean);
    if (problems.length) throw new Error(`big-list child: ${problems.join('; ')}`);

    log(`big-list: send --dry-run through the CLI on ${DRY_RUN_ROWS} rows`);
    const small = join(dir, 'subscribers-2k.csv');
    const smallExpected = await writeSubscriberCsv(small, DRY_RUN_ROWS);
    const out = join(dir, 'out');
    const args = [join(ROOT, 'bin/newsletter.js'), 'send', '--to', small, '--dry-run', '--out', out, '--state', join(dir, 'state-dry')];
    const timed = existsSync(TIME);
    const dry = await mustSpawn(timed ? TIME : process.execPath, timed ? ['-f', 'maxrss=%M', process.execPath, ...args] : args, { cwd: ROOT, env: { ...env, UNSUBSCRIBE_SECRET: SECRET } });
    const written = Number(/written\s+(\d+)/.exec(dry.stdout)?.[1]);
    const dryRate = Number(/rate\s+([\d.]+) msg\/s/.exec(dry.stdout)?.[1]);
    const dryRssKB = Number(/maxrss=(\d+)/.exec(dry.stderr)?.[1]);
    const emls = (await readdir(join(out, '2026-02-05-trump-petro-oval-office', 'outbox'))).filter((f) => f.endsWith('.eml')).length;
    if (written !== smallExpected.valid || emls !== smallExpected.valid) throw new Error(`send --dry-run wrote ${written} (${emls} .eml files), expected ${smallExpected.valid}\n${dry.stdout}${dry.stderr}`);

    const mb = (kb: number) => kb / 1024;
    const tailRows = ROWS - r.recipients;
    return {
      name: 'big-list',
      figures: [
        rateFigure(`no-SMTP send: list + personalize + journal, first ${LIMIT.toLocaleString('en-US')} recipients`, 'recipients/s', r.chunkRates, `5 workers; overall ${(r.recipients / (r.pipelineMs / 1000)).toFixed(0)}/s`),
        rateFigure(`  the remaining ${(tailRows / 1e6).toFixed(2)} M rows: read, validate, dedupe only`, 'rows/s', [tailRows / (r.tailMs / 1000)]),
        timeFigure(`  peak RSS over all ${ROWS.toLocaleString('en-US')} rows (maxRSS)`, 'MB', [mb(r.maxRssKB)]),
        timeFigure('  RSS before the first row (bundled like the CLI; React, rendered issue)', 'MB', [mb(r.baselineRssKB)]),
        rateFigure(`CLI send --dry-run, ${DRY_RUN_ROWS.toLocaleString('en-US')} rows, .eml files (its own rate line)`, 'msg/s', [dryRate]),
        ...(timed ? [timeFigure('  peak RSS of that process (/usr/bin/time %M)', 'MB', [mb(dryRssKB)])] : []),
      ],
      checks: [
        atMost('big list: peak RSS, 1,000,000 rows', Math.round(mb(r.maxRssKB)), 200, 'MB', 'maxRSS reported by the child'),
        atLeast('big list: recipients/s through validation, dedupe, journal, personalization', Math.round(median(r.chunkRates)), 20_000, 'recipients/s', `median over blocks of 25,000 of the first ${LIMIT.toLocaleString('en-US')}`),
      ],
      notes: [
        `Generated list: ${expected.valid.toLocaleString('en-US')} valid, ${expected.invalid} invalid and ${expected.duplicates} duplicate rows, all found. Journal: ${(r.journalBytes / 2 ** 20).toFixed(0)} MB for ${LIMIT.toLocaleString('en-US')} recipients.`,
        `send --dry-run does not write the journal and does build every message's MIME and write it to disk; the no-SMTP pipeline above is what the issue's target names (validation, dedupe, journal, personalization).`,
      ],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
