import { join } from 'node:path';
import { formatProblem } from '../../content/index.ts';
import { formatRowProblem, type RowProblem, type SuppressionProblem } from '../../audience/index.ts';
import { EXIT, NewsletterError, type ExitCode } from '../../errors.ts';
import { buildIssue, type BuiltIssue } from '../../render/index.ts';
import { verifyHostedImages } from '../../send/index.ts';
import { countdownLine, dryRun, exitCodeOf, formatSummary, issueLabel, issueNamed, progressBar, progressLine, SAMPLE_SECRET_NOTE, sendIssue, testSend, type Progress } from '../../send/index.ts';
import { loadSettings, type SendEnv, type SmtpConfig } from '../../config/index.ts';
import { verifyOffWarning } from '../../mail/index.ts';
import { commandLine, intFlag, parseCommandArgs, type CommandSpec } from '../command.ts';
import { enqueueToList, refuseLocalFlags } from '../send-queue.ts';

export const spec = {
  name: 'send',
  summary: 'Send an issue to a subscriber list over SMTP: personalized, rate-limited, retried, resumable.',
  usage:
    'send [ISSUE.md] --to FILE [--queue URL [--batch-size N]] [--dry-run] [--test ADDR] [--rate N] [--concurrency N] [--limit N] [--retry-failed[=all]] [--retry-schedule LIST] [--state DIR] [--strict] [--skip-image-check] [--content DIR] [--out DIR]',
  options: {
    to: { type: 'string' },
    'dry-run': { type: 'boolean' },
    test: { type: 'string' },
    rate: { type: 'string' },
    concurrency: { type: 'string' },
    limit: { type: 'string' },
    'retry-failed': { type: 'boolean' },
    'retry-schedule': { type: 'string' },
    state: { type: 'string' },
    strict: { type: 'boolean' },
    'skip-image-check': { type: 'boolean' },
    content: { type: 'string' },
    out: { type: 'string' },
    queue: { type: 'string' },
    'batch-size': { type: 'string' },
  },
  help: {
    'ISSUE.md': 'The issue to send (default: the newest issue by date in content/issues/).',
    '--to FILE': 'The subscriber list: a CSV with an email column (required, except with --test).',
    '--dry-run': 'Render every message to OUT/<slug>/outbox/*.eml; no SMTP.',
    '--test ADDR': 'Send one personalized copy to ADDR only (not recorded for the list).',
    '--rate N': 'At most N messages per second across all connections (default: no limit).',
    '--concurrency N': 'SMTP connections; also the most messages that can repeat after a crash (default: 5).',
    '--limit N': 'Attempt at most N recipients this run; run again to continue (default: no limit).',
    '--retry-failed[=all]': 'Try again recipients whose delivery failed transiently; =all: permanent failures too, once their cause is fixed (suppressed addresses stay skipped).',
    '--retry-schedule LIST': 'Waits before each retry of a deferred recipient, each ±20%; after the last, it is recorded as failed transiently (default: 5s,30s,2m,6m,15m).',
    '--state DIR': 'Where the journal and suppression list live (default: .newsletter).',
    '--strict': 'Refuse the whole list if any row is invalid or duplicate.',
    '--skip-image-check': 'Send even if the issue\'s own images (assets/) are not online at their URLs. Without it a send, --test and --queue first fetch each one and refuse (EIMAGES) when one is missing or differs.',
    '--content DIR': 'Folder with newsletter.yml and issues/ (default: content).',
    '--out DIR': 'Output root for --dry-run (default: out).',
    '--queue URL': 'Enqueue the campaign in Redis (redis://HOST:PORT/DB, rediss:// for TLS) instead of sending; `newsletter worker` on any number of machines sends it. --rate then holds across all workers together. Running it again resumes the enqueue; nobody is added twice.',
    '--batch-size N': 'With --queue: recipients per batch a worker takes at a time (default: 200).',
  },
  ends: {
    errors: ['EUSAGE', 'ECONTENT', 'ECONFIG', 'ESUBSCRIBERS', 'EIMAGES', 'ESEND', 'EOUTPUT', 'ESTATE', 'EQUEUE'],
    reasons: ['stateSymlink', 'lockHeld', 'journalWriteFailed', 'testSendStopped', 'stoppedWaitingForList', 'campaignConflict'],
    results: ['FAILURES', 'STOPPED'],
  },
  examples: [
    'newsletter send --to subscribers.csv --dry-run',
    'newsletter send --to subscribers.csv --test me@example.com',
    'newsletter send content/issues/2026-02-05-trump-petro-oval-office.md --to subscribers.csv --rate 10',
    'newsletter send --to subscribers.csv --retry-failed=all',
    'newsletter send --to subscribers.csv --queue redis://127.0.0.1:6379/0 --rate 50',
  ],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export function rateFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new NewsletterError('EUSAGE', `--rate must be a positive number of messages per second; got "${value}"`, { fix: 'Example: --rate 10 (or --rate 0.5 for one every two seconds)' });
  return n;
}

const RETRY_FAILED_EQ = '--retry-failed=';

/**
 * Take `--retry-failed=VALUE` out of argv. node:util parseArgs has no optional values: as a boolean
 * it refuses `=all`, and as a string a bare --retry-failed would swallow the next argument (the
 * issue file). So the bare flag stays a boolean for parseArgs and the `=` form is read here.
 */
function takeRetryFailedValue(argv: string[]): { rest: string[]; all: boolean } {
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  let all = false;
  const rest = argv.filter((arg, i) => {
    if (i >= end || !arg.startsWith(RETRY_FAILED_EQ)) return true;
    const value = arg.slice(RETRY_FAILED_EQ.length);
    if (value !== 'all')
      throw new NewsletterError('EUSAGE', `--retry-failed takes no value, or "all"; got "${arg}"`, {
        fix: 'Examples: --retry-failed (recipients that failed transiently) or --retry-failed=all (permanent failures too, once their cause is fixed).',
      });
    all = true;
    return false;
  });
  return { rest, all };
}

const RETRY_SCHEDULE_EXAMPLE = '--retry-schedule 5s,30s,2m,6m,15m';
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `5s,30s,2m,6m,15m` → the waits before each retry in ms. Each needs a unit; at most 24 hours each. */
export function retryScheduleFlag(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const waits = value.split(',').map((part) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(part);
    const ms = m ? Number(m[1]) * DURATION_UNITS[m[2]!]! : NaN;
    if (!(ms > 0 && ms <= 24 * 3_600_000))
      throw new NewsletterError('EUSAGE', `--retry-schedule takes the waits before each retry, comma-separated, each a positive number with a unit (ms, s, m, h) up to 24h; got "${part}" in "${value}"`, {
        fix: `Example: ${RETRY_SCHEDULE_EXAMPLE} (the default: five retries, the last one about 23 minutes after the first try).`,
      });
    return ms;
  });
  return waits;
}

/**
 * Progress on stderr: a bar redrawn in place on a terminal, a plain line every 10 s otherwise.
 * When only deferred recipients wait for their retry, the run keeps going and says so: a countdown
 * redrawn in place on a terminal; in a log one line when a wait begins (a retry wave), not every
 * 10 s (short waits in a row share one line).
 */
export function progressReporter(): { update: (p: Progress) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  const every = tty ? 100 : 10_000;
  let last = 0;
  let latest: Progress | undefined;
  let drawn = false;
  let countdownAt = -Infinity;
  let countdownFor: number | undefined;
  const draw = () => {
    if (!latest) return;
    const now = Date.now();
    if (tty) {
      process.stderr.write(`\r${countdownLine(latest, now) ?? progressBar(latest, now)}\x1b[K`);
      drawn = true;
    } else if (latest.nextRetryAt === undefined) process.stderr.write(`${progressLine(latest, now)}\n`);
  };
  const logCountdown = (p: Progress) => {
    const now = Date.now();
    if (tty || p.nextRetryAt === undefined || p.nextRetryAt === countdownFor) return;
    if (now - countdownAt < every && p.nextRetryAt - now < every) return;
    const line = countdownLine(p, now);
    if (!line) return;
    countdownFor = p.nextRetryAt;
    countdownAt = now;
    process.stderr.write(`${line}\n`);
  };
  const timer = setInterval(draw, every);
  timer.unref();
  return {
    update: (p) => {
      latest = p;
      logCountdown(p);
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

type SendFlags = ReturnType<typeof parseCommandArgs<typeof spec.options>>['values'];

/** What one `newsletter send` does, from its flags (checked before any work). */
interface SendRequest {
  values: SendFlags;
  file: string | undefined;
  retryFailed: 'all' | 'transient' | false;
  concurrency: number;
  limit: number | undefined;
  rate: number | undefined;
  retrySchedule: number[] | undefined;
  stateDir: string;
}

function sendRequest(values: SendFlags, positionals: string[], retryAll: boolean): SendRequest {
  if (!values.to && !values.test)
    throw new NewsletterError('EUSAGE', 'Which list? --to is missing', { fix: 'Pass the subscriber CSV: newsletter send --to subscribers.csv (or --test ADDR for one copy).' });
  if (values['dry-run'] && values.test) throw new NewsletterError('EUSAGE', '--dry-run and --test cannot be combined', { fix: 'Use one of them.' });
  return {
    values,
    file: positionals[0],
    retryFailed: retryAll ? 'all' : values['retry-failed'] ? 'transient' : false,
    concurrency: intFlag(values.concurrency, '--concurrency', 5),
    limit: values.limit === undefined ? undefined : intFlag(values.limit, '--limit', 100),
    rate: rateFlag(values.rate),
    retrySchedule: retryScheduleFlag(values['retry-schedule']),
    stateDir: values.state ?? '.newsletter',
  };
}

/** Ctrl-C once: finish the messages in flight and record them; twice: stop at once. */
export function stopOnCtrlC(progress: { end: () => void }, signals: readonly NodeJS.Signals[] = ['SIGINT']): { stopping: AbortSignal; forcing: AbortSignal; dispose: () => void } {
  const stopping = new AbortController();
  const forcing = new AbortController();
  const onSigint = () => {
    if (!stopping.signal.aborted) {
      progress.end();
      console.error('\nStopping: finishing the messages in flight and recording them… (Ctrl-C again to stop at once)');
      stopping.abort();
    } else forcing.abort();
  };
  for (const signal of signals) process.on(signal, onSigint);
  return {
    stopping: stopping.signal,
    forcing: forcing.signal,
    dispose: () => {
      for (const signal of signals) process.off(signal, onSigint);
    },
  };
}

/** Bad rows and damaged suppression lines, shown as they stream by (the first 20 of each). */
function problemPrinters(listPath: string) {
  let rows = 0;
  let damaged = 0;
  return {
    // All bad rows are in the failures CSV.
    onRowProblem: (_kind: 'invalid' | 'duplicate', p: RowProblem) => {
      if (++rows <= 20) console.error(`  ${listPath} ${formatRowProblem(p)}`);
    },
    // Each damaged line is skipped alone (an address on it still counts); say so, the operator should repair them.
    onSuppressionProblem: (p: SuppressionProblem) => {
      if (++damaged <= 20) console.error(`  ${p.where}: ${p.reason}${p.kept ? ` (${p.kept} stays suppressed)` : ''}`);
    },
    moreRows: () => rows - 20,
  };
}

/** BOUNCE_ADDRESS in use: the .eml files carry no envelope, so the run says what it will be. */
function returnPathLine(bounceAddress: string): string {
  const at = bounceAddress.lastIndexOf('@');
  return `  return path: ${bounceAddress.slice(0, at)}+TOKEN${bounceAddress.slice(at)} (BOUNCE_ADDRESS; a signed token per recipient, for newsletter bounces)`;
}

/** Warnings from send and --test (a sender or unsubscribe address at an example domain): after the line that names the issue, always the first. */
const printWarning = (warning: string) => console.error(warning);

/** The list run (or its dry run), with progress, Ctrl-C and the summary; returns the exit code. */
async function sendToList(req: SendRequest, built: BuiltIssue, label: string, env: SendEnv, smtp: SmtpConfig | undefined, argv: string[]): Promise<ExitCode> {
  const { values, concurrency, rate } = req;
  const listPath = values.to!;
  const progress = progressReporter();
  const ctrlC = stopOnCtrlC(progress);
  const printers = problemPrinters(listPath);
  const common = { built, listPath, env, stateDir: req.stateDir, strict: values.strict ?? false, limit: req.limit, signal: ctrlC.stopping, onProgress: progress.update, onRowProblem: printers.onRowProblem, onSuppressionProblem: printers.onSuppressionProblem };
  try {
    let summary;
    if (values['dry-run']) {
      console.error(`Dry run: rendering ${label} for ${listPath} (nothing is sent)`);
      if (env.bounceAddress) console.error(returnPathLine(env.bounceAddress));
      summary = await dryRun({ ...common, outDir: values.out ?? 'out' });
    } else {
      console.error(`Sending ${label} to ${listPath} via ${smtp?.display}, ${concurrency} connection${concurrency === 1 ? '' : 's'}${rate ? `, at most ${rate}/s` : ''}`);
      if (env.bounceAddress) console.error(returnPathLine(env.bounceAddress));
      summary = await sendIssue({ ...common, concurrency, rate, retryFailed: req.retryFailed, retrySchedule: req.retrySchedule, forceSignal: ctrlC.forcing, onWarning: printWarning });
    }
    progress.end();
    if (summary.sampleSecret) console.error(SAMPLE_SECRET_NOTE);
    if (printers.moreRows() > 0) console.error(`  …and ${printers.moreRows()} more bad rows (all are in the failures CSV)`);
    for (const line of formatSummary(summary)) console.log(line);
    // The command to paste, written the way this one was run (npm run newsletter -- …, npx …, or newsletter …).
    if (summary.stop) console.log(`  resume: ${commandLine(['send', ...argv])}`);
    else if (summary.mode === 'send' && summary.tally.leftByLimit > 0) console.log(`  continue: ${commandLine(['send', ...argv])}`);
    return exitCodeOf(summary);
  } finally {
    progress.end();
    ctrlC.dispose();
  }
}

/** `send --queue`: no SMTP here (the workers send), but the secret and the issue are checked the same. */
async function enqueue(req: SendRequest, queue: string, env: SendEnv): Promise<ExitCode> {
  if (!req.values.to) throw new NewsletterError('EUSAGE', 'Which list? --to is missing', { fix: 'Pass the subscriber CSV: newsletter send --to subscribers.csv --queue URL.' });
  const built = await buildIssue({ file: req.file, contentDir: req.values.content });
  for (const w of built.warnings) console.error(formatProblem(w));
  await imagesOnline(built, req.values);
  const label = issueLabel(issueNamed(built));
  return enqueueToList({ queue, listPath: req.values.to, rate: req.rate, batchSize: req.values['batch-size'], stateDir: req.stateDir, given: req.values }, built, label, env);
}

/** Before a real send, --test or --queue: the issue's own images must be online (unless --skip-image-check). */
async function imagesOnline(built: BuiltIssue, values: { 'skip-image-check'?: boolean | undefined; test?: string | undefined; content?: string | undefined }): Promise<void> {
  if (!built.assets.length) return;
  if (values['skip-image-check']) return console.error(`⚠ Warning: --skip-image-check: the issue's ${built.assets.length} images were not checked online`);
  // A --test copy may try images on this machine; readers on the list never could load them.
  const setting = `${join(values.content ?? 'content', 'newsletter.yml')} ${built.props.newsletter.assetsBaseUrl ? 'assetsBaseUrl' : 'siteUrl'}`;
  for (const w of await verifyHostedImages(built.assets, { unreachable: values.test ? 'warn' : 'refuse', setting })) console.error(w);
}

export async function run(argv: string[]): Promise<ExitCode> {
  const retryAll = takeRetryFailedValue(argv);
  const { values, positionals } = parseCommandArgs(spec, retryAll.rest);
  const settings = loadSettings();
  if (values.queue !== undefined) refuseLocalFlags({ ...values, 'retry-failed': values['retry-failed'] || retryAll.all || undefined });
  const req = sendRequest(values, positionals, retryAll.all);
  if (values.queue !== undefined) return enqueue(req, values.queue, settings.env);

  // Config errors first, before any work: nothing is sent without a server and a secret.
  // A dry run needs neither: it signs with the sample secret and says so (see dryRun).
  const smtp = values['dry-run'] ? undefined : settings.smtp();
  if (!values['dry-run']) settings.unsubscribeSecret();
  const insecure = smtp && verifyOffWarning(smtp);
  if (insecure) console.error(insecure);

  const built = await buildIssue({ file: req.file, contentDir: values.content });
  for (const w of built.warnings) console.error(formatProblem(w));
  // Which issue (number, subject, file) is named before anything goes out, whatever the mode: a wrong
  // file is caught here, not by the readers. The summary names it again.
  const label = issueLabel(issueNamed(built));
  if (!values['dry-run']) await imagesOnline(built, values);

  if (values.test) {
    console.error(`Sending a test copy of ${label} to ${values.test}`);
    if (settings.env.bounceAddress) console.error(returnPathLine(settings.env.bounceAddress));
    await testSend({ built, to: values.test, listPath: values.to, env: settings.env, onWarning: printWarning });
    console.log(`✔ Sent a test copy of ${label} to ${values.test} (not recorded for the list)`);
    return EXIT.OK;
  }
  return sendToList(req, built, label, settings.env, smtp, argv);
}
