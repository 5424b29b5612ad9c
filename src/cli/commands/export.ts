import { relative, resolve } from 'node:path';
import { loadSettings } from '../../config/index.ts';
import { formatProblem } from '../../content/index.ts';
import { exportIssue, platformChoices, resolveTargets, writeExports } from '../../export/index.ts';
import { EXIT, type ExitCode } from '../../errors.ts';
import { parseCommandArgs, type CommandSpec } from '../command.ts';

export const spec = {
  name: 'export',
  summary: 'Export an issue for a mail platform, with merge fields in that platform’s tags: out/<slug>/<platform>/.',
  usage: 'export [ISSUE.md] --platform NAME [--content DIR] [--out DIR]',
  options: { platform: { type: 'string' }, content: { type: 'string' }, out: { type: 'string' } },
  help: {
    'ISSUE.md': 'The issue to export (default: the newest issue by date in content/issues/).',
    '--platform NAME': `One of ${platformChoices()}; several separated by commas; or all.`,
    '--content DIR': 'Folder with newsletter.yml and issues/ (default: content).',
    '--out DIR': 'Where to write; files go to DIR/<slug>/<platform>/ (default: out).',
  },
  ends: { errors: ['EUSAGE', 'ECONTENT', 'ECONFIG', 'ESEND', 'EOUTPUT'] },
  examples: ['newsletter export --platform mailchimp', 'newsletter export --platform all', 'newsletter export content/issues/2026-02-05-trump-petro-oval-office.md --platform sendgrid,html --out dist'],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

export async function run(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(spec, argv);
  const targets = resolveTargets(values.platform);
  const sender = loadSettings().sender();
  const exported = await exportIssue({ file: positionals[0], contentDir: values.content, targets, sender });
  for (const w of exported.warnings) console.error(formatProblem(w));
  const dirs = await writeExports(resolve(values.out ?? 'out'), exported);
  console.log(`✔ Exported issue ${exported.number} “${exported.subject}” from ${exported.file} for ${targets.length} target${targets.length === 1 ? '' : 's'}`);
  const width = Math.max(...exported.targets.map((t) => t.target.length));
  exported.targets.forEach((t, i) => {
    const dir = relative(process.cwd(), dirs[i] ?? '') || '.';
    const names = Object.keys(t.files);
    const images = names.filter((n) => n.startsWith('assets/')).length;
    const files = [...names.filter((n) => !n.startsWith('assets/')), ...(images ? [`assets/ (${images} image${images === 1 ? '' : 's'}: upload them, see IMPORT.md)`] : [])].join(', ');
    console.log(`  ${t.target.padEnd(width)}  ${dir}/  ${files}  (HTML ${kb(t.htmlBytes)})`);
    for (const w of t.warnings) console.error(`  ⚠ ${w}`);
  });
  console.log('  Each folder’s IMPORT.md says how to bring it into that platform.');
  return EXIT.OK;
}
