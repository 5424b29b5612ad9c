import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { EXPORT_TARGETS } from '../../src/export/index.ts';
import { LOCAL_ISSUE, LOCAL_SLUG, localImageProject } from '../assets/image-fixtures.ts';
import { runCli } from '../helpers/cli.ts';

// Issue 17: every export folder carries the issue's processed images, and its HTML loads them from their hosted URLs.

interface MetaAsset {
  name: string;
  url: string;
  source: string;
}

const RELATIVE = /images\/(photo|shape)\.(jpg|png)/;

describe('newsletter export on an issue with local images', () => {
  it('--platform all: every folder has assets/ as build wrote it, IMPORT.md lists each hosted URL, and the HTML and text carry only hosted URLs', { timeout: 120_000 }, async () => {
    const dir = await localImageProject();
    expect((await runCli(['build', LOCAL_ISSUE], { cwd: dir })).code).toBe(0);
    const out = (...parts: string[]) => join(dir, 'out', LOCAL_SLUG, ...parts);
    const { assets } = JSON.parse(await readFile(out('meta.json'), 'utf8')) as { assets: MetaAsset[] };
    expect(assets).toHaveLength(2);

    const result = await runCli(['export', LOCAL_ISSUE, '--platform', 'all'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    for (const target of EXPORT_TARGETS) {
      const folder = (...parts: string[]) => out(target, ...parts);
      expect((await readdir(folder('assets'))).sort(), target).toEqual(assets.map((a) => a.name.slice('assets/'.length)).sort());
      for (const asset of assets) expect((await readFile(folder(asset.name))).equals(await readFile(out(asset.name))), `${target}/${asset.name}`).toBe(true);

      const guide = await readFile(folder('IMPORT.md'), 'utf8');
      expect(guide, target).toContain('## Images');
      for (const asset of assets) expect(guide, target).toContain(`\`${asset.name}\``);
      for (const asset of assets) expect(guide, target).toContain(`→ ${asset.url}`);
      // The text part loads no images: only the HTML does.
      expect(guide, target).toMatch(/The HTML loads them from https:\/\/hemispherebrief\.example\.com\/issues\//);
      expect(guide, target).not.toMatch(/HTML and text load/);

      const [html, text] = target === 'eml' ? await emlParts(folder('email.eml')) : [await readFile(folder('email.html'), 'utf8'), await readFile(folder('email.txt'), 'utf8')];
      for (const asset of assets) expect(html, target).toContain(`src="${asset.url}"`);
      expect(html, target).not.toMatch(RELATIVE);
      expect(text, target).not.toMatch(RELATIVE);
    }
  });
});

async function emlParts(path: string): Promise<[string, string]> {
  const parsed = await simpleParser(await readFile(path));
  return [typeof parsed.html === 'string' ? parsed.html : '', parsed.text ?? ''];
}
