import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

// Not from helpers/content.ts: that imports the sources, which this setup does not need.
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * Build the CLI bundle once per test run and make every CLI child process of the
 * tests run it (NEWSLETTER_BUNDLE, honoured by bin/newsletter.js), so a test run
 * never picks between dist/ and the sources by file timestamps.
 *
 * The bundle rather than the sources because it is faster: one esbuild run of about
 * a second, then each of the ~150 CLI children starts with ~0.3 s of CPU instead of
 * ~1.5 s compiling TypeScript through tsx. It is also what users run after `npm install`.
 *
 * The bundle goes to a folder of its own under dist/ (not dist/cli/, which is the
 * user's and which another test run might be rebuilding at the same moment); inside
 * the project, so its external imports (playwright-core, tsx) resolve from node_modules.
 * Workers and their children inherit the variable from this process's environment.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await mkdir(join(ROOT, 'dist'), { recursive: true });
  const outdir = await mkdtemp(join(ROOT, 'dist', 'test-cli-'));
  const bundle = join(outdir, 'main.js');
  const build = async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs'), outdir], { stdio: 'inherit' });
    if (!existsSync(bundle)) throw new Error(`scripts/build-cli.mjs wrote no ${bundle}`);
    // Readable by everyone: a test runs the CLI as another user (tests/send/state-files.test.ts).
    await chmod(outdir, 0o755);
  };
  await build();
  process.env.NEWSLETTER_BUNDLE = bundle;
  // Children that must not outlive the run (tests/helpers/children.ts): killed below if still there.
  const pids = await mkdtemp(join(ROOT, 'dist', 'test-pids-'));
  process.env.NEWSLETTER_TEST_PIDS = pids;
  // In watch mode, rebuild before each rerun, so the CLI tests see the edit that triggered it.
  project.onTestsRerun(build);
  return async () => {
    await killLeftovers(pids);
    await rm(pids, { recursive: true, force: true });
    await rm(outdir, { recursive: true, force: true });
  };
}

/** SIGKILL each child still noted, if its command line still has its marker (a pid can be reused). */
async function killLeftovers(dir: string): Promise<void> {
  for (const pid of await readdir(dir).catch(() => [])) {
    const marker = await readFile(join(dir, pid), 'utf8').catch(() => '');
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!marker || !cmdline.includes(marker)) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
      console.warn(`global teardown: killed a leftover ${marker} (pid ${pid}) that a test did not stop`);
    } catch {
      // Gone meanwhile.
    }
  }
}
