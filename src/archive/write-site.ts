import { copyFile, link, lstat, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { NewsletterError } from '../errors.ts';
import { SITE_MARKER } from './build-site.ts';

export interface WriteReport {
  /** Files whose bytes are new or changed (written), sorted. */
  written: string[];
  /** Files whose bytes equal the previous site's (kept: same inode and mtime). */
  unchanged: string[];
  /** Files of the previous site that are gone. */
  removed: string[];
}

/** Every file under a folder, as site paths with "/". */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/')).sort();
}

/**
 * Refuse to replace a folder `newsletter archive` did not write: `--out .` or `--out content`
 * must never wipe a folder. An absent or empty folder is fine; so is one with the marker.
 */
async function checkTarget(target: string): Promise<boolean> {
  const info = await lstat(target).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
  if (!info) return false;
  if (!info.isDirectory())
    throw new NewsletterError('EOUTPUT', `${target} is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; the archive is written as a folder of its own`, {
      where: target,
      fix: info.isSymbolicLink() ? 'Pass the real folder: --out DIR (the link is not followed, so nothing it points at is replaced).' : 'Pass a folder for the site: --out out/site',
    });
  const names = await readdir(target);
  if (names.length && !names.includes(SITE_MARKER))
    throw new NewsletterError('EOUTPUT', `${target} is not empty and was not written by \`newsletter archive\` (no ${SITE_MARKER} in it): it is replaced as a whole on every build, so it was left untouched`, {
      where: target,
      fix: 'Pass a new or empty folder: --out out/site (the default), or move the files out of that one.',
    });
  return names.length > 0;
}

/** Whether the previous site holds exactly these bytes at this path. */
async function sameBytes(path: string, data: Buffer): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile() || info.size !== data.length) return false;
  return (await readFile(path)).equals(data);
}

/**
 * An unchanged file keeps its inode and mtime: hard-linked from the previous site, so sync tools
 * (rsync, `aws s3 sync`) that compare size and time upload only what changed. Where links are
 * refused (another file system, a host that forbids them), a copy with the old times.
 */
async function keep(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
    const { atime, mtime } = await stat(from);
    await utimes(to, atime, mtime);
  }
}

/**
 * Write the site into a staging folder beside the target (`.<name>.staging-<pid>`), then swap it
 * in: the old folder is renamed away, the new one renamed in, the old one removed. A failure before
 * the swap leaves the previous site as it was.
 */
export async function writeSite(target: string, files: ReadonlyMap<string, Buffer>): Promise<WriteReport> {
  const hadSite = await checkTarget(target);
  const staging = join(dirname(target), `.${basename(target)}.staging-${process.pid}`);
  const old = join(dirname(target), `.${basename(target)}.old-${process.pid}`);
  const report: WriteReport = { written: [], unchanged: [], removed: [] };
  try {
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    for (const [path, data] of files) {
      const to = join(staging, ...path.split('/'));
      const from = join(target, ...path.split('/'));
      await mkdir(dirname(to), { recursive: true });
      if (hadSite && (await sameBytes(from, data))) {
        await keep(from, to);
        report.unchanged.push(path);
      } else {
        await writeFile(to, data);
        report.written.push(path);
      }
    }
    if (hadSite) report.removed = (await listFiles(target)).filter((path) => !files.has(path));
    await swap(target, staging, old, hadSite || (await lstat(target).then(() => true, () => false)));
  } catch (cause) {
    await rm(staging, { recursive: true, force: true }).catch(() => {});
    if (cause instanceof NewsletterError) throw cause;
    throw new NewsletterError('EOUTPUT', `Could not write the archive to ${target}: ${(cause as Error).message}`, {
      where: target,
      fix: 'Check that the folder and its parent are writable and the disk is not full, or pass --out DIR.',
      cause,
    });
  }
  return report;
}

/** Staging in, the previous folder out; if the second rename fails, the previous folder goes back. */
async function swap(target: string, staging: string, old: string, exists: boolean): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  if (!exists) return rename(staging, target);
  await rm(old, { recursive: true, force: true });
  await rename(target, old);
  try {
    await rename(staging, target);
  } catch (error) {
    await rename(old, target);
    throw error;
  }
  await rm(old, { recursive: true, force: true });
}
