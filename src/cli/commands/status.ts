import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT, NewsletterError, type ExitCode } from '../../errors.ts';
import { campaignStatus, formatStatus, writeUnsent, type CampaignStatus } from '../../queue/index.ts';
import { CAMPAIGN_HELP, CAMPAIGN_OPTIONS, withCampaign, type CampaignTarget } from '../campaign.ts';
import { parseCommandArgs, shellQuote, type CommandSpec } from '../command.ts';
import { hiddenPasswordNote } from '../../redis/index.ts';

export const spec = {
  name: 'status',
  summary: 'Show the progress of a campaign enqueued in Redis, across all its workers: sent, failed, skipped, pending, rate, ETA, one line per worker, and what to do next.',
  usage: 'status --queue URL [--campaign ID] [--json] [--watch] [--unsent FILE]',
  options: { ...CAMPAIGN_OPTIONS, json: { type: 'boolean' }, watch: { type: 'boolean' }, unsent: { type: 'string' } },
  help: {
    ...CAMPAIGN_HELP,
    '--json': 'Print the status as JSON (its shape: CampaignStatus in src/queue/status.ts).',
    '--watch': 'Redraw every second until the campaign is finished or cancelled, or Ctrl-C; with --json, one JSON object per line.',
    '--unsent FILE':
      'A cancelled campaign only: write the addresses it did not send (queued, claimed by a worker that is gone, or waiting for a retry) to FILE as a CSV, to enqueue as a new campaign of only them. A new campaign of the whole list would mail everyone again.',
  },
  ends: { errors: ['EUSAGE', 'EQUEUE', 'EOUTPUT'] },
  examples: ['newsletter status --queue redis://127.0.0.1:6379/0', 'newsletter status --queue redis://127.0.0.1:6379/0 --campaign 2026-03-01-send-fixture --json', 'newsletter status --queue redis://127.0.0.1:6379/0 --watch',
    'newsletter status --queue redis://127.0.0.1:6379/0 --campaign 2026-03-01-send-fixture--subscribers --unsent unsent.csv',
  ],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

const WATCH_MS = 1000;
/** Not on a terminal (a log), a report every 10 s rather than a screenful every second. */
const WATCH_LOG_MS = 10_000;

const report = (s: CampaignStatus, t: CampaignTarget) => formatStatus(s, { queue: t.queue.display, passwordHidden: t.queue.hasPassword });
const show = (s: CampaignStatus, t: CampaignTarget, json: boolean) => (json ? JSON.stringify(s) : report(s, t));

/** Redraw until the campaign ends or Ctrl-C / SIGTERM (which only stop the watching, never the campaign). */
async function watch(t: CampaignTarget, json: boolean): Promise<void> {
  const tty = process.stdout.isTTY === true && !json;
  const stopped = new AbortController();
  const stop = () => stopped.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    // A read waits through a Redis restart (connectRedis); Ctrl-C must not wait for it.
    const aborted = new Promise<undefined>((resolve) => stopped.signal.addEventListener('abort', () => resolve(undefined), { once: true }));
    for (;;) {
      const s = await Promise.race([campaignStatus(t.redis, t.id), aborted]);
      if (!s) return;
      // On a terminal: home the cursor and clear the screen, then draw; in a log or as JSON lines: one after another.
      process.stdout.write(`${tty ? '\x1b[H\x1b[J' : ''}${show(s, t, json)}\n${tty || json ? '' : '\n'}`);
      if (s.phase === 'finished' || s.phase === 'cancelled' || stopped.signal.aborted) return;
      await sleep(tty || json ? WATCH_MS : WATCH_LOG_MS, undefined, { signal: stopped.signal }).catch(() => {});
      if (stopped.signal.aborted) return;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** `--unsent FILE`: the addresses a cancelled campaign did not send, and how to send to only them. */
async function unsent(t: CampaignTarget, file: string): Promise<void> {
  const r = await writeUnsent(t.redis, t.id, file);
  console.log(`✔ Wrote ${r.written} addresses campaign ${t.id} did not send to ${file}.`);
  if (r.maybeSent) console.log(`  left out: ${r.maybeSent} that were being sent when their worker died (each may have been delivered; see the README on possible duplicates).`);
  if (r.written)
    console.log(
      `  next: \`newsletter send ISSUE --to ${shellQuote(file)} --queue ${shellQuote(t.queue.display)}\` sends the issue to only them, as a new campaign${hiddenPasswordNote(t.queue.hasPassword)}. The file holds only the addresses: add your list's other columns back first if the issue uses them.`,
    );
}

export async function run(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(spec, argv);
  if (values.unsent !== undefined && (values.watch || values.json))
    throw new NewsletterError('EUSAGE', `--unsent writes a file and prints one line: it does not go with ${values.watch ? '--watch' : '--json'}`, { where: '--unsent', fix: 'Run `newsletter status --queue URL --campaign ID --unsent FILE` on its own.' });
  return withCampaign('status', values, positionals, async (target) => {
    if (values.unsent !== undefined) await unsent(target, values.unsent);
    else if (values.watch) await watch(target, values.json === true);
    else {
      const status = await campaignStatus(target.redis, target.id);
      console.log(values.json ? JSON.stringify(status, null, 2) : report(status, target));
    }
    return EXIT.OK;
  });
}
