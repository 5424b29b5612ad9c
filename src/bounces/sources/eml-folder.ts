/**
 * A folder of .eml files (one message each, as mail clients save them): read in name order,
 * not recursively; a processed file is moved into the folder's processed/ sub-folder, so the
 * next run does not see it and nothing is deleted.
 */
import { link, lstat, mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { NewsletterError } from '../../errors.ts';
import { readBoundedFile, type BounceSource, type SkippedMessage, type SourceMessage } from './source.ts';

export const PROCESSED = 'processed';
const isEml = (name: string) => extname(name).toLowerCase() === '.eml' && !name.startsWith('.');

async function assertFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => error);
  const fix = 'Give --eml the folder holding the saved bounce messages (*.eml files).';
  if (info instanceof Error) {
    throw new NewsletterError('EUSAGE', `--eml ${dir}: ${info.code === 'ENOENT' ? 'no such folder' : `cannot be read (${info.code ?? info.message})`}.`, { where: dir, fix, cause: info });
  }
  if (!info.isDirectory()) throw new NewsletterError('EUSAGE', `--eml ${dir} is not a folder.`, { where: dir, fix });
}

export async function openEmlFolder(dirArg: string): Promise<BounceSource> {
  const dir = resolve(dirArg);
  await assertFolder(dir);
  // Regular files only (no symbolic links, no sub-folders: processed/ is one), by name: names only are held.
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && isEml(e.name))
    .map((e) => e.name)
    .sort();
  const skipped: SkippedMessage[] = [];
  return {
    describe: `.eml folder ${dir} (${names.length} file${names.length === 1 ? '' : 's'})`,
    skipped,
    async *messages(): AsyncGenerator<SourceMessage> {
      for (const name of names) {
        const path = join(dir, name);
        const read = await readBoundedFile(path);
        if (read.ok) yield { ref: path, raw: read.raw };
        else if (!('vanished' in read)) skipped.push({ ref: path, reason: read.reason });
      }
    },
    markProcessed: (message) => moveToProcessed(dir, message.ref),
    close: async () => {},
  };
}

/** The processed/ sub-folder, created 0700 (bounces hold addresses); a symbolic link there is refused, not followed. */
async function processedFolder(dir: string): Promise<string> {
  const folder = join(dir, PROCESSED);
  await mkdir(folder, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  if (!(await lstat(folder)).isDirectory()) {
    throw new NewsletterError('EOUTPUT', `${folder} is not a folder (a file or a symbolic link): processed messages cannot be moved there.`, {
      where: folder,
      fix: `Remove or rename ${folder}, then run the same command again (what was recorded is not applied twice).`,
    });
  }
  return folder;
}

/**
 * dir/NAME → dir/processed/NAME, never over a file already there (a name saved twice): link()
 * fails on an existing name where rename() would replace it, so the next free "NAME-2.eml" is used.
 */
async function moveToProcessed(dir: string, path: string): Promise<void> {
  if (resolve(dir, basename(path)) !== path) throw new Error(`.eml markProcessed: ${path} is not a message of ${dir}`);
  try {
    const folder = await processedFolder(dir);
    const ext = extname(path);
    const stem = basename(path, ext);
    for (let n = 1; ; n++) {
      const target = join(folder, n === 1 ? basename(path) : `${stem}-${n}${ext}`);
      try {
        await link(path, target);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 1000) throw error;
      }
    }
    await unlink(path);
  } catch (error) {
    if (error instanceof NewsletterError) throw error;
    // Gone meanwhile (another run moved it): nothing left to do.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new NewsletterError('EOUTPUT', `Could not move ${path} into ${PROCESSED}/: ${(error as Error).message}.`, {
      where: path,
      fix: `Check that this user may create ${join(dir, PROCESSED)} and move files into it, then run the same command again (what was recorded is not applied twice).`,
      cause: error,
    });
  }
}
