import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { NewsletterError } from '../errors.ts';
import { NOFOLLOW, STATE_FILE_MODE, stateFileError, symlinkRefused } from '../output/index.ts';

/**
 * One sender per journal: two processes sending the same issue to the same
 * list would each send to everyone.
 *
 * Hand-written rather than proper-lockfile: that one decides staleness by
 * mtime, so a long send that stalls (a throttling server) could lose its lock;
 * here a lock is stale only when its pid is provably gone on this host.
 *
 * - Taking it is atomic: the owner's line is written to a private temp file
 *   in the same folder, synced, then link()ed to the lock path. link() fails
 *   with EEXIST when someone holds it, and a lock file is never seen half
 *   written. An empty, partial or unreadable lock file is therefore *busy*.
 * - Taking over a stale lock goes through a guard (`<lock>.takeover`, taken
 *   the same way): only its holder may remove a lock, and only when the lock
 *   still holds exactly the stale content it saw. Two processes that both saw
 *   the stale lock cannot both end up holding a lock.
 */
export interface Lock {
  release(): Promise<void>;
}

/** Who takes a lock, for its refusals: the send's journal lock by default, `newsletter bounces` for its own. */
export interface LockUse {
  code: 'ESEND' | 'ESTATE';
  reason: 'lockHeld' | 'bouncesLocked';
  /** "the send lock" */
  name: string;
  /** "`newsletter send`" */
  holder: string;
  /** "sending this issue to this list" */
  doing: string;
  /** "of this issue to this list" */
  scope: string;
  /** "nothing sent" */
  nothing: string;
}

interface Owner {
  pid: number;
  /** Absent in locks written by older versions (this host, then). */
  host: string | undefined;
  raw: string;
}

const HOST = hostname();
const RDONLY = constants.O_RDONLY | NOFOLLOW;
const CREATE_EXCL = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;

/** Locks this process holds: a second send in the same process is refused too. */
const held = new Set<string>();

export async function acquireLock(path: string, use: LockUse): Promise<Lock> {
  if (held.has(path)) throw busy(path, process.pid, use);
  const content = `${process.pid}\n${HOST}\n${new Date().toISOString()}\n${randomBytes(8).toString('hex')}\n`;
  const tmp = await writeTemp(path, content, use);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await tryLink(tmp, path, use)) return hold(path, content);
      const owner = await readOwner(path);
      if (owner === 'gone') continue; // released between our link() and read: try again
      if (!owner) throw unreadable(path, use);
      if (!provablyGone(owner)) throw busy(path, owner.pid, use);
      await takeOver(path, owner, tmp, use);
    }
  } finally {
    await unlink(tmp).catch(() => {});
  }
  throw new NewsletterError(use.code, `Could not take ${use.name}: it kept changing hands`, {
    where: path,
    fix: `Another ${use.holder} ${use.scope} is starting or stopping; run the command again in a moment.`,
    reason: use.reason,
  });
}

function hold(path: string, content: string): Lock {
  held.add(path);
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      held.delete(path);
      // Remove it only while it is still ours (never a lock someone else took after a manual rm).
      const owner = await readOwner(path).catch(() => undefined);
      if (owner !== 'gone' && owner?.raw === content) await unlink(path).catch(() => {});
    },
  };
}

/** Remove the stale lock `stale`, holding the takeover guard; the caller then links its own. */
async function takeOver(path: string, stale: Owner, tmp: string, use: LockUse): Promise<void> {
  const guard = `${path}.takeover`;
  if (!(await tryLink(tmp, guard, use))) {
    const other = await readOwner(guard);
    if (other === 'gone') return;
    if (other && !provablyGone(other)) throw busy(path, other.pid, use);
    throw new NewsletterError(use.code, `A takeover of ${use.name} was left unfinished${other ? ` by pid ${other.pid}, which is gone` : ''}`, {
      where: guard,
      fix: `If no ${use.holder} ${use.scope} is running, remove it (rm ${JSON.stringify(guard)}), then run the command again.`,
      reason: use.reason,
    });
  }
  try {
    // Under the guard nobody else removes the lock, and a dead owner cannot: if it still
    // holds the stale content, removing it removes only the stale lock.
    const now = await readOwner(path);
    if (now !== 'gone' && now?.raw === stale.raw) await unlink(path);
  } finally {
    await unlink(guard).catch(() => {});
  }
}

/** Gone only when this host says so: a live pid (EPERM too) or another host's lock is busy. */
function provablyGone(owner: Owner): boolean {
  if (owner.host !== undefined && owner.host !== HOST) return false;
  // Our own pid on a lock we do not hold: a dead process whose pid this process reuses.
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The owner written in a lock file; undefined when empty, partial or unreadable; 'gone' when missing. */
async function readOwner(path: string): Promise<Owner | 'gone' | undefined> {
  let raw: string;
  try {
    const fh = await open(path, RDONLY);
    try {
      const { buffer, bytesRead } = await fh.read(Buffer.alloc(4096), 0, 4096, 0);
      raw = buffer.toString('utf8', 0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'gone';
    if (code === 'ELOOP') throw symlinkRefused(path);
    return undefined;
  }
  const [pid, host] = raw.split('\n');
  if (!raw.endsWith('\n') || !pid || !/^[1-9][0-9]{0,9}$/.test(pid)) return undefined;
  return { pid: Number(pid), host: host || undefined, raw };
}

/** link() that reports "somebody is there" as false. */
async function tryLink(from: string, to: string, use: LockUse): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw folderError(to, error, use);
  }
}

/** The owner line in a private (0600) temp file next to the lock, on disk before it is linked. */
async function writeTemp(path: string, content: string, use: LockUse): Promise<string> {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let fh;
  try {
    fh = await open(tmp, CREATE_EXCL, STATE_FILE_MODE);
  } catch (error) {
    throw folderError(tmp, error, use);
  }
  try {
    await fh.writeFile(content);
    await fh.sync();
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw stateFileError(tmp, error, 'write');
  } finally {
    await fh.close();
  }
  return tmp;
}

/** The state folder cannot take a new file (read-only, full, missing): say which folder. */
function folderError(file: string, cause: unknown, use: LockUse): NewsletterError {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') return stateFileError(file, cause, 'create');
  const dir = dirname(file);
  return new NewsletterError('ESTATE', `Cannot take ${use.name}: the state folder ${dir} is not writable (${code === 'EROFS' ? 'the file system is read-only' : 'permission denied'})`, {
    where: dir,
    fix: `Make ${dir} writable by this user, or pass --state DIR with a writable folder; then run the same command again (${use.nothing}).`,
    cause,
  });
}

function busy(path: string, pid: number, use: LockUse): NewsletterError {
  return new NewsletterError(use.code, `Another ${use.holder} (pid ${pid}) is already ${use.doing}`, {
    where: path,
    fix: `Wait for it to finish or stop it (Ctrl-C, or kill ${pid}); then run the command again to resume.`,
    reason: use.reason,
  });
}

function unreadable(path: string, use: LockUse): NewsletterError {
  return new NewsletterError(use.code, `${use.name.replace(/^the/, 'The')} ${path} is empty or unreadable, so another ${use.holder} may hold it (this one is refused, ${use.nothing})`, {
    where: path,
    fix: `If another ${use.holder} ${use.scope} is starting, let it run. If no ${use.holder} is running (check with ps), remove the lock (rm ${JSON.stringify(path)}) and run the command again.`,
    reason: use.reason,
  });
}
