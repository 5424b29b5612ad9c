import { resolve } from 'node:path';
import { checkIssue, formatReport } from '../../check/index.ts';
import { loadSettings } from '../../config/index.ts';
import { ERROR_CODES, EXIT, type ExitCode } from '../../errors.ts';
import { parseCommandArgs, type CommandSpec } from '../command.ts';

export const spec = {
  name: 'check',
  summary: 'Check an issue before sending: content, Gmail clipping size, client support, links, images, accessibility, compliance, spam score, plain text.',
  usage: 'check [ISSUE.md] [--content DIR] [--json] [--online] [--screenshots] [--out DIR] [--verbose]',
  options: {
    content: { type: 'string' },
    json: { type: 'boolean' },
    online: { type: 'boolean' },
    screenshots: { type: 'boolean' },
    out: { type: 'string' },
    verbose: { type: 'boolean' },
  },
  help: {
    'ISSUE.md': 'The issue to check (default: the newest issue by date in content/issues/).',
    '--content DIR': 'Folder with newsletter.yml and issues/ (default: content).',
    '--json': 'Print the report as JSON (findings with id, severity, message, fix).',
    '--online': 'Also fetch every link and image and report its HTTP status (default: off, no network).',
    '--screenshots': 'Write PNGs at 375 and 1024 px, light and dark (needs chromium); fails on sideways scrolling at 375 px.',
    '--out DIR': 'Where screenshots go: DIR/<slug>/screenshots/ (default: out).',
    '--verbose': 'List every partly supported client feature with its caniemail note.',
  },
  ends: { errors: ['EUSAGE', 'ECONTENT', 'ECONFIG', 'ECHECK', 'ESEND'] },
  examples: ['newsletter check', 'newsletter check --json > report.json', 'newsletter check content/issues/2026-02-05-trump-petro-oval-office.md --online --screenshots'],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

/** Exit OK when the report has no errors, ECHECK's exit code (1) otherwise (invalid content included). */
export async function run(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(spec, argv);
  // The settings send composes with (.env under the environment); an invalid one stops check as it stops send.
  const settings = loadSettings();
  const report = await checkIssue({
    settings,
    file: positionals[0],
    contentDir: values.content,
    online: values.online,
    screenshotsOut: values.screenshots ? resolve(values.out ?? 'out') : undefined,
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report, { verbose: values.verbose }));
  return report.ok ? EXIT.OK : ERROR_CODES.ECHECK.exit;
}
