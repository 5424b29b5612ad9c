import { join } from 'node:path';
import { writeDirAtomic } from '../output/index.ts';
import type { ExportedIssue } from './export-issue.ts';

/** Write each target to <outDir>/<slug>/<target>/, each folder all-or-nothing. Returns the folders written. */
export async function writeExports(outDir: string, exported: ExportedIssue): Promise<string[]> {
  const dirs: string[] = [];
  for (const t of exported.targets) {
    const dir = join(outDir, exported.slug, t.target);
    await writeDirAtomic(dir, t.files);
    dirs.push(dir);
  }
  return dirs;
}
