import { readdir, rm } from 'node:fs/promises';
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
    ...Object.fromEntries(built.assets.map((asset) => [asset.name, asset.data])),
  });
  // After the new files are in place, so the email.html on disk always has its images.
  await removeUnusedAssets(dir, new Set(built.assets.map((asset) => asset.name)));
  const rel = relative(process.cwd(), dir) || '.';
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`✔ Built issue ${built.meta.number} “${built.meta.subject}” from ${built.file}`);
  console.log(`  ${join(rel, 'email.html')}  ${kb(built.meta.sizes.html)}`);
  console.log(`  ${join(rel, 'email.txt')}   ${kb(built.meta.sizes.text)}`);
  console.log(`  ${join(rel, 'meta.json')}`);
  for (const asset of built.assets) console.log(`  ${join(rel, asset.name)}  ${kb(asset.bytes)} ← ${asset.source}`);
  const [first] = built.assets;
  if (first) console.log(`  Upload ${join(rel, ASSETS_DIR)}/ to ${first.url.slice(0, -first.name.length)}${ASSETS_DIR}/ before sending (newsletter.yml assetsBaseUrl, else siteUrl).`);
  return EXIT.OK;
}

const ASSETS_DIR = 'assets';

/** out/<slug>/assets/ holds this build's images only: files an earlier build wrote and this one no longer uses are removed. */
async function removeUnusedAssets(dir: string, used: ReadonlySet<string>): Promise<void> {
  const assets = join(dir, ASSETS_DIR);
  const names = await readdir(assets).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => !used.has(`${ASSETS_DIR}/${name}`)).map((name) => rm(join(assets, name), { recursive: true, force: true })));
  if (!used.size) await rm(assets, { recursive: true, force: true });
}
