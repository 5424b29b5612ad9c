import { resolve } from 'node:path';
import { checkIssue, formatReport } from '../../check/index.ts';
import { loadSettings } from '../../config/index.ts';
import { CLIENTS, stopEverything, type ClientId } from '../../clients/index.ts';
import { ERROR_CODES, EXIT, NewsletterError, type ExitCode } from '../../errors.ts';
import { parseCommandArgs, type CommandSpec } from '../command.ts';

export const spec = {
  name: 'check',
  summary: 'Check an issue before sending: content, Gmail clipping size, client support, links, images, accessibility, compliance, spam score, plain text.',
  usage: 'check [ISSUE.md] [--content DIR] [--json] [--online] [--screenshots] [--clients [--client NAME]] [--out DIR] [--verbose]',
  options: {
    content: { type: 'string' },
    json: { type: 'boolean' },
    online: { type: 'boolean' },
    screenshots: { type: 'boolean' },
    clients: { type: 'boolean' },
    client: { type: 'string' },
    out: { type: 'string' },
    verbose: { type: 'boolean' },
  },
  help: {
    'ISSUE.md': 'The issue to check (default: the newest issue by date in content/issues/).',
    '--content DIR': 'Folder with newsletter.yml and issues/ (default: content).',
    '--json': 'Print the report as JSON (findings with id, severity, message, fix).',
    '--online': 'Also fetch every link and image and report its HTTP status (default: off, no network).',
    '--screenshots': 'Write PNGs at 375 and 1024 px, light and dark (needs chromium); fails on sideways scrolling at 375 px.',
    '--clients':
      'Show the message as a subscriber receives it in the installed mail clients, offline: Thunderbird at 860 and 400 px, Evolution at 860 and 440 px, light and dark, remote images blocked. Writes PNGs and a contact sheet (index.html) to DIR/<slug>/clients/; reports sideways scrolling, text contrast and a button that stops looking like one in Thunderbird; a client named with --client that does not render is an error. About 15 s (the clients run side by side).',
    '--client NAME': 'With --clients: only this client (thunderbird or evolution).',
    '--out DIR': 'Where screenshots and client renders go: DIR/<slug>/screenshots/ and DIR/<slug>/clients/ (default: out).',
    '--verbose': 'List every partly supported client feature with its caniemail note.',
  },
  // STOPPED: Ctrl-C or SIGTERM while the mail clients run (--clients).
  ends: { errors: ['EUSAGE', 'ECONTENT', 'ECONFIG', 'ECHECK', 'ESEND'], results: ['STOPPED'] },
  examples: ['newsletter check', 'newsletter check --json > report.json', 'newsletter check content/issues/2026-02-05-trump-petro-oval-office.md --online --screenshots', 'newsletter check --clients', 'newsletter check --clients --client thunderbird --out /tmp/renders'],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

/**
 * Ctrl-C or SIGTERM while the mail clients run: Node would exit without the renders' cleanup, and
 * the clients, each in a process group of its own, would not get the terminal's signal. End them.
 */
function closeClientsOnStop(): void {
  process.once('exit', stopEverything);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      stopEverything();
      console.error(`Stopped (${signal}); any mail client still open was closed and its temp folders removed.`);
      process.exit(EXIT.STOPPED);
    });
}

/** `--client NAME`: one of the clients, and only with --clients. */
function clientNamed(name: string, clients: boolean | undefined): ClientId {
  if (!clients) throw new NewsletterError('EUSAGE', '--client needs --clients.', { fix: 'Run: newsletter check --clients --client thunderbird' });
  const client = CLIENTS.find((c) => c === name);
  if (!client) throw new NewsletterError('EUSAGE', `--client must be one of ${CLIENTS.join(', ')}; got "${name}".`, { fix: 'Run: newsletter check --clients --client evolution' });
  return client;
}

/** Exit OK when the report has no errors, ECHECK's exit code (1) otherwise (invalid content included). */
export async function run(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(spec, argv);
  const clients = values.client === undefined ? undefined : [clientNamed(values.client, values.clients)];
  // The settings send composes with (.env under the environment); an invalid one stops check as it stops send.
  const settings = loadSettings();
  if (values.clients) closeClientsOnStop();
  const report = await checkIssue({
    settings,
    file: positionals[0],
    contentDir: values.content,
    online: values.online,
    screenshotsOut: values.screenshots ? resolve(values.out ?? 'out') : undefined,
    clientsOut: values.clients ? resolve(values.out ?? 'out') : undefined,
    clients,
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report, { verbose: values.verbose }));
  return report.ok ? EXIT.OK : ERROR_CODES.ECHECK.exit;
}
