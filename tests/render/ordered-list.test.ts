import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildIssue } from '../../src/render/build.ts';
import { tempDir } from '../helpers/cli.ts';
import { ROOT } from '../helpers/content.ts';
import { parseDocument } from '../helpers/render.ts';

const ISSUE = join('content', 'issues', '2026-02-05-trump-petro-oval-office.md');

/** The seed issue with a list appended to its body. */
async function seedWithList(list: string) {
  const dir = await tempDir();
  await cp(join(ROOT, 'content'), join(dir, 'content'), { recursive: true });
  const file = join(dir, ISSUE);
  await writeFile(file, `${(await readFile(file, 'utf8')).trimEnd()}\n\n${list}\n`);
  return buildIssue({ cwd: dir, contentDir: join(dir, 'content') });
}

describe('ordered lists', () => {
  it('keep the number the author started at, in HTML and in the plain text', async () => {
    const built = await seedWithList('3. Third point\n4. Fourth point');
    const ol = [...parseDocument(built.html).querySelectorAll('ol')].find((el) => el.textContent?.includes('Third point'));
    expect(ol?.getAttribute('start')).toBe('3');
    expect(built.text).toMatch(/^ *3\. Third point$/m);
    expect(built.text).toMatch(/^ *4\. Fourth point$/m);
  });

  it('starting at 1 carry no start attribute', async () => {
    const built = await seedWithList('1. First point\n2. Second point');
    const ol = [...parseDocument(built.html).querySelectorAll('ol')].find((el) => el.textContent?.includes('First point'));
    expect(ol).toBeDefined();
    expect(ol?.hasAttribute('start')).toBe(false);
    expect(built.text).toMatch(/^ *1\. First point$/m);
  });
});
