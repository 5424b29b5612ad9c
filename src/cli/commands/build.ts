import { join, relative, resolve } from 'node:path';
import { formatProblem } from '../../content/index.ts';
import { writeFilesAtomic } from '../../output/index.ts';
import { buildIssue } from '../../render/index.ts';
import { EXIT, type ExitCode } from '../../errors.ts';
import { parseCommandArgs, type CommandSpec } from '../command.ts';

export const spec = {
  name: 'build',
  summary: 'Validate and render an issue to out/<slug>/: email.html, email.txt and meta.json.',
  usage: 'build [ISSUE.md] [--content DIR] [--out DIR]',
  options: { content: { type: 'string' }, out: { type: 'string' } },
  help: {
    'ISSUE.md': 'The issue to build (default: the newest issue by date in content/issues/).',
    '--content DIR': 'Folder with newsletter.yml and issues/ (default: content).',
    '--out DIR': 'Where to write; files go to DIR/<slug>/ (default: out).',
  },
  ends: { errors: ['EUSAGE', 'ECONTENT', 'EOUTPUT'] },
  examples: ['newsletter build', 'newsletter build content/issues/2026-02-05-trump-petro-oval-office.md --out dist'],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export async function run(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(spec, argv);
  const built = await buildIssue({ file: positionals[0], contentDir: values.content });
  for (const w of built.warnings) console.error(formatProblem(w));
  const dir = resolve(values.out ?? 'out', built.meta.slug);
  await writeFilesAtomic(dir, {
    'email.html': built.html,
    'email.txt': built.text,
    'meta.json': JSON.stringify(built.meta, null, 2) + '\n',
  });
  const rel = relative(process.cwd(), dir) || '.';
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`✔ Built issue ${built.meta.number} “${built.meta.subject}” from ${built.file}`);
  console.log(`  ${join(rel, 'email.html')}  ${kb(built.meta.sizes.html)}`);
  console.log(`  ${join(rel, 'email.txt')}   ${kb(built.meta.sizes.text)}`);
  console.log(`  ${join(rel, 'meta.json')}`);
  return EXIT.OK;
}
