import { formatProblem } from '../../content/index.ts';
import { formatRowProblem, type RowProblem } from '../../send/subscribers/index.ts';
import { NewsletterError } from '../../errors.ts';
import { buildIssue } from '../../render/build.ts';
import { dryRun, exitCodeOf, formatSummary, issueLabel, issueNamed, parseSendEnv, progressBar, progressLine, readEnv, requireSecret, requireSmtp, sendIssue, testSend, type Progress, type SuppressionProblem } from '../../send/index.ts';
import { intFlag, parseCommandArgs, type CommandSpec } from '../command.ts';

export const spec = {
  name: 'send',
  summary: 'Send an issue to a subscriber list over SMTP: personalized, rate-limited, retried, resumable.',
  usage: 'send [ISSUE.md] --to subscribers.csv [--dry-run] [--test ADDR] [--rate N] [--concurrency N] [--limit N] [--retry-failed] [--state DIR]',
  options: {
    to: { type: 'string' },
    'dry-run': { type: 'boolean' },
    test: { type: 'string' },
    rate: { type: 'string' },
    concurrency: { type: 'string' },
    limit: { type: 'string' },
    'retry-failed': { type: 'boolean' },
    state: { type: 'string' },
    strict: { type: 'boolean' },
    content: { type: 'string' },
    out: { type: 'string' },
  },
  help: {
    'ISSUE.md': 'The issue to send (default: the newest issue in content/issues/).',
    '--to FILE': 'The subscriber list (CSV with an email column).',
    '--dry-run': 'Render every message to out/<slug>/outbox/*.eml; no SMTP.',
    '--test ADDR': 'Send one personalized copy to ADDR only (not recorded for the list).',
    '--rate N': 'At most N messages per second across all connections (default: no limit).',
    '--concurrency N': 'SMTP connections (default 5); also the most messages that can repeat after a crash.',
    '--limit N': 'Attempt at most N recipients this run; run again to continue.',
    '--retry-failed': 'Try again recipients whose delivery failed transiently.',
    '--state DIR': 'Where the journal and suppression list live (default .newsletter).',
    '--strict': 'Refuse the whole list if any row is invalid or duplicate.',
    '--content DIR': 'Folder with newsletter.yml and issues/ (default content).',
    '--out DIR': 'Output root for --dry-run (default out).',
    '--debug': 'Show stack traces.',
  },
  examples: [
    'newsletter send --to subscribers.csv --dry-run',
    'newsletter send --to subscribers.csv --test me@example.com',
    'newsletter send content/issues/2026-02-05-trump-petro-oval-office.md --to subscribers.csv --rate 10',
  ],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

function rateFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new NewsletterError('EUSAGE', `--rate must be a positive number of messages per second; got "${value}"`, { fix: 'Example: --rate 10 (or --rate 0.5 for one every two seconds)' });
  return n;
}

/** Progress: a bar redrawn in place on a terminal, a plain line every 10 s otherwise (stderr). */
function progressReporter(): { update: (p: Progress) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  const every = tty ? 100 : 10_000;
  let last = 0;
  let latest: Progress | undefined;
  let drawn = false;
  const draw = () => {
    if (!latest) return;
    const now = Date.now();
    if (tty) {
      process.stderr.write(`\r${progressBar(latest, now)}\x1b[K`);
      drawn = true;
    } else process.stderr.write(`${progressLine(latest, now)}\n`);
  };
  const timer = setInterval(draw, every);
  timer.unref();
  return {
    update: (p) => {
      latest = p;
      const now = Date.now();
      if (tty && now - last >= every) {
        last = now;
        draw();
      }
    },
    end: () => {
      clearInterval(timer);
      if (drawn) process.stderr.write('\r\x1b[K');
    },
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(spec, argv);
  const env = parseSendEnv(readEnv());
  if (!values.to && !values.test)
    throw new NewsletterError('EUSAGE', 'Which list? --to is missing', { fix: 'Pass the subscriber CSV: newsletter send --to subscribers.csv (or --test ADDR for one copy).' });
  if (values['dry-run'] && values.test) throw new NewsletterError('EUSAGE', '--dry-run and --test cannot be combined', { fix: 'Use one of them.' });
  const concurrency = intFlag(values.concurrency, '--concurrency', 5);
  const limit = values.limit === undefined ? undefined : intFlag(values.limit, '--limit', 100);
  const rate = rateFlag(values.rate);
  const stateDir = values.state ?? '.newsletter';

  // Config errors first, before any work: nothing is sent without a server and a secret.
  const smtp = values['dry-run'] ? undefined : requireSmtp(env);
  requireSecret(env);

  const built = await buildIssue({ file: positionals[0], contentDir: values.content });
  for (const w of built.warnings) console.error(formatProblem(w));
  // Which issue (number, subject, file) is named before anything goes out, whatever the mode: a wrong
  // file is caught here, not by the readers. The summary names it again.
  const label = issueLabel(issueNamed(built));

  if (values.test) {
    console.error(`Sending a test copy of ${label} to ${values.test}`);
    await testSend({ built, to: values.test, listPath: values.to, env });
    console.log(`✔ Sent a test copy of ${label} to ${values.test} (not recorded for the list)`);
    return 0;
  }
  const listPath = values.to!;
  const progress = progressReporter();
  const stopping = new AbortController();
  const forcing = new AbortController();
  const onSigint = () => {
    if (!stopping.signal.aborted) {
      progress.end();
      console.error('\nStopping: finishing the messages in flight and recording them… (Ctrl-C again to stop at once)');
      stopping.abort();
    } else forcing.abort();
  };
  process.on('SIGINT', onSigint);
  // Bad rows are shown as they stream by (the first 20); all of them are in the failures CSV.
  let problems = 0;
  const onRowProblem = (_kind: 'invalid' | 'duplicate', p: RowProblem) => {
    if (++problems <= 20) console.error(`  ${listPath} ${formatRowProblem(p)}`);
  };
  // Damaged suppression lines: each is skipped alone (an address on it still counts); say so, the operator should repair them.
  let damaged = 0;
  const onSuppressionProblem = (p: SuppressionProblem) => {
    if (++damaged <= 20) console.error(`  ${p.where}: ${p.reason}${p.kept ? ` (${p.kept} stays suppressed)` : ''}`);
  };
  try {
    let summary;
    if (values['dry-run']) {
      console.error(`Dry run: rendering ${label} for ${listPath} (nothing is sent)`);
      summary = await dryRun({ built, listPath, env, stateDir, outDir: values.out ?? 'out', strict: values.strict ?? false, limit, signal: stopping.signal, onProgress: progress.update, onRowProblem, onSuppressionProblem });
    } else {
      console.error(`Sending ${label} to ${listPath} via ${smtp?.display}, ${concurrency} connection${concurrency === 1 ? '' : 's'}${rate ? `, at most ${rate}/s` : ''}`);
      summary = await sendIssue({ built, listPath, env, stateDir, strict: values.strict ?? false, concurrency, rate, limit, retryFailed: values['retry-failed'] ?? false, signal: stopping.signal, forceSignal: forcing.signal, onProgress: progress.update, onRowProblem, onSuppressionProblem });
    }
    progress.end();
    if (problems > 20) console.error(`  …and ${problems - 20} more bad rows (all are in the failures CSV)`);
    for (const line of formatSummary(summary)) console.log(line);
    if (summary.stop) console.log(`  resume: newsletter send ${argv.map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
    return exitCodeOf(summary);
  } finally {
    progress.end();
    process.off('SIGINT', onSigint);
  }
}
