/**
 * 2. cold build: wall time of a `newsletter build` process from spawn to exit,
 * against `node -e ""` as the floor. To see where the time goes, the same
 * build also runs (a) with tsx's transform cache disabled (a fresh clone's
 * first run), (b) from our own code compiled ahead of time by esbuild with
 * dependencies left in node_modules (what shipping compiled JS saves: tsx's
 * loader hooks and transforms), and (c) from one bundle that includes the
 * dependencies too (what loading hundreds of small dependency files costs).
 * The compiled copies go to node_modules/.cache/newsletter-bench/ (so bare
 * imports still resolve) and are deleted afterwards. Importing the
 * @react-email/components barrel alone is timed as well.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { alternate } from '../lib/alternate.ts';
import { ROOT } from '../lib/seed.ts';
import { mustSpawn } from '../lib/spawn.ts';
import { atMost, median, timeFigure, type BenchResult } from '../lib/stats.ts';

const WARMUP = 1;
const ROUNDS = 5;
const CACHE = join(ROOT, 'node_modules/.cache/newsletter-bench');

async function compile(outdir: string, bundleDependencies: boolean): Promise<number> {
  const start = performance.now();
  await build({
    entryPoints: [join(ROOT, 'src/cli/main.ts')],
    bundle: true,
    splitting: true, // keeps the CLI's lazy command imports lazy
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir,
    tsconfig: join(ROOT, 'tsconfig.json'),
    logLevel: 'error',
    ...(bundleDependencies
      ? {
          // CommonJS dependencies call require(); give the ESM bundle one. The browser is never loaded by build.
          banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
          external: ['playwright-core', 'chromium-bidi', 'fsevents'],
        }
      : { packages: 'external' as const }),
  });
  return performance.now() - start;
}

export async function coldBuildBench(log: (line: string) => void): Promise<BenchResult> {
  const started = performance.now();
  const out = await mkdtemp(join(tmpdir(), 'newsletter-bench-build-'));
  try {
    // The shipped CLI: bin/newsletter.js runs dist/cli/ (made on npm install) when it is fresh.
    await mustSpawn(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT });
    const compileMs = await compile(join(CACHE, 'cli'), false);
    const bundleMs = await compile(join(CACHE, 'bundle'), true);
    const env = { ...process.env };
    delete env.NODE_ENV; // as a user runs it
    const html = join(out, '2026-02-05-trump-petro-oval-office', 'email.html');

    /** One build process; checked: exit 0, the success line, and the HTML written. */
    const buildWith = (args: string[], extraEnv: Record<string, string> = {}) => async () => {
      await rm(html, { force: true });
      const r = await mustSpawn(process.execPath, [...args, 'build', '--out', out], { cwd: ROOT, env: { ...env, ...extraEnv } });
      if (!r.stdout.includes('✔ Built issue 1') || !existsSync(html) || !(await readFile(html, 'utf8')).includes('What Comes Next?'))
        throw new Error(`build did not write the issue:\n${r.stdout}${r.stderr}`);
      return r.ms;
    };
    const s = await alternate(
      [
        { name: 'floor', run: async () => (await mustSpawn(process.execPath, ['-e', ''], { env })).ms },
        { name: 'shipped', run: buildWith(['bin/newsletter.js']) },
        { name: 'source', run: buildWith(['bin/newsletter.js'], { NEWSLETTER_FROM_SOURCE: '1' }) },
        { name: 'noCache', run: buildWith(['bin/newsletter.js'], { NEWSLETTER_FROM_SOURCE: '1', TSX_DISABLE_CACHE: '1' }) },
        { name: 'compiled', run: buildWith([join(CACHE, 'cli', 'main.js')]) },
        { name: 'bundle', run: buildWith([join(CACHE, 'bundle', 'main.js')]) },
        // Just loading the @react-email/components barrel that emails/ imports from (it pulls in Tailwind, Prism, marked).
        { name: 'barrel', run: async () => (await mustSpawn(process.execPath, ['--input-type=module', '-e', "await import('@react-email/components')"], { cwd: ROOT, env })).ms },
      ],
      { warmup: WARMUP, rounds: ROUNDS, onRound: (r) => log(`cold-build: ${r}/${ROUNDS} rounds`) },
    );
    const floor = s.get('floor')!;
    // Per-round differences: each build against the floor measured in the same round.
    const over = (name: string) => s.get(name)!.map((ms, i) => ms - floor[i]!);
    const shipped = over('shipped');
    return {
      name: 'cold-build',
      figures: [
        timeFigure('floor: node -e ""', 'ms', floor),
        timeFigure('newsletter build as shipped (bin/newsletter.js → dist/cli bundle)', 'ms', s.get('shipped')!),
        timeFigure('  minus the floor, same round', 'ms', shipped),
        timeFigure('  from TypeScript sources via tsx (NEWSLETTER_FROM_SOURCE=1), minus floor', 'ms', over('source')),
        timeFigure('  tsx with its transform cache disabled, minus floor', 'ms', over('noCache')),
        timeFigure('  our code compiled by esbuild, deps in node_modules, minus floor', 'ms', over('compiled')),
        timeFigure('  one bundle including dependencies, minus floor', 'ms', over('bundle')),
        timeFigure('only import @react-email/components (no build), minus floor', 'ms', over('barrel')),
      ],
      checks: [atMost('cold build: newsletter build − node -e ""', median(shipped) / 1000, 1, 's', 'median of per-round differences')],
      notes: [
        `The shipped bundle saves ${(median(s.get('source')!) - median(s.get('shipped')!)).toFixed(0)} ms (median) against running the TypeScript sources through tsx.`,
        `esbuild took ${compileMs.toFixed(0)} ms to compile our code and ${bundleMs.toFixed(0)} ms to bundle everything (not timed in the figures). ${WARMUP} warm-up round discarded.`,
      ],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await rm(out, { recursive: true, force: true });
    await rm(CACHE, { recursive: true, force: true });
  }
}
