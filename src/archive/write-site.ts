import { chmod, copyFile, link, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { NewsletterError } from '../errors.ts';
import { SITE_MARKER } from './build-site.ts';
import { lockSite, type SiteLock } from './site-lock.ts';

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
 * Write the site beside the target, then swap it in, holding the folder's lock throughout
 * (site-lock.ts). The staging folder is `<fresh mkdtemp folder>/<name>`: unique per write, and
 * created by mkdir, so a first site gets the usual mode (umask) while a rebuild takes the mode of
 * the folder it replaces. The old folder is renamed away, the new one renamed in, the old one
 * removed. A failure before the swap leaves the previous site as it was.
 */
export async function writeSite(target: string, files: ReadonlyMap<string, Buffer>): Promise<WriteReport> {
  // Refuse a foreign folder before touching anything beside it (no lock file next to `--out .`).
  await checkTarget(target);
  try {
    await mkdir(dirname(target), { recursive: true });
  } catch (cause) {
    throw writeFailed(target, cause);
  }
  const lock = await lockSite(target).catch((cause: unknown) => Promise.reject(cause instanceof NewsletterError ? cause : writeFailed(target, cause)));
  try {
    // Under the lock nobody else is writing: a site a crashed swap left aside goes back, then what else it left can go.
    await recoverSwap(target).catch((cause: unknown) => Promise.reject(writeFailed(target, cause)));
    await removeLeftovers(target).catch((cause: unknown) => Promise.reject(writeFailed(target, cause)));
    return await writeLocked(target, files, await checkTarget(target), lock);
  } finally {
    await lock.release();
  }
}

async function writeLocked(target: string, files: ReadonlyMap<string, Buffer>, hadSite: boolean, lock: SiteLock): Promise<WriteReport> {
  const report: WriteReport = { written: [], unchanged: [], removed: [] };
  let holder: string | undefined;
  try {
    holder = await mkdtemp(join(dirname(target), `.${basename(target)}.staging-`));
    const staging = join(holder, basename(target));
    await mkdir(staging);
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
    const previous = await stat(target).catch(() => undefined);
    if (previous) await chmod(staging, previous.mode & 0o7777);
    lock.assertHeld();
    await swap(target, staging, previous !== undefined);
  } catch (cause) {
    if (cause instanceof NewsletterError) throw cause;
    throw writeFailed(target, cause);
  } finally {
    if (holder) await rm(holder, { recursive: true, force: true }).catch(() => {});
  }
  return report;
}

function writeFailed(target: string, cause: unknown): NewsletterError {
  return new NewsletterError('EOUTPUT', `Could not write the archive to ${target}: ${(cause as Error).message}`, {
    where: target,
    fix: 'Check that the folder and its parent are writable and the disk is not full, or pass --out DIR.',
    cause,
  });
}

/** Staging in, the previous folder out; if the second rename fails, the previous folder goes back. */
async function swap(target: string, staging: string, exists: boolean): Promise<void> {
  if (!exists) return rename(staging, target);
  const holder = await mkdtemp(join(dirname(target), `.${basename(target)}.old-`));
  const old = join(holder, basename(target));
  await rename(target, old);
  try {
    await rename(staging, target);
  } catch (error) {
    await rename(old, target);
    await rm(holder, { recursive: true, force: true });
    throw error;
  }
  await rm(holder, { recursive: true, force: true });
}

/** `.<name>.staging-XXXXXX` / `.<name>.old-XXXXXX` (mkdtemp), and the `-<pid>` names of earlier versions. */
function sideFolder(target: string, kind: 'staging' | 'old'): RegExp {
  const name = basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\.${name}\\.${kind}-([A-Za-z0-9]{6}|\\d+)$`);
}

/**
 * A run killed between the swap's two renames leaves no site and the previous one in
 * `.<name>.old-*`: put it back (the newest with the marker), so the site is served again and the
 * next write keeps its unchanged files (same inodes and mtimes) instead of rewriting them all.
 */
async function recoverSwap(target: string): Promise<void> {
  if (await lstat(target).catch(() => undefined)) return;
  const parent = dirname(target);
  const olds: { path: string; mtimeMs: number }[] = [];
  for (const name of await readdir(parent)) {
    if (!sideFolder(target, 'old').test(name)) continue;
    const path = join(parent, name, basename(target));
    if (!existsSync(join(path, SITE_MARKER))) continue;
    olds.push({ path, mtimeMs: (await stat(path)).mtimeMs });
  }
  const newest = olds.sort((a, b) => b.mtimeMs - a.mtimeMs)[0];
  if (newest) await rename(newest.path, target);
}

/** Staging and old folders a crashed run left beside the target. Called under the lock, which proves no other run is using them. */
async function removeLeftovers(target: string): Promise<void> {
  const parent = dirname(target);
  const patterns = [sideFolder(target, 'staging'), sideFolder(target, 'old')];
  for (const name of await readdir(parent)) {
    if (patterns.some((pattern) => pattern.test(name))) await rm(join(parent, name), { recursive: true, force: true });
  }
}
