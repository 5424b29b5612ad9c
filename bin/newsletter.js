#!/usr/bin/env node
// Entry point for `newsletter` (npm bin) and `npm run newsletter`. Which code runs:
// - NEWSLETTER_BUNDLE=<path to a bundled main.js>: always that bundle, and an error if it is
//   missing. The tests set it (tests/global-setup.ts builds one bundle per run), so every test
//   runs the same code on every machine, never a choice made by file timestamps.
// - otherwise (users: `npm start`, `npx newsletter`), the bundled CLI (dist/cli/, made by
//   `npm install` / `npm run build:cli`) when it is newer than every source file, else the
//   TypeScript sources through tsx, so an edit is never hidden behind a stale bundle.
//   NEWSLETTER_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = `${root}dist/cli/main.js`;

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  if (process.env.NEWSLETTER_FROM_SOURCE === '1' || !existsSync(bundle)) return false;
  const built = statSync(bundle).mtimeMs;
  return ['src', 'emails'].every((dir) => newestMtime(`${root}${dir}`) <= built);
}

const forced = process.env.NEWSLETTER_BUNDLE;
if (forced) {
  if (!existsSync(forced)) throw new Error(`NEWSLETTER_BUNDLE is set but ${forced} does not exist: build it with \`node scripts/build-cli.mjs DIR\`, or unset NEWSLETTER_BUNDLE.`);
  await import(pathToFileURL(forced).href);
} else if (bundleIsFresh()) {
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  // The project's tsconfig (automatic JSX runtime) whatever the working directory is.
  register({ tsconfig: `${root}tsconfig.json` });
  await import('../src/cli/main.ts');
}
