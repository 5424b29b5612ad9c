/**
 * A Maildir (https://cr.yp.to/proto/maildir.html): one message per file, delivered into tmp/
 * and renamed into new/; a reader that has seen a message moves it to cur/ with an info suffix
 * ":2,FLAGS" (flags in ASCII order), "S" meaning seen. tmp/ is never read (half-written
 * deliveries). Only ":" is taken as the info separator: the "!" some clients use on filesystems
 * without ":" is not recognised (such a file is read again next run; the lead's record of
 * Message-IDs keeps that harmless).
 */
import { lstat, readdir, rename, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NewsletterError } from '../../errors.ts';
import { readBoundedFile, type BounceSource, type SkippedMessage, type SourceMessage } from './source.ts';

const INFO = ':2,';

interface Entry {
  path: string;
  mtimeMs: number;
}

/** The flags of a file name's info suffix, or undefined when it has none. */
export function maildirFlags(name: string): string | undefined {
  const at = name.lastIndexOf(INFO);
  return at === -1 ? undefined : name.slice(at + INFO.length);
}

/** The name with flag F added to its info suffix (":2,S" added when it has none), flags sorted in ASCII order. */
export function withFlag(name: string, flag: string): string {
  const at = name.lastIndexOf(INFO);
  const base = at === -1 ? name : name.slice(0, at);
  const flags = new Set(at === -1 ? '' : name.slice(at + INFO.length));
  flags.add(flag);
  return `${base}${INFO}${[...flags].sort().join('')}`;
}

async function isDirectory(path: string): Promise<boolean> {
  // lstat: a cur/ or new/ that is a symbolic link is not followed.
  return (await lstat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function assertMaildir(dir: string): Promise<void> {
  const root = await stat(dir).catch((error: NodeJS.ErrnoException) => error);
  if (root instanceof Error) {
    throw new NewsletterError('EUSAGE', `--maildir ${dir}: ${root.code === 'ENOENT' ? 'no such folder' : `cannot be read (${root.code ?? root.message})`}.`, {
      where: dir,
      fix: 'Give --maildir the Maildir folder the bounces are delivered to (the one holding cur/, new/ and tmp/).',
      cause: root,
    });
  }
  const missing = [];
  for (const sub of ['cur', 'new', 'tmp']) if (!(await isDirectory(join(dir, sub)))) missing.push(`${sub}/`);
  if (!root.isDirectory() || missing.length > 0) {
    throw new NewsletterError('EUSAGE', `--maildir ${dir} is not a Maildir: no ${root.isDirectory() ? missing.join(' ') : 'cur/ new/ tmp/ (not a folder)'}.`, {
      where: dir,
      fix: 'Give --maildir the Maildir folder itself (the one holding cur/, new/ and tmp/), or use --mbox FILE for a single mailbox file.',
    });
  }
}

/** Regular files of one sub-folder that pass `keep`, with their mtime; symbolic links and anything else are left out. */
async function listFiles(folder: string, keep: (name: string) => boolean): Promise<Entry[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const out: Entry[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith('.') || !keep(entry.name)) continue;
    const path = join(folder, entry.name);
    // Gone since the listing (another reader moved it): skipped silently.
    const info = await lstat(path).catch(() => undefined);
    if (info?.isFile()) out.push({ path, mtimeMs: info.mtimeMs });
  }
  return out;
}

export async function openMaildir(dirArg: string, options: { all?: boolean } = {}): Promise<BounceSource> {
  const dir = resolve(dirArg);
  await assertMaildir(dir);
  const all = options.all === true;
  const unseen = (name: string) => all || !(maildirFlags(name) ?? '').includes('S');
  // Names only (a few dozen bytes each), read one message at a time below.
  const entries = [...(await listFiles(join(dir, 'new'), () => true)), ...(await listFiles(join(dir, 'cur'), unseen))];
  // Oldest first: delivery time (new/'s rename keeps it), then the name (Maildir names start with the time).
  entries.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const skipped: SkippedMessage[] = [];
  const newCount = entries.filter((e) => e.path.startsWith(join(dir, 'new') + '/')).length;

  return {
    describe: `Maildir ${dir} (${newCount} new, ${entries.length - newCount} in cur/${all ? '' : ' not seen'})`,
    skipped,
    async *messages(): AsyncGenerator<SourceMessage> {
      for (const { path } of entries) {
        const read = await readBoundedFile(path);
        if (read.ok) yield { ref: path, raw: read.raw };
        else if (!('vanished' in read)) skipped.push({ ref: path, reason: read.reason });
      }
    },
    markProcessed: (message) => markSeen(dir, message.ref),
    close: async () => {},
  };
}

/** new/NAME → cur/NAME:2,S; cur/NAME:2,FLAGS → cur/NAME:2,FLAGS+S. A file gone meanwhile (another reader) is left to it. */
async function markSeen(dir: string, path: string): Promise<void> {
  const newDir = join(dir, 'new') + '/';
  const curDir = join(dir, 'cur') + '/';
  const folder = path.startsWith(newDir) ? newDir : path.startsWith(curDir) ? curDir : undefined;
  const name = folder === undefined ? '' : path.slice(folder.length);
  if (folder === undefined || name === '' || name.includes('/')) throw new Error(`Maildir markProcessed: ${path} is not a message of ${dir}`);
  const target = join(curDir, withFlag(name, 'S'));
  if (target === path) return;
  try {
    await rename(path, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new NewsletterError('EOUTPUT', `Could not mark ${path} as processed: ${(error as Error).message}.`, {
        where: path,
        fix: `Check that this user may rename files in ${dir}/new and ${dir}/cur, then run the same command again (what was recorded is not applied twice).`,
        cause: error,
      });
    }
  }
}
