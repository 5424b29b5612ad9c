import { existsSync, statfsSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { watch, type FSWatcher } from 'chokidar';

/** Editor droppings that are not real edits: vim swap files, emacs locks, backups. */
const IGNORED = /(^|[/\\])(\.#[^/\\]*|[^/\\]*\.sw[px]|[^/\\]*~|4913)$/;

/** fs.watch cannot add a watch: the inotify limits (fs.inotify.max_user_watches / max_user_instances) are reached. */
const WATCH_LIMIT_CODES = new Set(['ENOSPC', 'EMFILE']);

/** How often a polling watcher stats each file. */
const POLL_MS = 250;

/**
 * Linux file systems where inotify misses edits made on the other side (another machine,
 * the Windows or macOS host of WSL 2 or Docker): statfs f_type magic numbers from statfs(2).
 */
const REMOTE_FILESYSTEMS = new Map<number, string>([
  [0x6969, 'NFS'],
  [0x517b, 'SMB'],
  [0xff534d42, 'CIFS'],
  [0xfe534d42, 'SMB2'],
  [0x01021997, '9p (WSL 2 / VM shared folder)'],
  [0x65735546, 'FUSE (sshfs, Docker Desktop)'],
]);

export interface WatchOptions {
  /** A burst of events ends after this many quiet milliseconds (default 120). */
  quietMs?: number | undefined;
  /** Poll instead of using inotify. Chokidar also honours CHOKIDAR_USEPOLLING=1. */
  poll?: boolean | undefined;
  /** Told, once, when the watcher polls instead of using inotify, and why. */
  onNotice?: ((message: string) => void) | undefined;
}

export interface FolderWatch {
  /** Resolves once the initial scan is done: from then on every save is seen. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Watch folders (recursively) and call onChange once per burst of changes, with the
 * path relative to its watched folder: an editor's save is often several events.
 * Chokidar, not fs.watch(recursive): Node 20's recursive watcher loses a file that a
 * save replaces by rename (vim, JetBrains safe write, sed -i), and later edits go unseen.
 * The quiet period debounces instead of awaitWriteFinish, whose size polling adds seconds.
 * A folder that does not exist yet is watched for from its parent; the build reports it missing.
 */
export function watchFolders(watched: readonly string[], onChange: (changed: string) => void, options: WatchOptions = {}): FolderWatch {
  const folders = outermost(watched);
  const burst = quietPeriod(folders, onChange, options.quietMs ?? 120);
  const remote = options.poll ? undefined : remoteFolder(folders);
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let watcher = open(options.poll === true || remote !== undefined);
  if (remote) options.onNotice?.(`Watching by polling: ${remote.folder} is on ${remote.kind}, where inotify misses edits made outside this machine.`);
  else if (watcher.options.usePolling && !options.poll) options.onNotice?.('Watching by polling, as CHOKIDAR_USEPOLLING asks.');

  function open(usePolling: boolean): FSWatcher {
    const w = watch([...folders], { ignoreInitial: true, ignored: (path) => IGNORED.test(path), usePolling, interval: POLL_MS });
    w.on('all', (_event, path) => burst.fire(path));
    w.on('ready', () => void watchingParents(w, folders).then(() => w === watcher && markReady()));
    w.on('error', (error) => fallBackToPolling(w, error));
    return w;
  }

  /** inotify out of watches: poll instead, and say so once. Other errors (a folder removed) keep the watcher as it is. */
  function fallBackToPolling(w: FSWatcher, error: unknown): void {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (w !== watcher || w.options.usePolling || !WATCH_LIMIT_CODES.has(code)) return;
    watcher = open(true);
    void w.close();
    options.onNotice?.(`Watching by polling: the system limit for file watchers is reached (${code}). To use inotify again, raise fs.inotify.max_user_watches (sudo sysctl fs.inotify.max_user_watches=524288).`);
  }

  return {
    ready,
    close: async () => {
      burst.cancel();
      await watcher.close();
    },
  };
}

/**
 * The folders without those inside another one, which recursion covers. Not only tidier:
 * chokidar 4 watches a missing folder through its parent's watcher, and when that parent
 * is itself watched, the parent then reports only the missing name (new files go unseen).
 */
function outermost(folders: readonly string[]): string[] {
  const all = [...new Set(folders.map((f) => resolve(f)))];
  return all.filter((f) => !all.some((other) => other !== f && f.startsWith(other.endsWith(sep) ? other : other + sep)));
}

/**
 * Chokidar says ready before it watches, from the nearest existing parent, a folder that
 * does not exist yet: wait for that too, so a folder created next is seen. Bounded (~1 s).
 */
async function watchingParents(w: FSWatcher, folders: readonly string[]): Promise<void> {
  const parents = folders.filter((f) => !existsSync(f)).map(nearestExisting);
  for (let i = 0; i < 200 && !parents.every((p) => p in w.getWatched()); i++) await delay(5);
  // fs.watchFile takes each file's first stat asynchronously, after chokidar's ready: a save
  // before that stat becomes the baseline and is never reported. Two intervals cover it.
  if (w.options.usePolling) await delay(2 * POLL_MS);
}

function nearestExisting(folder: string): string {
  let dir = dirname(folder);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Call onChange with the last changed path once events stop for quietMs. */
function quietPeriod(folders: readonly string[], onChange: (changed: string) => void, quietMs: number) {
  let timer: NodeJS.Timeout | undefined;
  let last = '';
  return {
    fire(path: string): void {
      last = relativeToFolder(folders, path);
      clearTimeout(timer);
      timer = setTimeout(() => onChange(last), quietMs);
    },
    cancel: () => clearTimeout(timer),
  };
}

/** The path relative to the watched folder that holds it (the folder itself when it is the one that changed). */
function relativeToFolder(folders: readonly string[], path: string): string {
  const folder = folders.find((f) => path === f || path.startsWith(f.endsWith(sep) ? f : f + sep));
  return folder === undefined || path === folder ? path : relative(folder, path);
}

function remoteFolder(folders: readonly string[]): { folder: string; kind: string } | undefined {
  if (process.platform !== 'linux') return undefined; // the magic numbers are Linux's
  for (const folder of folders) {
    try {
      const kind = REMOTE_FILESYSTEMS.get(statfsSync(folder).type);
      if (kind) return { folder, kind };
    } catch {
      // Missing folder: chokidar waits for it.
    }
  }
  return undefined;
}
