import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { selectAll } from 'css-select';
import type { Element } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { LOCAL_ISSUE, LOCAL_SLUG, localImageProject } from './image-fixtures.ts';

interface MetaAsset {
  name: string;
  bytes: number;
  width: number;
  height: number;
  source: string;
  url: string;
}

const out = (dir: string, ...parts: string[]) => join(dir, 'out', LOCAL_SLUG, ...parts);
const images = (html: string) => selectAll<Element, Element>('img', parseDocument(html).children as Element[]).map((img) => img.attribs);

describe('newsletter build with local images', () => {
  it('writes out/<slug>/assets/, lists each file with its size and source, and puts only hosted URLs in email.html, email.txt and meta.json', async () => {
    const dir = await localImageProject();
    const result = await runCli(['build', LOCAL_ISSUE], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const meta = JSON.parse(await readFile(out(dir, 'meta.json'), 'utf8')) as { assets: MetaAsset[] };
    expect(meta.assets.map((a) => a.source)).toEqual(['content/issues/images/photo.jpg', 'content/issues/images/shape.png']);
    for (const asset of meta.assets) {
      const data = await readFile(out(dir, asset.name));
      expect(asset.name).toBe(`assets/${createHash('sha256').update(data).digest('hex').slice(0, 16)}.${asset.name.endsWith('.png') ? 'png' : 'jpg'}`);
      expect(asset.url).toBe(`https://hemispherebrief.example.com/issues/${asset.name}`);
      expect(asset.bytes).toBe(data.length);
      const file = await sharp(data).metadata();
      expect([asset.width, asset.height]).toEqual([file.width, file.height]);
      expect(result.stdout).toMatch(new RegExp(`out/${LOCAL_SLUG}/${asset.name}  \\d+\\.\\d KB ← ${asset.source}`));
    }
    expect(result.stdout).toContain(`Upload out/${LOCAL_SLUG}/assets/ to https://hemispherebrief.example.com/issues/assets/`);
    expect((await readdir(out(dir, 'assets'))).sort()).toEqual(meta.assets.map((a) => a.name.slice('assets/'.length)).sort());

    const html = await readFile(out(dir, 'email.html'), 'utf8');
    const [photo, shape] = meta.assets;
    const shown = images(html).filter((img) => img.src?.includes('/assets/'));
    expect(shown.map((img) => [img.src, img.width, img.height])).toEqual([
      [photo!.url, '520', '693'],
      [photo!.url, '520', '693'],
      [shape!.url, '520', '260'],
      [shape!.url, '482', '241'],
    ]);
    const text = await readFile(out(dir, 'email.txt'), 'utf8');
    // The relative paths are nowhere in what is sent (meta.json names them only as each asset's source).
    for (const written of [html, text]) expect(written).not.toMatch(/images\/(photo|shape)/);
    const { assets: _sources, ...rest } = meta;
    expect(JSON.stringify(rest)).not.toMatch(/images\/(photo|shape)/);
  });

  it('removes assets an earlier build wrote that the issue no longer uses, and keeps other output', async () => {
    const dir = await localImageProject();
    expect((await runCli(['build', LOCAL_ISSUE], { cwd: dir })).code).toBe(0);
    const before = await readdir(out(dir, 'assets'));
    await mkdir(out(dir, 'export'), { recursive: true });
    await writeFile(out(dir, 'export', 'keep.txt'), 'other output');
    const file = join(dir, LOCAL_ISSUE);
    await writeFile(file, (await readFile(file, 'utf8')).replace('![A transparent shape](images/shape.png)', 'No image here.').replace(/ {4}image:\n.*\n.*\n/, ''));
    expect((await runCli(['build', LOCAL_ISSUE], { cwd: dir })).code).toBe(0);
    const after = await readdir(out(dir, 'assets'));
    expect(after).toHaveLength(1);
    expect(before).toContain(after[0]);
    expect(after[0]).toMatch(/\.jpg$/);

    await writeFile(file, (await readFile(file, 'utf8')).replace(/hero:\n.*\n.*\n/, '').replace('![The same photo again](images/photo.jpg)', ''));
    expect((await runCli(['build', LOCAL_ISSUE], { cwd: dir })).code).toBe(0);
    expect(existsSync(out(dir, 'assets'))).toBe(false);
    expect(await readFile(out(dir, 'export', 'keep.txt'), 'utf8')).toBe('other output');
  });

  it('never removes a file in assets/ it did not write, and refuses a symbolic link there', async () => {
    const dir = await localImageProject();
    await mkdir(out(dir, 'assets', 'mine'), { recursive: true });
    await writeFile(out(dir, 'assets', 'hand-made.png'), 'not ours');
    await writeFile(out(dir, 'assets', 'mine', 'photo.jpg'), 'not ours either');
    const file = join(dir, LOCAL_ISSUE);
    await writeFile(file, (await readFile(file, 'utf8')).replace(/hero:\n.*\n.*\n/, '').replace(/ {4}image:\n.*\n.*\n/, '').replace(/!\[[^\]]*\]\(images\/[^)]*\)/g, ''));
    expect((await runCli(['build', LOCAL_ISSUE], { cwd: dir })).code).toBe(0);
    expect(await readFile(out(dir, 'assets', 'hand-made.png'), 'utf8')).toBe('not ours');
    expect(await readFile(out(dir, 'assets', 'mine', 'photo.jpg'), 'utf8')).toBe('not ours either');

    const uploads = join(dir, 'uploads');
    await mkdir(uploads);
    await writeFile(join(uploads, 'logo.png'), 'an upload folder');
    await rm(out(dir, 'assets'), { recursive: true });
    await symlink(uploads, out(dir, 'assets'));
    const linked = await runCli(['build', LOCAL_ISSUE], { cwd: dir });
    expect(linked.code).toBe(2);
    expect(linked.stderr).toContain('is a symbolic link');
    expect(await readdir(uploads)).toEqual(['logo.png']);
  });

  it('uses assetsBaseUrl when set', async () => {
    const dir = await localImageProject();
    const config = join(dir, 'content', 'newsletter.yml');
    await writeFile(config, (await readFile(config, 'utf8')) + 'assetsBaseUrl: https://cdn.example.com/brief/\n');
    expect((await runCli(['build', LOCAL_ISSUE], { cwd: dir })).code).toBe(0);
    const html = await readFile(out(dir, 'email.html'), 'utf8');
    expect(images(html).filter((img) => img.src?.startsWith('https://cdn.example.com/brief/assets/'))).toHaveLength(4);
  });

  it('refuses a missing image with exit 1, file:line and a fix, and writes nothing', async () => {
    const dir = await localImageProject();
    const file = join(dir, LOCAL_ISSUE);
    await writeFile(file, (await readFile(file, 'utf8')).replace('src: images/photo.jpg', 'src: images/nowhere.jpg'));
    const result = await runCli(['build', LOCAL_ISSUE], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${LOCAL_ISSUE}:7`);
    expect(result.stderr).toContain('fix: Put the file at content/issues/images/nowhere.jpg, or use an https:// URL.');
    expect(existsSync(out(dir))).toBe(false);
  });
});
