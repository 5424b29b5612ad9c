import { constants, lstatSync } from 'node:fs';
import { chmod, mkdir, open, type FileHandle } from 'node:fs/promises';
import { NewsletterError } from '../errors.ts';

/**
 * Safe access to the files in the state folder (journal, lock, suppression
 * list, failures CSV). They hold who was mailed and who must never be mailed
 * again, so they are private to their owner (folder 0700, files 0600) and a
 * symlink planted in their place is refused, never followed: following it
 * would let anyone who can write the folder truncate or append to any file
 * the sender can write.
 */
export const STATE_DIR_MODE = 0o700;
export const STATE_FILE_MODE = 0o600;
/** O_NOFOLLOW: open() fails with ELOOP when the last path component is a symlink. */
export const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** A state file that is a symlink: refused with the file named (EXIT_REASONS.stateSymlink: exit 1, nothing sent). */
export function symlinkRefused(path: string): NewsletterError {
  return new NewsletterError('ESTATE', `${path} is a symbolic link; state files are never followed through links`, {
    where: path,
    fix: `Remove the link (rm ${JSON.stringify(path)}) and put the real file there, or pass another --state DIR.`,
    reason: 'stateSymlink',
  });
}

/**
 * The error for a state file that cannot be opened or written: a symlink
 * (exit 1), or a folder that is read-only, full or missing (exit 3: the run
 * stops and the state needs a look).
 */
export function stateFileError(path: string, cause: unknown, doing = 'open'): NewsletterError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ELOOP') return symlinkRefused(path);
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exceeded',
    EISDIR: 'it is a folder',
    ENOTDIR: 'a part of the path is not a folder',
  };
  return new NewsletterError('ESTATE', `Cannot ${doing} the state file ${path}: ${(code && why[code]) ?? (cause as Error)?.message ?? String(cause)}`, {
    where: path,
    fix: code === 'ENOSPC' || code === 'EDQUOT' ? 'Free disk space, then run the same command again.' : 'Make the state folder writable by this user (or pass --state DIR), then run the same command again.',
    cause,
  });
}

/** Create the state folder (0700) if it is missing. An existing folder keeps its mode. */
export async function ensureStateDir(dir: string): Promise<void> {
  try {
    const made = await mkdir(dir, { recursive: true, mode: STATE_DIR_MODE });
    // mkdir's mode is masked by the umask; the folder we just made gets exactly 0700.
    if (made !== undefined) await chmod(dir, STATE_DIR_MODE);
  } catch (cause) {
    throw stateFileError(dir, cause, 'create');
  }
}

/** Throw when `path` exists and is a symlink: for a file opened later, refused before anything is sent. Missing is fine. */
export function refuseSymlinkSync(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw stateFileError(path, e, 'read');
  }
  if (st.isSymbolicLink()) throw symlinkRefused(path);
}

/** Open a state file without following a symlink, created 0600. `flags` are numeric open() flags. */
export async function openStateFile(path: string, flags: number): Promise<FileHandle> {
  try {
    return await open(path, flags | NOFOLLOW, STATE_FILE_MODE);
  } catch (cause) {
    throw stateFileError(path, cause);
  }
}
