import { readFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { isNewsletterError } from '../errors.ts';
import { takeScreenshots } from '../check/index.ts';
import type { BuiltIssue } from '../render/index.ts';

export type ScreenshotAnswer =
  | { dir: string; files: { name: string; width: number; url: string }[]; overflow375: { overflowing: boolean; scrollWidth: number } }
  | { error: string; fix?: string | undefined };

const NAME = /^(\d+)-(light|dark)\.png$/;

/** The preview's Screenshots button: take them into a folder, then serve the PNGs from it. */
export function screenshotsFor(cwd: string, configuredDir: string | undefined) {
  let lastDir: string | undefined;
  return {
    async take(built: BuiltIssue, html: string): Promise<ScreenshotAnswer> {
      const dir = resolve(cwd, configuredDir ?? join('out', built.meta.slug, 'screenshots'));
      try {
        const { files, overflow375 } = await takeScreenshots({ html, outDir: dir });
        lastDir = dir;
        const stamp = Date.now(); // new URLs, so the browser shows the new pictures, not cached ones
        return {
          dir: relative(cwd, dir) || '.',
          overflow375,
          files: files.map((f) => ({ name: basename(f), width: Number(NAME.exec(basename(f))?.[1] ?? 0), url: `/screenshots/${basename(f)}?t=${stamp}` })),
        };
      } catch (error) {
        if (isNewsletterError(error)) return { error: error.message, fix: error.fix };
        throw error;
      }
    },
    async read(name: string): Promise<Buffer | undefined> {
      if (!lastDir || !NAME.test(name)) return undefined; // only our own file names: no path traversal
      return readFile(join(lastDir, name)).catch(() => undefined);
    },
  };
}
