import { basename, dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import { NewsletterError } from '../errors.ts';

/*
 * One writer per site folder. Two `newsletter archive` runs on one folder (two terminals, two CI
 * jobs on a shared volume) would otherwise interleave their swaps and both report success over a
 * site neither wrote. proper-lockfile's lock is a folder made with mkdir (atomic, also on NFS)
 * whose mtime the holder refreshes while it writes: a lock not refreshed for STALE_MS is a
 * crashed run's, whoever and wherever it was, so no pid or host name is trusted (a restarted
 * container reuses both) and nothing needs removing by hand.
 */

/** A lock not refreshed for this long is taken over; the holder refreshes it every UPDATE_MS. */
const STALE_MS = 30_000;
const UPDATE_MS = 5_000;

/** `.<name>.lock` beside the site folder (inside it would be swapped away with the folder). */
export const lockPath = (target: string): string => join(dirname(target), `.${basename(target)}.lock`);

export interface SiteLock {
  /** Throws if the lock was lost while writing (its refresh failed or came too late): do not swap then. */
  assertHeld(): void;
  release(): Promise<void>;
}

/** Take the lock of a site folder (its parent must exist). */
export async function lockSite(target: string): Promise<SiteLock> {
  const path = lockPath(target);
  let lost: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      lockfilePath: path,
      stale: STALE_MS,
      update: UPDATE_MS,
      retries: 0,
      // Default: throw from a timer (the process dies mid-write). Here the write checks before its swap.
      onCompromised: (error) => {
        lost = error;
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') throw busy(target, path);
    throw error;
  }
  return {
    assertHeld() {
      if (lost)
        throw new NewsletterError('EOUTPUT', `Not written: the lock on ${target} was lost while writing (${lost.message}); another run may have taken it`, {
          where: path,
          fix: 'Run `newsletter archive` again once no other run is writing this folder.',
        });
    },
    release: () => (lost ? Promise.resolve() : release()),
  };
}

function busy(target: string, path: string): NewsletterError {
  return new NewsletterError('EOUTPUT', `Not written: another archive is writing ${target} (it holds ${path})`, {
    where: target,
    fix: `Wait for the other run to finish, then run again. A lock left by a run that was killed is taken over ${STALE_MS / 1000} s after it stopped; nothing needs deleting.`,
  });
}
