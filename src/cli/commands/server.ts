import { join, resolve } from 'node:path';
import { DEFAULT_FEEDBACK_RULES } from '../../audience/index.ts';
import { loadConfig } from '../../content/index.ts';
import { loadSettings } from '../../config/index.ts';
import type { UnsubscribeEvent } from '../../unsubscribe/index.ts';
import { WEBHOOK_ENV, WEBHOOK_NAMES, WEBHOOK_PROVIDERS } from '../../webhooks/index.ts';
import { EXIT, type ExitCode } from '../../errors.ts';
import { intFlag, parseCommandArgs, type CommandSpec, runUntilSignal } from '../command.ts';
import { openSuppressionMirror, QUEUE_HELP, type OpenedMirror } from '../suppression-mirror.ts';

export const spec = {
  name: 'server',
  summary: 'Run the public endpoint: one-click unsubscribe (RFC 8058) and the ESP bounce/complaint webhooks (SES, SendGrid, Mailgun, Postmark).',
  usage: 'server [--port N] [--host HOST] [--state DIR] [--content DIR] [--soft-limit N] [--soft-days D] [--queue URL]',
  options: { port: { type: 'string' }, host: { type: 'string' }, state: { type: 'string' }, content: { type: 'string' }, 'soft-limit': { type: 'string' }, 'soft-days': { type: 'string' }, queue: { type: 'string' } },
  help: {
    '--port N': 'Port to listen on; 0 picks a free one (default: 3040).',
    '--host HOST': 'Address to listen on; put an HTTPS reverse proxy in front for the public URL (default: 127.0.0.1).',
    '--state DIR': 'State folder holding suppression.csv and feedback.jsonl, the same one `newsletter send` uses (default: .newsletter).',
    '--content DIR': 'Folder with newsletter.yml, for the listId and name (default: content).',
    '--soft-limit N': `Soft bounces from webhooks that suppress an address… (default: ${DEFAULT_FEEDBACK_RULES.softLimit}).`,
    '--soft-days D': `…within this many days (default: ${DEFAULT_FEEDBACK_RULES.softDays}).`,
    '--queue URL': `${QUEUE_HELP} If Redis cannot be written, the request answers 500 and is retried by its sender.`,
  },
  ends: { errors: ['EUSAGE', 'ECONTENT', 'ECONFIG', 'ESUBSCRIBERS', 'ESTATE', 'EQUEUE'], reasons: ['stateSymlink'] },
  examples: [
    'newsletter server',
    'newsletter server --port 8080 --state /var/lib/newsletter',
    'newsletter server --soft-limit 5 --soft-days 60',
    'newsletter server --queue redis://:PASSWORD@10.0.0.5:6379/0',
  ],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

/** An address in a log line, without spelling it out: "ad…@example.com". */
const masked = (email: string) => email.replace(/^(.{1,2})[^@]*@/, '$1…@');
/** Every address in a message (an error can name the one it could not suppress), masked the same way. */
const maskedAll = (text: string) => text.replace(/([^\s@<>()[\],;:"']{1,2})[^\s@<>()[\],;:"']*@/g, '$1…@');

function log(event: UnsubscribeEvent): void {
  const time = new Date().toISOString();
  const via = 'provider' in event && event.provider ? ` (${event.provider})` : '';
  if (event.kind === 'unsubscribed') console.log(`${time}  ✔ unsubscribed ${masked(event.email)}`);
  else if (event.kind === 'already-unsubscribed') console.log(`${time}  · already unsubscribed ${masked(event.email)}`);
  else if (event.kind === 'webhook') console.log(`${time}  ✔ ${event.provider}: ${event.recorded} event${event.recorded === 1 ? '' : 's'} recorded${event.duplicates ? `, ${event.duplicates} already recorded` : ''}${event.note ? ` (${event.note})` : ''}`);
  else if (event.kind === 'refused') console.log(`${time}  ✖ ${event.status}${via}: ${event.reason}`);
  else console.error(`${time}  ✖ could not record${via}: ${maskedAll(event.error instanceof Error ? event.error.message : String(event.error))}`);
}

export function run(argv: string[]): Promise<ExitCode> {
  return runAs(spec, argv);
}

/** The command under either of its names: a wrong flag points at the help of the name that was typed. */
export async function runAs(named: typeof spec, argv: string[]): Promise<ExitCode> {
  const { values } = parseCommandArgs(named, argv);
  const port = intFlag(values.port, '--port', 3040, 0);
  const softLimit = intFlag(values['soft-limit'], '--soft-limit', DEFAULT_FEEDBACK_RULES.softLimit);
  const softDays = intFlag(values['soft-days'], '--soft-days', DEFAULT_FEEDBACK_RULES.softDays);
  const stateDir = values.state ?? '.newsletter';
  const config = await loadConfig(resolve(values.content ?? 'content'));
  // The settings every command reads (.env under the real environment); the secret send signs the links with.
  const settings = loadSettings();
  const secret = settings.unsubscribeSecret();
  const webhooks = settings.webhooks();

  // Before listening: a bad URL or an unreachable Redis stops here.
  const mirror = values.queue === undefined ? undefined : await openSuppressionMirror(values.queue, 'server', stateDir);
  const { startUnsubscribeServer } = await import('../../unsubscribe/index.ts');
  const server = await startUnsubscribeServer({ port, host: values.host, stateDir, secret, listId: config.listId, listName: config.name, onEvent: log, webhooks, feedbackRules: { softLimit, softDays }, mirror }).catch(async (error: unknown) => {
    await mirror?.close();
    throw error;
  });
  console.log(`Endpoint for ${config.name} (${config.listId}) at ${server.url}`);
  console.log(`  suppression list: ${join(stateDir, 'suppression.csv')} (${addresses(server.suppression.size)})`);
  if (mirror) printMirror(mirror);
  console.log(`  unsubscribe: any path; links go to UNSUBSCRIBE_URL (or unsubscribeUrl in newsletter.yml): serve this address there over HTTPS.`);
  for (const provider of WEBHOOK_PROVIDERS)
    console.log(`  ${`${server.url}webhooks/${provider}`.padEnd(server.url.length + 18)}${WEBHOOK_NAMES[provider]}: ${webhooks[provider] ? 'on' : `off (set ${WEBHOOK_ENV[provider]})`}`);
  console.log('Ctrl+C to stop.');
  await runUntilSignal(async () => {
    // The server first: a request in flight still has its Redis connection.
    await server.close();
    await mirror?.close();
  });
  return EXIT.OK;
}

const addresses = (n: number) => `${n} address${n === 1 ? '' : 'es'}`;

function printMirror(mirror: OpenedMirror): void {
  console.log(`  shared suppression list: Redis at ${mirror.display} (${addresses(mirror.size)}): every suppression is written there first, then to suppression.csv; if Redis cannot be written, the request answers 500 and its sender retries.`);
  for (const warning of mirror.warnings) console.error(`⚠ ${warning}`);
}
