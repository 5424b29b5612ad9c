import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
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

/**
 * The lines of a state file with their numbers, streamed (bounded memory at any size; lines end at
 * \n, \r\n or \r); nothing when the file does not exist yet. Never through a symlink.
 */
export async function* stateFileLines(path: string): AsyncGenerator<{ line: string; n: number }> {
  const handle = await openForRead(path);
  if (!handle) return;
  const lines = createInterface({ input: handle.createReadStream({ encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) yield { line, n: ++n };
  } catch (cause) {
    throw stateFileError(path, cause, 'read');
  } finally {
    lines.close();
    await handle.close();
  }
}
