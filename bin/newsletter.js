#!/usr/bin/env node
// Entry point for `newsletter` (npm bin) and `npm run newsletter`.
// Runs the bundled CLI (dist/cli/, made by `npm install` / `npm run build:cli`) when it is
// newer than every source file; otherwise the TypeScript sources through tsx, so an edit
// is never hidden behind a stale bundle. NEWSLETTER_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

if (bundleIsFresh()) {
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  // The project's tsconfig (automatic JSX runtime) whatever the working directory is.
  register({ tsconfig: `${root}tsconfig.json` });
  await import('../src/cli/main.ts');
}
