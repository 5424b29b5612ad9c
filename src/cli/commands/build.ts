import { lstat, readFile, rm, rmdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { formatProblem } from '../../content/index.ts';
import { writeFilesAtomic } from '../../output/index.ts';
import { buildIssue } from '../../render/index.ts';
import { EXIT, NewsletterError, type ExitCode } from '../../errors.ts';
import { parseCommandArgs, type CommandSpec } from '../command.ts';

export const spec = {
  name: 'build',
  summary: 'Validate and render an issue to out/<slug>/: email.html, email.txt, meta.json and its local images in assets/.',
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
  const earlier = await assetsOfEarlierBuild(dir);
  await writeFilesAtomic(dir, {
    'email.html': built.html,
    'email.txt': built.text,
    'meta.json': JSON.stringify(built.meta, null, 2) + '\n',
    ...Object.fromEntries(built.assets.map((asset) => [asset.name, asset.data])),
  });
  // After the new files are in place, so the email.html on disk always has its images.
  await removeUnusedAssets(dir, earlier, new Set(built.assets.map((asset) => asset.name)));
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

/** A name build itself gives an image: assets/<16 hex>.jpg|png. Nothing else in assets/ is ever removed. */
const ASSET_NAME = /^assets\/[0-9a-f]{16}\.(jpg|png)$/;

/**
 * The images the previous build of this issue wrote (its meta.json's `assets`): the only files a
 * build may remove. A symbolic link for out/<slug>/assets/ is refused: writing or removing through
 * it would touch files elsewhere (an upload folder, say).
 */
async function assetsOfEarlierBuild(dir: string): Promise<string[]> {
  const link = await lstat(join(dir, ASSETS_DIR)).catch(() => undefined);
  if (link?.isSymbolicLink())
    throw new NewsletterError('EOUTPUT', `${join(dir, ASSETS_DIR)} is a symbolic link; build writes and removes the issue's images there, so it refuses to follow it`, {
      where: join(dir, ASSETS_DIR),
      fix: 'Remove the link (build writes a real folder there), or pass --out DIR for a folder of its own.',
    });
  const meta = await readFile(join(dir, 'meta.json'), 'utf8').catch(() => undefined);
  if (!meta) return [];
  try {
    const assets = (JSON.parse(meta) as { assets?: { name?: unknown }[] }).assets ?? [];
    return assets.map((a) => a.name).filter((name): name is string => typeof name === 'string' && ASSET_NAME.test(name));
  } catch {
    return []; // a damaged meta.json names nothing to remove
  }
}

/** Remove the images an earlier build wrote that this one no longer uses (regular files only), and assets/ once empty. */
async function removeUnusedAssets(dir: string, earlier: readonly string[], used: ReadonlySet<string>): Promise<void> {
  for (const name of earlier.filter((n) => !used.has(n))) {
    const path = join(dir, name);
    if ((await lstat(path).catch(() => undefined))?.isFile()) await rm(path, { force: true });
  }
  // rmdir removes only an empty folder: anything else someone put there stays.
  if (!used.size) await rmdir(join(dir, ASSETS_DIR)).catch(() => undefined);
}
