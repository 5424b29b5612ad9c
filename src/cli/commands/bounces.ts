import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { loadSuppression, openFeedback, DEFAULT_FEEDBACK_RULES, FEEDBACK_FILE, type FeedbackKind } from '../../audience/index.ts';
import { loadConfig } from '../../content/index.ts';
import { loadSettings, type ImapConfig } from '../../config/index.ts';
import { EXIT, NewsletterError, type ExitCode } from '../../errors.ts';
import { ensureStateDir } from '../../output/index.ts';
import { acquireLock, type LockUse } from '../../send/index.ts';
import type { BounceSource, BounceSummary, MessageOutcome } from '../../bounces/index.ts';
import { intFlag, parseCommandArgs, type CommandSpec } from '../command.ts';
import { MIRROR_TIMEOUT_MS, openSuppressionMirror, QUEUE_HELP } from '../suppression-mirror.ts';

export const spec = {
  name: 'bounces',
  summary: 'Read bounces and complaints from the bounce mailbox and keep the list clean (hard → suppressed, complaint → suppressed, soft: N in D days).',
  usage: 'bounces (--maildir DIR | --mbox FILE | --eml DIR | --imap) [--folder NAME] [--move-to NAME] [--all] [--dry-run] [--soft-limit N] [--soft-days D] [--state DIR] [--content DIR] [--queue URL] [--quiet]',
  options: {
    maildir: { type: 'string' },
    mbox: { type: 'string' },
    eml: { type: 'string' },
    imap: { type: 'boolean' },
    folder: { type: 'string' },
    'move-to': { type: 'string' },
    all: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    'soft-limit': { type: 'string' },
    'soft-days': { type: 'string' },
    state: { type: 'string' },
    content: { type: 'string' },
    queue: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  help: {
    '--maildir DIR': 'Read a Maildir (cur/ new/ tmp/); processed messages move to cur/ with the Seen flag.',
    '--mbox FILE': 'Read an mbox file (read-only: a rerun skips what was recorded, by Message-ID).',
    '--eml DIR': 'Read a folder of .eml files; processed ones move into DIR/processed/.',
    '--imap': 'Read the IMAP mailbox of IMAP_URL (.env); processed messages are flagged \\Seen.',
    '--folder NAME': 'The IMAP folder to read (default: INBOX).',
    '--move-to NAME': 'With --imap: also move processed messages to this existing folder.',
    '--all': 'Read messages already marked processed too (Maildir: Seen; IMAP: \\Seen); recorded ones still apply nothing twice.',
    '--dry-run': 'Say what would change; suppress, record and move nothing.',
    '--soft-limit N': `Soft bounces that suppress an address… (default: ${DEFAULT_FEEDBACK_RULES.softLimit}).`,
    '--soft-days D': `…within this many days (default: ${DEFAULT_FEEDBACK_RULES.softDays}).`,
    '--state DIR': 'State folder with the send journals, suppression.csv and feedback.jsonl, the same one `newsletter send` uses (default: .newsletter).',
    '--content DIR': 'Folder with newsletter.yml, for the listId return-path tokens are made with (default: content).',
    '--queue URL': `${QUEUE_HELP} Reports are also matched to the recipients of the campaigns sent through that Redis (\`send --queue\` keeps no local journal). If Redis cannot be written, the run stops and that message stays unprocessed for the next run.`,
    '--quiet': 'Only the summary, not one line per message.',
  },
  ends: { errors: ['EUSAGE', 'ECONTENT', 'ECONFIG', 'ESUBSCRIBERS', 'ESTATE', 'EOUTPUT', 'EQUEUE'], reasons: ['stateSymlink', 'bouncesLocked', 'noJournals'] },
  examples: [
    'newsletter bounces --maildir /var/mail/bounces --dry-run',
    'newsletter bounces --maildir /var/mail/bounces',
    'newsletter bounces --imap --folder INBOX --move-to Processed',
    'newsletter bounces --mbox bounces.mbox --soft-limit 5 --soft-days 60',
    'newsletter bounces --eml ./bounce-exports',
    'newsletter bounces --maildir /var/mail/bounces --queue redis://:PASSWORD@10.0.0.5:6379/0',
  ],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

type Values = ReturnType<typeof parseCommandArgs<typeof spec.options>>['values'];

export async function run(argv: string[]): Promise<ExitCode> {
  const { values } = parseCommandArgs(spec, argv);
  const softLimit = intFlag(values['soft-limit'], '--soft-limit', DEFAULT_FEEDBACK_RULES.softLimit);
  const softDays = intFlag(values['soft-days'], '--soft-days', DEFAULT_FEEDBACK_RULES.softDays);
  const stateDir = resolve(values.state ?? '.newsletter');
  const dryRun = values['dry-run'] === true;
  // The command line first: a wrong one is named before any file is read.
  const chosen = chosenSource(values);
  const config = await loadConfig(resolve(values.content ?? 'content'));
  const settings = loadSettings();
  const bounceAddress = settings.env.bounceAddress;
  // Tokens are checked with the secret send signed them with; without BOUNCE_ADDRESS there are none to check.
  const secret = bounceAddress ? settings.unsubscribeSecret() : '';
  const imap = chosen === 'imap' ? settings.imap() : undefined;

  const { processBounces, JournalRecipients } = await import('../../bounces/index.ts');
  const warn = (where: string, why: string) => console.error(`⚠ ${where}: ${why}`);
  // With --queue the campaigns sent through Redis are read too: queue mode writes no local journal.
  const campaigns = values.queue === undefined ? undefined : await openCampaignStore(values.queue);
  const closing: (() => Promise<void>)[] = campaigns ? [campaigns.close] : [];
  try {
    const recipients = new JournalRecipients(stateDir, config.listId, secret, warn, campaigns);
    // Reports are matched to whom `send` mailed (its journals, or the campaigns in Redis): without either nothing can be, so nothing is read.
    const found = await recipients.sourceCounts();
    if (found.journals + found.campaigns === 0) throw noJournals(stateDir, campaigns?.display);
    // A machine that only reads bounces for a queue campaign may have no state folder yet: the lock, ledger and list go there.
    if (found.journals === 0) await ensureStateDir(stateDir);
    // One reader at a time: two would both count the same soft bounce.
    const lock = await acquireLock(join(stateDir, 'bounces.lock'), BOUNCES_LOCK);
    // Pushed, so it is still released last.
    closing.push(() => lock.release());
    const local = await loadSuppression(stateDir, { onProblem: (p) => warn(p.where, p.reason) });
    closing.unshift(() => local.close());
    // With --queue, before the mailbox is opened: a bad URL or an unreachable Redis reads nothing.
    const mirror = values.queue === undefined ? undefined : await openSuppressionMirror(values.queue, 'bounces', stateDir);
    if (mirror) closing.unshift(() => mirror.close());
    for (const warning of mirror?.warnings ?? []) warn('--queue', warning);
    // Every suppression the ledger applies (hard, complaint, soft limit, the repair below) goes to Redis first.
    const suppression = mirror ? mirror.wrap(local) : local;
    const recorder = await openFeedback({ stateDir, suppression, softLimit, softDays, dryRun, onProblem: warn });
    closing.unshift(() => recorder.close());
    for (const email of recorder.repaired) console.log(`${dryRun ? '· would suppress' : '✔ suppressed'} ${email}: its soft bounces have reached ${softLimit} in ${softDays} days`);
    const source = await openSource(chosen, values, imap, dryRun);
    closing.unshift(() => source.close());
    console.log(`${dryRun ? 'Dry run: nothing is changed. ' : ''}Reading ${source.describe}`);
    const summary = await processBounces({ source, recorder, recipients, bounceAddress, dryRun, onMessage: values.quiet ? undefined : (outcome) => console.log(messageLine(outcome)) });
    console.log(formatBounceSummary(summary, { dryRun, softLimit, softDays, ledger: join(stateDir, FEEDBACK_FILE), list: suppression.path, redis: mirror?.display }));
  } finally {
    // Everything opened is closed, the lock last, whatever failed: an open IMAP connection would keep the process alive.
    for (const close of closing) await close().catch((error: unknown) => warn(stateDir, `could not close cleanly: ${(error as Error).message}`));
  }
  return EXIT.OK;
}

function noJournals(stateDir: string, redis: string | undefined): NewsletterError {
  const where = redis ? `No send journals in ${stateDir} and no campaigns in Redis at ${redis}` : `No send journals in ${stateDir}`;
  return new NewsletterError('ESTATE', `${where}: bounces are matched to the recipients \`newsletter send\` mailed, so nothing was read`, {
    where: redis ? `${stateDir}, --queue` : stateDir,
    fix: redis
      ? 'Pass --state DIR, the folder `newsletter send` used, or --queue with the Redis URL (and database) the campaign was enqueued in with `newsletter send --queue`, and run again; the mailbox is untouched.'
      : 'Pass --state DIR, the folder `newsletter send` used (default .newsletter in the folder you sent from), or, for a campaign sent with `newsletter send --queue URL`, pass the same --queue URL; then run again. The mailbox is untouched.',
    reason: 'noJournals',
  });
}

/** The Redis of --queue, read for the campaigns' recipients (the suppression mirror has its own connection, opened later under the lock). */
async function openCampaignStore(queue: string): Promise<{ redis: Redis; display: string; close: () => Promise<void> }> {
  const { parseQueueUrl, connectRedis } = await import('../../redis/index.ts');
  const url = parseQueueUrl(queue);
  // A bounded wait: a Redis that stops answering mid-scan fails the run instead of hanging it.
  const redis = await connectRedis(url, { name: `newsletter-bounces-read-${process.pid}`, commandTimeout: MIRROR_TIMEOUT_MS });
  const close = async () => {
    if (redis.status === 'ready') await redis.quit().then(() => undefined, () => redis.disconnect());
    else redis.disconnect();
  };
  return { redis, display: url.display, close };
}

/** The send's kind of lock (see send/lock.ts), one per state folder: two readers would both count the same soft bounce. */
const BOUNCES_LOCK: LockUse = {
  code: 'ESTATE',
  reason: 'bouncesLocked',
  name: 'the bounces lock',
  holder: '`newsletter bounces`',
  doing: 'reading bounces into this state folder',
  scope: 'for this state folder',
  nothing: 'nothing read',
};

type SourceName = 'maildir' | 'mbox' | 'eml' | 'imap';

/** The one source the command line names, or the usage error. */
function chosenSource(values: Values): SourceName {
  const chosen = (['maildir', 'mbox', 'eml', 'imap'] as const).filter((name) => values[name] !== undefined && values[name] !== false);
  if (chosen.length !== 1)
    throw new NewsletterError('EUSAGE', chosen.length ? `Choose one source; got --${chosen.join(' and --')}` : 'No source: say where the bounce messages are', {
      fix: 'Pass one of --maildir DIR, --mbox FILE, --eml DIR or --imap (IMAP_URL in .env), e.g. newsletter bounces --maildir /var/mail/bounces',
    });
  if ((values.folder || values['move-to']) && !values.imap) throw new NewsletterError('EUSAGE', '--folder and --move-to are for --imap', { fix: 'Drop them, or read the mailbox with --imap.' });
  return chosen[0]!;
}

async function openSource(chosen: SourceName, values: Values, imap: ImapConfig | undefined, dryRun: boolean): Promise<BounceSource> {
  const { openMaildir, openMbox, openEmlFolder, openImap } = await import('../../bounces/index.ts');
  if (chosen === 'maildir') return openMaildir(resolve(values.maildir!), { all: values.all === true });
  if (chosen === 'mbox') return openMbox(resolve(values.mbox!));
  if (chosen === 'eml') return openEmlFolder(resolve(values.eml!));
  return openImap({ url: imap!.url, folder: values.folder, moveTo: values['move-to'], all: values.all === true, readOnly: dryRun });
}

const KIND_WORDS: Record<FeedbackKind, string> = {
  hard: 'hard bounce',
  soft: 'soft bounce',
  complaint: 'complaint',
  sender: 'refused the sender',
  delayed: 'delayed',
  'auto-reply': 'auto-reply',
  ignored: 'nothing to apply',
};

function messageLine(outcome: MessageOutcome): string {
  if (outcome.status === 'duplicate') return `  · ${outcome.ref}: already recorded`;
  if (outcome.status === 'unknown') return `  ? ${outcome.ref}: not understood (${outcome.reason}); left in place`;
  if (outcome.status === 'not-applied') return `  ✖ ${outcome.ref}: ${outcome.format}, ${outcome.reason}`;
  const what = outcome.applied.map((item) => `${KIND_WORDS[item.kind]}${item.email ? ` ${item.email}` : ''}${item.status ? ` ${item.status}` : ''}${item.action === 'suppressed' ? ' → suppressed' : item.action === 'counted' ? ' → counted' : item.action === 'already-suppressed' ? ' (already suppressed)' : ''}`);
  return `  ${outcome.applied.some((i) => i.action === 'suppressed') ? '✔' : '·'} ${outcome.ref}: ${outcome.format}, ${what.join('; ') || 'nothing to apply'}`;
}

export function formatBounceSummary(s: BounceSummary, o: { dryRun: boolean; softLimit: number; softDays: number; ledger: string; list: string; redis?: string | undefined }): string {
  const would = o.dryRun ? 'would be ' : '';
  const lines = [
    '',
    `${s.read} message${s.read === 1 ? '' : 's'} read${o.dryRun ? ' (dry run: nothing changed)' : ''}`,
    `  hard bounces        ${s.counts.hard}`,
    `  soft bounces        ${s.counts.soft}   (${o.softLimit} in ${o.softDays} days suppress an address)`,
    `  complaints          ${s.counts.complaint}`,
    `  refused the sender  ${s.counts.sender}   (spam filter, policy, blocklist, authentication: not held against subscribers)`,
    `  delayed             ${s.counts.delayed}`,
    `  auto-replies        ${s.counts['auto-reply']}   (ignored)`,
    `  already recorded    ${s.duplicates}`,
    `  not applied         ${s.notApplied.length}`,
    `  not understood      ${s.unknown.length + s.skipped.length}`,
    `  ${`${would}suppressed`.padEnd(20)}${s.suppressed.length}${s.suppressed.length ? `: ${s.suppressed.slice(0, 10).join(', ')}${s.suppressed.length > 10 ? `, … (${s.suppressed.length - 10} more)` : ''}` : ''}`,
  ];
  if (s.counts.sender) lines.push('', `⚠ ${s.counts.sender} report${s.counts.sender === 1 ? ' says' : 's say'} the receiving server refused the sender, not the address: check SPF/DKIM/DMARC for MAIL_FROM's domain, blocklists for the sending IP, and the content (newsletter check).`);
  if (s.notApplied.length) lines.push('', 'Not applied, left in place (understood, but not proven to be about a recipient of this list):', ...s.notApplied.map((n) => `  ${n.ref}: ${n.reason}`));
  const left = [...s.unknown, ...s.skipped];
  if (left.length) lines.push('', 'Not understood, left in place (read them, or forward a sample to the maintainers):', ...left.map((u) => `  ${u.ref}: ${u.reason}`));
  if (!o.dryRun) lines.push('', `Recorded in ${o.ledger}; suppression list ${o.list}${o.redis ? ` and the shared one in Redis at ${o.redis}` : ''}.`);
  return lines.join('\n');
}
