import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { NOFOLLOW, stateFileError } from '../output/index.ts';

/** Open a state file for reading, never through a symlink (O_NOFOLLOW: ELOOP, refused by name); undefined when there is none yet. */
export async function openForRead(path: string): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | NOFOLLOW);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw stateFileError(path, cause, 'read');
  }
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw stateFileError(path, Object.assign(new Error('not a file'), { code: 'EISDIR' }), 'read');
  }
  return handle;
}
