// Bundle the CLI to dist/cli/ so `newsletter` starts without compiling TypeScript
// (about 0.5 s instead of 2+ s; see `npm run bench -- cold-build`). Runs on `npm install` (prepare).
// `node scripts/build-cli.mjs DIR` bundles to DIR instead (the tests' own copy: tests/global-setup.ts).
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { NODE_BUNDLE } from './bundle-options.mjs';

const outdir = process.argv[2] ? resolve(process.argv[2]) : new URL('../dist/cli/', import.meta.url).pathname;
await rm(outdir, { recursive: true, force: true });
await build({
  ...NODE_BUNDLE,
  entryPoints: [new URL('../src/cli/main.ts', import.meta.url).pathname],
  outdir,
  splitting: true, // commands stay lazily loaded chunks
});
