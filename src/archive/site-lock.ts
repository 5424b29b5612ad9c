import { randomUUID } from 'node:crypto';
import { link, open, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { NewsletterError } from '../errors.ts';

/*
 * One writer per site folder. Two `newsletter archive` runs on one folder (two terminals, two CI
 * jobs on a shared volume) would otherwise interleave their swaps and both report success over a
 * site neither wrote. The project has no lock library (proper-lockfile would be a dependency for
 * these few lines), so: a lock file beside the folder, created with open(…, 'wx') (O_CREAT|O_EXCL,
 * atomic on local file systems and on NFSv3+), holding the pid and host of its writer. A lock whose
 * writer is gone (its pid no longer exists on this host) is taken over; one from another host
 * cannot be checked, so it is reported with the command to remove it.
 */

interface Holder {
  pid: number;
  host: string;
}

/** `.<name>.lock` beside the site folder (inside it would be swapped away with the folder). */
export const lockPath = (target: string): string => join(dirname(target), `.${basename(target)}.lock`);

/** What a lock taken over was renamed to before removal; a crash can leave one, removed with the other leftovers. */
export const staleLockPrefix = (target: string): string => `${basename(lockPath(target))}.stale-`;

/** Take the lock of a site folder (its parent must exist); the returned function releases it. */
export async function lockSite(target: string): Promise<() => Promise<void>> {
  const path = lockPath(target);
  // Two tries: the second after removing a stale lock; a live one refuses at once.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await create(path)) return () => rm(path, { force: true });
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) continue; // released in between: try again
    const holder = parseHolder(text);
    if (!holder || !isGone(holder)) throw busy(target, path, holder);
    await removeStale(path, text, target);
  }
  throw busy(target, path, undefined);
}

/** Create the lock file with our pid and host, or false if it exists. */
async function create(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${JSON.stringify({ pid: process.pid, host: hostname() } satisfies Holder)}\n`);
  } finally {
    await handle.close();
  }
  return true;
}

/** The holder a lock names; undefined for an empty or foreign file (a writer between open and write looks like this: never stale). */
function parseHolder(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    return Number.isInteger(value.pid) && typeof value.host === 'string' ? { pid: value.pid!, host: value.host } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the holder's process is known to be gone: on this host, and no process has its pid. */
function isGone(holder: Holder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Remove a stale lock without removing a fresh one another writer created after we read it:
 * rename it aside (atomic), and if what moved is not the stale text, link it back. (Three writers
 * racing over one stale lock could still slip through the instant it is aside; a crashed writer
 * plus two new ones at that same moment is left at that.)
 */
async function removeStale(path: string, staleText: string, target: string): Promise<void> {
  const aside = join(dirname(path), `${staleLockPrefix(target)}${randomUUID()}`);
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readFile(aside, 'utf8').catch(() => staleText);
  if (moved !== staleText) await link(aside, path).catch(() => {});
  await rm(aside, { force: true });
}

function busy(target: string, path: string, holder: Holder | undefined): NewsletterError {
  const who = holder ? `pid ${holder.pid} on ${holder.host} holds ${path}` : `${path} does not say which process holds it`;
  const stopped = holder ? `pid ${holder.pid} on ${holder.host} has stopped` : 'no other `newsletter archive` is running';
  return new NewsletterError('EOUTPUT', `Not written: another archive is writing ${target} (${who})`, {
    where: target,
    fix: `Wait for the other run to finish, then run again. If ${stopped}, delete the lock: rm ${path}`,
  });
}
