import { watch, type FSWatcher } from 'node:fs';

/** Editor droppings that are not real edits: vim swap files, emacs locks, backups. */
const IGNORED = /(^|[/\\])(\.#[^/\\]*|[^/\\]*\.sw[px]|[^/\\]*~|4913)$/;

/**
 * Watch folders (recursively) and call onChange once per burst of changes:
 * an editor's save is often several events (write, rename, chmod).
 * Folders that do not exist are skipped; the build reports what is missing.
 */
export function watchFolders(folders: readonly string[], onChange: (changed: string) => void, quietMs = 120): () => void {
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let lastChanged = '';
  for (const folder of folders) {
    try {
      const watcher = watch(folder, { recursive: true }, (_event, name) => {
        const changed = name ? String(name) : folder;
        if (IGNORED.test(changed)) return;
        lastChanged = changed;
        clearTimeout(timer);
        timer = setTimeout(() => onChange(lastChanged), quietMs);
      });
      watcher.on('error', () => watcher.close()); // a folder removed while watched: stop watching it, keep serving
      watchers.push(watcher);
    } catch {
      // Missing folder: nothing to watch.
    }
  }
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
