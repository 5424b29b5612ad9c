import { EXIT, NewsletterError, type ExitCode } from '../../errors.ts';
import { loadSettings } from '../../config/index.ts';
import { verifyOffWarning } from '../../mail/index.ts';
import { runWorker } from '../../queue/index.ts';
import { parseQueueUrl } from '../../redis/index.ts';
import { exitCodeOf, formatSummary, issueLabel, issueNamed } from '../../send/index.ts';
import { intFlag, parseCommandArgs, type CommandSpec } from '../command.ts';
import { progressReporter, rateFlag, retryScheduleFlag, stopOnCtrlC } from './send.ts';

export const spec = {
  name: 'worker',
  summary: [
    'Send a campaign enqueued with `send --queue`: take its batches from Redis and deliver them over this machine\'s SMTP server (SMTP_URL), with the same reply handling, retries and journal rules as a local send. Run one on each sending machine; each needs the same UNSUBSCRIBE_SECRET (and DKIM key) as the enqueuer.',
    'A worker killed at any moment leaves at most --concurrency messages that may have arrived unrecorded: they are sent again (counted as possible duplicates), nobody else twice.',
  ].join('\n'),
  usage: 'worker --queue URL [--campaign ID] [--concurrency N] [--rate N] [--exit-when-done] [--id NAME] [--retry-schedule LIST]',
  options: {
    queue: { type: 'string' },
    campaign: { type: 'string' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
    'exit-when-done': { type: 'boolean' },
    id: { type: 'string' },
    'retry-schedule': { type: 'string' },
  },
  help: {
    '--queue URL': 'The Redis the campaign was enqueued in: redis://[:PASSWORD@]HOST:PORT/DB, or rediss:// for TLS (required).',
    '--campaign ID': 'Work on this campaign only (default: the newest one with work left, then the next).',
    '--concurrency N': 'SMTP connections of this worker; also the most messages that can repeat if it is killed (default: 5).',
    '--rate N': 'At most N messages per second from this worker (the campaign\'s own --rate holds across all workers on top).',
    '--exit-when-done': 'Exit once the campaign is finished (default: keep waiting for the next campaign; Ctrl-C to stop).',
    '--id NAME': 'This worker\'s name in `newsletter status`: letters, digits, _ . - (a random suffix is added, so two workers never share one) (default: HOST-PID).',
    '--retry-schedule LIST': 'Waits before each retry of a deferred recipient; the retry may be sent by any worker (default: 5s,30s,2m,6m,15m).',
  },
  ends: { errors: ['EUSAGE', 'ECONTENT', 'ECONFIG', 'EQUEUE', 'ESEND', 'ESTATE'], reasons: ['campaignConflict'], results: ['FAILURES', 'STOPPED'] },
  examples: [
    'newsletter worker --queue redis://127.0.0.1:6379/0',
    'newsletter worker --queue rediss://:s3cret@redis.internal:6380/0 --concurrency 10 --rate 20',
    'newsletter worker --queue redis://127.0.0.1:6379/0 --exit-when-done',
  ],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export async function run(argv: string[]): Promise<ExitCode> {
  const { values } = parseCommandArgs(spec, argv);
  if (!values.queue) throw new NewsletterError('EUSAGE', 'Which queue? --queue is missing', { fix: 'Pass the Redis the campaign was enqueued in: newsletter worker --queue redis://HOST:6379/0.' });
  const queue = parseQueueUrl(values.queue);
  const settings = loadSettings();
  const smtp = settings.smtp();
  settings.unsubscribeSecret();
  const insecure = verifyOffWarning(smtp);
  if (insecure) console.error(insecure);
  const concurrency = intFlag(values.concurrency, '--concurrency', 5);
  if (values.id !== undefined && !/^[A-Za-z0-9_.-]{1,40}$/.test(values.id))
    throw new NewsletterError('EUSAGE', `--id ${JSON.stringify(values.id)} is not a worker name`, { where: '--id', fix: 'Use 1 to 40 letters, digits, _ . or -, e.g. --id mail-eu-1.' });
  const progress = progressReporter();
  // SIGTERM too: what systemd, docker and Kubernetes send to stop a service; the same as a first Ctrl-C.
  const ctrlC = stopOnCtrlC(progress, ['SIGINT', 'SIGTERM']);
  try {
    const summary = await runWorker({
      queue,
      env: settings.env,
      campaign: values.campaign,
      concurrency,
      rate: rateFlag(values.rate),
      exitWhenDone: values['exit-when-done'] ?? false,
      id: values.id,
      retrySchedule: retryScheduleFlag(values['retry-schedule']),
      signal: ctrlC.stopping,
      forceSignal: ctrlC.forcing,
      onProgress: progress.update,
      onCampaign: (meta) => console.error(`Worker: sending campaign ${meta.id} (${issueLabel(issueNamed({ props: meta.snapshot.built.props }))}, enqueued ${meta.created}) from ${queue.display} via ${smtp.display}, ${concurrency} connection${concurrency === 1 ? '' : 's'}`),
      onIdle: () => console.error(`Waiting for a campaign in ${queue.display}${values.campaign ? ` named ${values.campaign}` : ''} (send --queue enqueues one; Ctrl-C to stop)…`),
    });
    progress.end();
    if (!summary.campaign && !summary.stats.sent) {
      console.log(`Nothing to send: no campaign with work left in ${queue.display}${values.campaign ? ` named ${values.campaign}` : ''}.`);
      return EXIT.OK;
    }
    for (const line of formatSummary(summary)) console.log(line);
    console.log(`  worker                ${summary.worker}`);
    return exitCodeOf(summary);
  } finally {
    progress.end();
    ctrlC.dispose();
  }
}
