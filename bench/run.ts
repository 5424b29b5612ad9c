/**
 * `npm run bench` runs every benchmark; `npm run bench -- NAME…` runs some.
 * Prints one table and writes bench/results.json (git-ignored). Benchmarks
 * compare against a baseline measured in the same run, in alternating
 * rounds: on a shared, noisy machine ratios hold where absolute times do not.
 * Nothing here is a test; `npm test` never depends on speed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { machine } from './lib/machine.ts';
import type { BenchResult } from './lib/stats.ts';
import { table } from './lib/table.ts';

const BENCHMARKS = {
  render: async () => (await import('./benchmarks/render.ts')).renderBench,
  'cold-build': async () => (await import('./benchmarks/cold-build.ts')).coldBuildBench,
  personalize: async () => (await import('./benchmarks/personalize.ts')).personalizeBench,
  deliver: async () => (await import('./benchmarks/deliver.ts')).deliverBench,
  'big-list': async () => (await import('./benchmarks/big-list.ts')).bigListBench,
  deferrals: async () => (await import('./benchmarks/deferrals.ts')).deferralsBench,
  'deferrals-total': async () => (await import('./benchmarks/deferrals.ts')).deferralsTotalBench,
  workers: async () => (await import('./benchmarks/workers.ts')).workersBench,
  archive: async () => (await import('./benchmarks/archive.ts')).archiveBench,
} satisfies Record<string, () => Promise<(log: (line: string) => void) => Promise<BenchResult>>>;

type Name = keyof typeof BENCHMARKS;
/** Run only when named: they take many minutes (greylisting-length retry waits; 9 runs of worker processes against Redis). */
const ON_REQUEST: readonly Name[] = ['deferrals-total', 'workers'];
const RESULTS = new URL('./results.json', import.meta.url);

const log = (line: string) => process.stderr.write(`  … ${line}\n`);

async function main(args: string[]): Promise<number> {
  const unknown = args.filter((a) => !(a in BENCHMARKS));
  if (unknown.length || args.includes('--help')) {
    console.error(`Usage: npm run bench [-- NAME…]   NAME: ${Object.keys(BENCHMARKS).join(', ')} (default: all but ${ON_REQUEST.join(', ')})`);
    return unknown.length ? 1 : 0;
  }
  const names = (args.length ? args : Object.keys(BENCHMARKS).filter((n) => !ON_REQUEST.includes(n as Name))) as Name[];
  const env = machine();
  console.error(`bench: ${names.join(', ')} on ${env.cpuCount}× ${env.cpuModel}, ${env.os}, Node ${env.node}, load ${env.loadAverage1m}`);

  const results: BenchResult[] = [];
  const failed: Record<string, string> = {};
  for (const name of names) {
    const started = performance.now();
    try {
      const bench = await BENCHMARKS[name]();
      results.push(await bench(log));
    } catch (error) {
      // One benchmark failing (e.g. the send command missing) still leaves the others' figures.
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failed[name] = message;
      console.error(`✖ ${name} failed after ${((performance.now() - started) / 1000).toFixed(0)} s:\n${message}`);
    }
  }

  console.log(table(results));

  // Keep earlier results of benchmarks not run this time, so `npm run bench -- NAME` updates one entry.
  let previous: { benchmarks?: Record<string, unknown> } = {};
  try {
    previous = JSON.parse(await readFile(RESULTS, 'utf8')) as typeof previous;
  } catch {
    // first run
  }
  const ranAt = new Date().toISOString();
  const benchmarks: Record<string, unknown> = { ...previous.benchmarks };
  for (const r of results) benchmarks[r.name] = { ...r, ranAt, machine: env };
  for (const [name, error] of Object.entries(failed)) benchmarks[name] = { name, error, ranAt, machine: env };
  await writeFile(RESULTS, JSON.stringify({ machine: env, ranAt, ran: names, benchmarks }, null, 2) + '\n');
  console.log(`\nwrote ${new URL(RESULTS).pathname.replace(`${process.cwd()}/`, '')}`);
  return Object.keys(failed).length ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
