import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchFolders } from '../../src/preview/watch.ts';
import { tempDir } from '../helpers/cli.ts';

describe('watchFolders', () => {
  it('reports a write in a nested folder, naming the file relative to the watched folder', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'issues', 'drafts'), { recursive: true });
    const changes: string[] = [];
    let notify: () => void = () => {};
    const changed = new Promise<void>((resolve) => (notify = resolve));
    const stop = watchFolders([dir, join(dir, 'does-not-exist')], (name) => {
      changes.push(name);
      notify();
    });
    try {
      const file = join(dir, 'issues', 'drafts', 'next.md');
      await writeFile(file, 'one');
      await writeFile(file, 'two');
      await writeFile(file, 'three');
      await changed;
      expect(changes).toEqual([join('issues', 'drafts', 'next.md')]);
    } finally {
      stop();
    }
  });
});
