import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { NewsletterError } from '../errors.ts';

/**
 * Write a folder of files all-or-nothing: files go to a hidden sibling first,
 * which then replaces the target. A failure leaves the previous folder (or none).
 */
export async function writeDirAtomic(target: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const staging = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  try {
    await mkdir(staging, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      await mkdir(dirname(join(staging, name)), { recursive: true });
      await writeFile(join(staging, name), content);
    }
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } catch (cause) {
    await rm(staging, { recursive: true, force: true }).catch(() => {});
    throw new NewsletterError('EOUTPUT', `Could not write ${target}: ${(cause as Error).message}`, {
      where: target,
      fix: 'Check that the output folder is writable and the disk is not full, or pass --out DIR.',
      cause,
    });
  }
}

/**
 * Write some files into a folder that may hold other output (exports, the
 * outbox): every file is staged first, then renamed into place, so a failure
 * before the renames changes nothing and other entries are kept. A name may
 * hold subfolders ("assets/3f2a….jpg"), which are created as needed.
 */
export async function writeFilesAtomic(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const name of Object.keys(files)) refuseEscapingName(name);
  const staging = join(dir, `.staging-${process.pid}-${Date.now()}`);
  try {
    await mkdir(staging, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      await mkdir(dirname(join(staging, name)), { recursive: true });
      await writeFile(join(staging, name), content);
    }
    // Creating the subfolders before any rename keeps the renames the only step that can leave a mix.
    for (const name of Object.keys(files)) await mkdir(dirname(join(dir, name)), { recursive: true });
    for (const name of Object.keys(files)) await rename(join(staging, name), join(dir, name));
  } catch (cause) {
    throw new NewsletterError('EOUTPUT', `Could not write ${dir}: ${(cause as Error).message}`, {
      where: dir,
      fix: 'Check that the output folder is writable and the disk is not full, or pass --out DIR.',
      cause,
    });
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => {});
  }
}

/** File names are relative paths inside the folder: never absolute, never "..". A caller's bug, not the user's. */
function refuseEscapingName(name: string): void {
  if (isAbsolute(name) || name.split(/[\\/]/).some((part) => part === '..' || part === ''))
    throw new Error(`writeFilesAtomic: ${JSON.stringify(name)} is not a relative path inside the folder`);
}
