import { join, resolve } from 'node:path';
import { loadConfig } from '../../content/index.ts';
import { loadSettings } from '../../config/index.ts';
import type { UnsubscribeEvent } from '../../unsubscribe/index.ts';
import { EXIT, type ExitCode } from '../../errors.ts';
import { intFlag, parseCommandArgs, type CommandSpec, runUntilSignal } from '../command.ts';

export const spec = {
  name: 'unsubscribe-server',
  summary: 'Run the one-click unsubscribe endpoint that List-Unsubscribe links point at (RFC 8058).',
  usage: 'unsubscribe-server [--port N] [--host HOST] [--state DIR] [--content DIR]',
  options: { port: { type: 'string' }, host: { type: 'string' }, state: { type: 'string' }, content: { type: 'string' } },
  help: {
    '--port N': 'Port to listen on; 0 picks a free one (default: 3040).',
    '--host HOST': 'Address to listen on; put an HTTPS reverse proxy in front for the public URL (default: 127.0.0.1).',
    '--state DIR': 'State folder holding suppression.csv, the same one `newsletter send` uses (default: .newsletter).',
    '--content DIR': 'Folder with newsletter.yml, for the listId and name (default: content).',
  },
  ends: { errors: ['EUSAGE', 'ECONTENT', 'ECONFIG', 'ESUBSCRIBERS', 'ESTATE'], reasons: ['stateSymlink'] },
  examples: ['newsletter unsubscribe-server', 'newsletter unsubscribe-server --port 8080 --state /var/lib/newsletter'],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

/** An address in a log line, without spelling it out: "ad…@example.com". */
const masked = (email: string) => email.replace(/^(.{1,2})[^@]*@/, '$1…@');

function log(event: UnsubscribeEvent): void {
  const time = new Date().toISOString();
  if (event.kind === 'unsubscribed') console.log(`${time}  ✔ unsubscribed ${masked(event.email)}`);
  else if (event.kind === 'already-unsubscribed') console.log(`${time}  · already unsubscribed ${masked(event.email)}`);
  else if (event.kind === 'refused') console.log(`${time}  ✖ ${event.status}: ${event.reason}`);
  else console.error(`${time}  ✖ could not record an unsubscribe: ${event.error instanceof Error ? event.error.message : String(event.error)}`);
}

export async function run(argv: string[]): Promise<ExitCode> {
  const { values } = parseCommandArgs(spec, argv);
  const port = intFlag(values.port, '--port', 3040, 0);
  const stateDir = values.state ?? '.newsletter';
  const config = await loadConfig(resolve(values.content ?? 'content'));
  // The settings every command reads (.env under the real environment); the secret send signs the links with.
  const secret = loadSettings().unsubscribeSecret();

  const { startUnsubscribeServer } = await import('../../unsubscribe/index.ts');
  const server = await startUnsubscribeServer({ port, host: values.host, stateDir, secret, listId: config.listId, listName: config.name, onEvent: log });
  console.log(`Unsubscribe endpoint for ${config.name} (${config.listId}) at ${server.url}`);
  console.log(`  suppression list: ${join(stateDir, 'suppression.csv')} (${server.suppression.size} address${server.suppression.size === 1 ? '' : 'es'})`);
  console.log(`  links go to UNSUBSCRIBE_URL (or unsubscribeUrl in newsletter.yml): serve this address there over HTTPS. Ctrl+C to stop.`);
  await runUntilSignal(() => server.close());
  return EXIT.OK;
}
