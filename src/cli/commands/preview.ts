import { loadSettings } from '../../config/index.ts';
import type { BuildOutcome } from '../../preview/index.ts';
import { EXIT, type ExitCode } from '../../errors.ts';
import { stopEverything } from '../../clients/index.ts';
import { parseCommandArgs, portFlag, type CommandSpec, runUntilSignal } from '../command.ts';

export const spec = {
  name: 'preview',
  summary: 'Serve a live preview of an issue as readers will get it; reloads when content/ or emails/ change.',
  usage: 'preview [ISSUE.md] [--content DIR] [--port N] [--host HOST]',
  options: { content: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
  help: {
    'ISSUE.md': 'The issue to preview (default: the newest issue by date in content/issues/).',
    '--content DIR': 'Folder with newsletter.yml and issues/ (default: content).',
    '--port N': 'Port to listen on; 0 picks a free one (default: 3030).',
    '--host HOST': 'Address to listen on (default: 127.0.0.1, this machine only).',
  },
  // STOPPED: a second Ctrl-C while the preview closes.
  ends: { errors: ['EUSAGE', 'ECONTENT', 'ECONFIG', 'ECHECK', 'ESEND'], results: ['STOPPED'] },
  examples: ['newsletter preview', 'newsletter preview content/issues/2026-02-05-trump-petro-oval-office.md --port 4000'],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

function report(outcome: BuildOutcome, ms: number): void {
  const took = `${(ms / 1000).toFixed(1)} s`;
  if (outcome.ok) console.log(`✔ Rendered issue ${outcome.built.meta.number} from ${outcome.built.file} (${took})`);
  else console.error(`✖ ${outcome.error.message}${outcome.error.fix ? `\n  fix: ${outcome.error.fix}` : ''}\n  (the preview page shows this too; it reloads when you save a fix)`);
}

export async function run(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(spec, argv);
  const port = portFlag(values.port, 3030);
  // Read before the server starts: an invalid setting stops the preview as it stops send.
  const settings = loadSettings();
  const { startPreviewServer } = await import('../../preview/index.ts');
  const server = await startPreviewServer({
    file: positionals[0],
    contentDir: values.content,
    port,
    host: values.host,
    sender: settings.sender(),
    onBuild: report,
    onNotice: (message) => console.log(`· ${message}`),
  });
  console.log(`Preview at ${server.url}  (watching content/ and emails/; Ctrl+C to stop)`);
  // A Clients view run still in flight: its mail clients and temp folders go with the preview.
  process.once('exit', stopEverything);
  await runUntilSignal(async () => {
    stopEverything();
    // A second Ctrl-C while the server closes must not leave Node's default exit, which skips the 'exit' handler.
    const again = () => process.exit(EXIT.STOPPED);
    process.once('SIGINT', again);
    process.once('SIGTERM', again);
    await server.close();
  });
  return EXIT.OK;
}
