import { constants, fstatSync, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { NewsletterError } from '../errors.ts';
import { EXAMPLE_HEADER } from './header.ts';

/**
 * What `--to` names: a regular file can be read as often as needed (a row
 * estimate for the progress total, a --strict pass, then the send); a stream
 * (a pipe, `/dev/stdin`, `<(…)`, a FIFO made with mkfifo) can be read once.
 */
export type ListFileKind = 'file' | 'stream';

export interface ListInput {
  stream: Readable;
  close: () => Promise<void>;
}

const FIX_FILE = `Pass the CSV file with --to, e.g. --to subscribers.csv (header: "${EXAMPLE_HEADER}").`;

/**
 * Refuses what can never be a list with ESUBSCRIBERS (exit 1): a missing path,
 * a folder, and devices. /dev/zero or /dev/urandom would be read forever
 * (no line ever ends; the 256 KB record limit only trips after a long wait).
 */
export async function listFileKind(path: string): Promise<ListFileKind> {
  const stats = await statList(path);
  return kindOf(path, stats);
}

async function statList(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (cause) {
    throw cannotRead(path, cause);
  }
}

function kindOf(path: string, stats: Stats): ListFileKind {
  if (stats.isFile()) return 'file';
  if (stats.isFIFO() || stats.isSocket()) return 'stream';
  if (stats.isDirectory())
    throw new NewsletterError('ESUBSCRIBERS', `Cannot read the subscriber list ${path}: it is a folder`, { where: path, fix: FIX_FILE });
  throw new NewsletterError('ESUBSCRIBERS', `Cannot read the subscriber list ${path}: it is a device, not a file${stats.isCharacterDevice() ? ' (a terminal, /dev/zero, /dev/urandom…)' : ''}`, {
    where: path,
    fix: `${FIX_FILE} To read the list from a pipe: some-command | newsletter send --to /dev/stdin`,
  });
}

/** Standard input has nothing to release but the stream itself. */
function closeStdin(): Promise<void> {
  process.stdin.destroy();
  return Promise.resolve();
}

/**
 * Open the list for one read. A FIFO opened by name waits for a writer, as
 * `cat` does (that wait is inherent to FIFOs); `signal` (Ctrl-C) ends the
 * wait. Standard input is read through process.stdin: when it is a socket
 * (what a parent process's `spawn` makes), opening /dev/stdin by name fails
 * with ENXIO.
 */
export async function openListInput(path: string, signal?: AbortSignal): Promise<ListInput> {
  const stats = await statList(path);
  const kind = kindOf(path, stats);
  if (kind === 'stream' && isStdin(stats)) return { stream: process.stdin, close: closeStdin };
  if (stats.isSocket())
    throw new NewsletterError('ESUBSCRIBERS', `Cannot read the subscriber list ${path}: it is a socket`, { where: path, fix: `${FIX_FILE} Or pipe it in: … | newsletter send --to /dev/stdin` });
  let handle: FileHandle;
  try {
    handle = stats.isFIFO() && signal ? await openFifo(path, signal) : await open(path, 'r');
  } catch (cause) {
    throw cause instanceof NewsletterError ? cause : cannotRead(path, cause);
  }
  // 16 KB reads (~300 rows), not 256 KB: csv-parse turns a whole chunk into row objects at once
  // (back-pressure only applies between chunks), and rows that wait long for the sending workers
  // outlive two young-generation GCs and are promoted to the old generation, which then grows to a
  // few times its live size. Measured on 200,000 rows through the big-list benchmark's pipeline:
  // 256 KB reads promoted 47 MB, 113 full GCs, peak RSS 184 MB; 16 KB reads 15 MB, 1, 153 MB,
  // and less CPU. (8 KB was no better.)
  const stream = handle.createReadStream({ highWaterMark: 16 * 1024, autoClose: false });
  return {
    stream,
    close: async () => {
      stream.destroy();
      await handle.close().catch(() => {});
    },
  };
}

/**
 * open() of a FIFO blocks in a worker thread until a writer appears, and
 * nothing can cancel it. To stop waiting, be that writer for a moment: a
 * non-blocking open for writing succeeds because our reader is there, which
 * completes the pending open; closing it at once leaves the reader at EOF.
 */
async function openFifo(path: string, signal: AbortSignal): Promise<FileHandle> {
  if (signal.aborted) throw stoppedWaiting(path);
  const release = () => void open(path, constants.O_WRONLY | constants.O_NONBLOCK).then((h) => h.close(), () => {});
  signal.addEventListener('abort', release, { once: true });
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } finally {
    signal.removeEventListener('abort', release);
  }
  if (!signal.aborted) return handle;
  await handle.close();
  throw stoppedWaiting(path);
}

function stoppedWaiting(path: string): NewsletterError {
  return new NewsletterError('ESUBSCRIBERS', `Stopped while waiting for a program to write the list to ${path} (nothing was sent)`, {
    where: path,
    fix: `Start the program that writes to ${path} (e.g. cat subscribers.csv > ${path}), then run the same command again.`,
    reason: 'stoppedWaitingForList',
  });
}

/** Same inode as file descriptor 0: `--to /dev/stdin`, `/dev/fd/0`, `/proc/self/fd/0`. */
function isStdin(stats: Stats): boolean {
  try {
    const fd0 = fstatSync(0);
    return fd0.dev === stats.dev && fd0.ino === stats.ino;
  } catch {
    return false;
  }
}

export function cannotRead(path: string, error: unknown): NewsletterError {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  return new NewsletterError('ESUBSCRIBERS', `Cannot read the subscriber list ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message}`, {
    where: path,
    fix: code === 'ENOENT' || code === 'EISDIR' ? FIX_FILE : 'Check the file permissions.',
    cause: error,
  });
}
