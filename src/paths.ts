import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root, found by walking up to package.json: paths built from it
 * are right both when running from src/ (tsx) and from the bundled dist/cli/.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

export const PROJECT_ROOT = findRoot();

export function projectPath(...parts: string[]): string {
  return join(PROJECT_ROOT, ...parts);
}
