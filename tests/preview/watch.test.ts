import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { watchFolders, type FolderWatch, type WatchOptions } from '../../src/preview/watch.ts';
import { BIN, tempDir } from '../helpers/cli.ts';
import { ROOT } from '../helpers/content.ts';
import { fetchText, openEvents } from './http.ts';

/** A watcher on `dir` whose changes can be awaited one burst at a time. */
async function watched(dir: string, options: WatchOptions = {}) {
  const changes: string[] = [];
  const waiters: (() => void)[] = [];
  const watcher: FolderWatch = watchFolders([dir, join(dir, 'does-not-exist')], (name) => {
    changes.push(name);
    for (const w of waiters.splice(0)) w();
  }, options);
  await watcher.ready;
  return {
    changes,
    watcher,
    /** Resolves at the next burst reported after this call. */
    nextChange: () => new Promise<void>((resolve) => waiters.push(resolve)),
  };
}

/** How vim (backupcopy=no) and JetBrains' safe write save: a new file renamed over the old one. */
/**
 * After a save that gave the file a new inode, chokidar's poller re-watches it with a new
 * fs.watchFile, whose first stat is asynchronous: a second save within that moment becomes its
 * baseline. An editor never saves twice within half a second; a loaded test machine can.
 */
async function settle(options: WatchOptions): Promise<void> {
  if (options.poll) await delay(600);
}

async function renameSave(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp-save`;
  await writeFile(temp, text);
  await rename(temp, file);
}

describe.each([
  ['inotify (chokidar)', {}],
  ['polling', { poll: true }],
])('watchFolders with %s', (_name, options: WatchOptions) => {
  it('reports a write in a nested folder, naming the file relative to the watched folder', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'issues', 'drafts'), { recursive: true });
    const w = await watched(dir, options);
    try {
      const changed = w.nextChange();
      const file = join(dir, 'issues', 'drafts', 'next.md');
      await writeFile(file, 'one');
      await writeFile(file, 'two');
      await writeFile(file, 'three');
      await changed;
      expect(w.changes).toEqual([join('issues', 'drafts', 'next.md')]);
    } finally {
      await w.watcher.close();
    }
  });

  it('keeps seeing a file after a save that replaced it by rename: the rename-save and a later in-place edit both report', async () => {
    const dir = await tempDir();
    const file = join(dir, 'issue.md');
    await writeFile(file, 'one');
    const w = await watched(dir, options);
    try {
      let changed = w.nextChange();
      await renameSave(file, 'two');
      await changed;
      await settle(options);
      changed = w.nextChange();
      await writeFile(file, 'three'); // Node 20's fs.watch(recursive) never reports this one
      await changed;
      expect(w.changes.at(-1)).toBe('issue.md');
    } finally {
      await w.watcher.close();
    }
  });

  it('keeps seeing a file after `sed -i` gave it a new inode', async () => {
    const dir = await tempDir();
    const file = join(dir, 'issue.md');
    await writeFile(file, 'one\n');
    const inode = (await stat(file)).ino;
    const w = await watched(dir, options);
    try {
      let changed = w.nextChange();
      execFileSync('sed', ['-i', 's/one/two/', file]);
      await changed;
      expect((await stat(file)).ino, 'sed -i replaces the file').not.toBe(inode);
      await settle(options);
      changed = w.nextChange();
      await writeFile(file, 'three\n');
      await changed;
      expect(await readFile(file, 'utf8')).toBe('three\n');
      expect(w.changes.at(-1)).toBe('issue.md');
    } finally {
      await w.watcher.close();
    }
  });
});

it('a watched folder created after the watcher started is seen', async () => {
  const dir = await tempDir();
  const changes: string[] = [];
  let notify: () => void = () => {};
  const changed = new Promise<void>((resolve) => (notify = resolve));
  const watcher = watchFolders([join(dir, 'content')], (name) => {
    changes.push(name);
    notify();
  });
  await watcher.ready;
  try {
    await mkdir(join(dir, 'content'));
    await writeFile(join(dir, 'content', 'newsletter.yml'), 'name: x\n');
    await changed;
    expect(changes.length).toBe(1);
  } finally {
    await watcher.close();
  }
});

it('ignores editor droppings (vim swap files, backups)', async () => {
  const dir = await tempDir();
  const w = await watched(dir);
  try {
    const changed = w.nextChange();
    await writeFile(join(dir, '.issue.md.swp'), 'x');
    await writeFile(join(dir, 'issue.md~'), 'x');
    await writeFile(join(dir, '4913'), 'x');
    await writeFile(join(dir, 'issue.md'), 'real');
    await changed;
    expect(w.changes).toEqual(['issue.md']);
  } finally {
    await w.watcher.close();
  }
});

/** `newsletter preview --port 0` as a child process (optionally through a wrapper command), until its URL is printed. */
async function startPreviewCli(cwd: string, wrapper: string[] = []) {
  const argv = [...wrapper, process.execPath, BIN, 'preview', '--content', 'content', '--port', '0'];
  const child = spawn(argv[0] ?? '', argv.slice(1), { cwd, env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /Preview at (\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`preview exited with ${code} before listening:\n${output}`)));
  });
  const events = openEvents(url);
  return {
    url,
    output: () => output,
    /** Resolves once the served page contains `text`, checking after every build. */
    async pageShows(text: string): Promise<void> {
      for (let generation = 0; ; ) {
        if ((await fetchText(url)).body.includes(text)) return;
        generation = await events.buildAfter(generation);
      }
    },
    async stop(): Promise<void> {
      events.close();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const ISSUE = join('content', 'issues', '2026-02-05-trump-petro-oval-office.md');
const SUBJECT = 'subject: Trump and Petro’s unlikely Oval Office meeting';

/** A rename-save then an in-place edit of the issue's subject, each seen on the served page. */
async function editTwiceAndSee(dir: string, preview: Awaited<ReturnType<typeof startPreviewCli>>): Promise<void> {
  const file = join(dir, ISSUE);
  const source = await readFile(file, 'utf8');
  await renameSave(file, source.replace(SUBJECT, 'subject: Saved by rename'));
  await preview.pageShows('Saved by rename');
  await writeFile(file, source.replace(SUBJECT, 'subject: Edited in place'));
  await preview.pageShows('Edited in place');
}

describe('newsletter preview (CLI) follows every save', () => {
  it('a rename-save, then an in-place edit, both reach the served page', async () => {
    const dir = await tempDir();
    await cp(join(ROOT, 'content'), join(dir, 'content'), { recursive: true });
    const preview = await startPreviewCli(dir);
    try {
      await editTwiceAndSee(dir, preview);
      expect(preview.output()).not.toContain('polling');
    } finally {
      await preview.stop();
    }
  });

  // A user namespace of our own, whose inotify limit we may lower without touching the machine's.
  const unshare = spawnSync('unshare', ['-Ur', 'sh', '-c', 'echo 2 > /proc/sys/user/max_inotify_watches'], { stdio: 'ignore' }).status === 0;
  if (!unshare) console.warn(`inotify-limit test skipped: cannot create a user namespace (unshare -Ur)${process.env.CI === 'true' ? ' — CI must allow it' : ''}`);

  it.skipIf(!unshare && process.env.CI !== 'true')('when the inotify limit is reached (ENOSPC), says so in one line, polls, and still follows every save', async () => {
    const dir = await tempDir();
    await cp(join(ROOT, 'content'), join(dir, 'content'), { recursive: true });
    const limited = ['unshare', '-Ur', 'sh', '-c', 'echo 2 > /proc/sys/user/max_inotify_watches && exec "$@"', 'sh'];
    const preview = await startPreviewCli(dir, limited);
    try {
      await editTwiceAndSee(dir, preview);
      expect(preview.output().match(/^· Watching by polling: the system limit for file watchers is reached \(ENOSPC\)\. .*max_user_watches/gm)).toHaveLength(1);
    } finally {
      await preview.stop();
    }
  });
});
