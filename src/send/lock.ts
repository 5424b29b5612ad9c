import { open, readFile, unlink } from 'node:fs/promises';
import { NewsletterError } from '../errors.ts';

export interface Lock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Locks this process holds: a second send in the same process is refused too. */
const held = new Set<string>();

function busy(path: string, pid: number): NewsletterError {
  return new NewsletterError('ESEND', `Another \`newsletter send\` (pid ${pid}) is already sending this issue to this list`, {
    where: path,
    fix: `Wait for it to finish or stop it (Ctrl-C, or kill ${pid}); then run the command again to resume.`,
    exitCode: 1,
  });
}

/**
 * One sender per journal: two processes sending the same issue to the same
 * list would each send to everyone. The lock file holds the owner's pid; a
 * lock left by a process that no longer runs (kill -9, power loss) is taken over.
 */
export async function acquireLock(path: string): Promise<Lock> {
  if (held.has(path)) throw busy(path, process.pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      held.add(path);
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          held.delete(path);
          await unlink(path).catch(() => {});
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      // Our own pid without our own lock: a dead process whose pid was reused by us.
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw busy(path, pid);
      await unlink(path).catch(() => {});
    }
  }
  throw new NewsletterError('ESEND', 'Could not take the send journal lock', { where: path, fix: `Remove ${path} if no send is running.`, exitCode: 1 });
}
