import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT, type ExitCode } from '../../errors.ts';
import { campaignStatus, formatStatus, type CampaignStatus } from '../../queue/index.ts';
import { CAMPAIGN_HELP, CAMPAIGN_OPTIONS, withCampaign, type CampaignTarget } from '../campaign.ts';
import { parseCommandArgs, type CommandSpec } from '../command.ts';

export const spec = {
  name: 'status',
  summary: 'Show the progress of a campaign enqueued in Redis, across all its workers: sent, failed, skipped, pending, rate, ETA, one line per worker, and what to do next.',
  usage: 'status --queue URL [--campaign ID] [--json] [--watch]',
  options: { ...CAMPAIGN_OPTIONS, json: { type: 'boolean' }, watch: { type: 'boolean' } },
  help: {
    ...CAMPAIGN_HELP,
    '--json': 'Print the status as JSON (its shape: CampaignStatus in src/queue/status.ts).',
    '--watch': 'Redraw every second until the campaign is finished or cancelled, or Ctrl-C; with --json, one JSON object per line.',
  },
  ends: { errors: ['EUSAGE', 'EQUEUE'] },
  examples: ['newsletter status --queue redis://127.0.0.1:6379/0', 'newsletter status --queue redis://127.0.0.1:6379/0 --campaign 2026-03-01-send-fixture --json', 'newsletter status --queue redis://127.0.0.1:6379/0 --watch'],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

const WATCH_MS = 1000;
/** Not on a terminal (a log), a report every 10 s rather than a screenful every second. */
const WATCH_LOG_MS = 10_000;

const show = (s: CampaignStatus, t: CampaignTarget, json: boolean) => (json ? JSON.stringify(s) : formatStatus(s, { queue: t.queue.display }));

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

export async function run(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(spec, argv);
  return withCampaign('status', values, positionals, async (target) => {
    if (values.watch) await watch(target, values.json === true);
    else {
      const status = await campaignStatus(target.redis, target.id);
      console.log(values.json ? JSON.stringify(status, null, 2) : formatStatus(status, { queue: target.queue.display }));
    }
    return EXIT.OK;
  });
}
