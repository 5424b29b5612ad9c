import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/content.ts';

/**
 * Issue 12 item 13: `npm install` warned EBADENGINE because a dependency of a dependency wanted
 * Node 22. npm warns when an installed package's `engines.node` does not admit the running Node;
 * this walks node_modules the same way, so a new dependency that needs a newer Node fails here
 * instead of greeting a newcomer with warnings (package.json `overrides` pins a compatible one).
 */
function* installedPackages(dir: string): Generator<{ name: string; path: string; engines?: { node?: string } }> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.name.startsWith('@')) {
      yield* installedPackages(path);
      continue;
    }
    const manifest = join(path, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; engines?: { node?: string } };
      yield { name: pkg.name, path, engines: pkg.engines };
    }
    yield* installedPackages(join(path, 'node_modules'));
  }
}

describe('installed dependencies', () => {
  it('all admit the Node.js range package.json promises (no EBADENGINE warning on npm install)', () => {
    const promised = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const lowest = semver.minVersion(promised)!.version;
    const refusing = [...installedPackages(join(ROOT, 'node_modules'))]
      .filter((p) => typeof p.engines?.node === 'string' && semver.validRange(p.engines.node) !== null)
      .filter((p) => !semver.satisfies(process.version, p.engines!.node!) || !semver.satisfies(lowest, p.engines!.node!))
      .map((p) => `${p.name} (${p.engines!.node}) at ${p.path.slice(ROOT.length + 1)}`);
    expect(refusing).toEqual([]);
  });
});
