/**
 * `newsletter archive` in memory and on disk: the feeds read back by real parsers, what no page
 * may contain, page paths and relative links, determinism, incremental output, the safety rules.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFeed } from '@rowanmanning/feed-parser';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSite, writeSite, SITE_MARKER, type BuiltSite } from '../../src/archive/index.ts';
import { isNewsletterError } from '../../src/errors.ts';
import { archiveContent, SECOND_FILE, THIRD_FILE } from './content.ts';

const PYTHON = '/usr/bin/python3';
const hasFeedparser = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import feedparser'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const SKIP_PYTHON = !hasFeedparser && process.env.CI !== 'true';
if (SKIP_PYTHON) console.warn(`Skipping the Python feedparser tests: no feedparser for ${PYTHON} (sudo apt-get install python3-feedparser).`);

const SITE = 'https://hemispherebrief.example.com/issues/';
const PAGES = {
  seed: { file: '2026-02-05-trump-petro-oval-office/index.html', url: `${SITE}2026-02-05-trump-petro-oval-office/`, date: '2026-02-05', subject: 'Trump and Petro’s unlikely Oval Office meeting' },
  second: { file: '2026-02-12-brazil-argentina/index.html', url: `${SITE}2026-02-12-brazil-argentina/`, date: '2026-02-12', subject: 'Brazil & Argentina: a <trade> truce' },
  third: { file: 'week-of-summits/index.html', url: `${SITE}week-of-summits/`, date: '2026-01-29', subject: 'A week of summits' },
};

let content: Awaited<ReturnType<typeof archiveContent>>;
beforeEach(async () => {
  content = await archiveContent();
});
afterEach(() => content.remove());

const build = (baseUrl?: string): Promise<BuiltSite> => buildSite({ contentDir: content.content, cwd: content.dir, baseUrl });
const text = (built: BuiltSite, path: string) => built.files.get(path)!.toString('utf8');

describe('the feeds', () => {
  it('@rowanmanning/feed-parser reads feed.xml back: every issue with its title, page URL, date and content, newest first', async () => {
    const feed = parseFeed(text(await build(), 'feed.xml'));
    expect(feed.title).toBe('The Hemisphere Brief');
    const items = feed.items.map((i) => ({ title: i.title, url: i.url, id: i.id, published: i.published?.toISOString(), content: i.content ?? '' }));
    expect(items.map(({ title, url, id, published }) => ({ title, url, id, published }))).toEqual(
      [PAGES.second, PAGES.seed, PAGES.third].map((p) => ({ title: p.subject, url: p.url, id: p.url, published: `${p.date}T00:00:00.000Z` })),
    );
    for (const item of items) expect(item.content.length).toBeGreaterThan(100);
    // Full content with absolute URLs: the seed's "Browse past issues" button points at the archive.
    expect(items[1]!.content).toContain(`href="${SITE}"`);
    expect(items[0]!.content).toContain(`href="${PAGES.seed.url}"`);
    expect(items[0]!.content).not.toMatch(/href="\.\.?\//);
  });

  it('feed.json is JSON Feed 1.1 with every issue', async () => {
    const feed = JSON.parse(text(await build(), 'feed.json')) as Record<string, unknown> & { items: Record<string, unknown>[] };
    expect(feed).toMatchObject({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'The Hemisphere Brief',
      home_page_url: SITE,
      feed_url: `${SITE}feed.json`,
      description: 'Politics and diplomacy across the Americas, explained in five minutes.',
      language: 'en',
      authors: [{ name: 'The Hemisphere Brief editors' }],
    });
    expect(feed.items.map((i) => [i.id, i.url, i.title, i.date_published])).toEqual([PAGES.second, PAGES.seed, PAGES.third].map((p) => [p.url, p.url, p.subject, `${p.date}T00:00:00Z`]));
    expect(feed.items[0]).toMatchObject({ summary: 'Two neighbours agree on tariffs, and a dispute over beef goes quiet for now.', image: 'https://images.example.com/hero/brazil-argentina.jpg', language: 'en' });
    for (const item of feed.items) expect(String(item.content_html)).toContain('<p');
    expect(feed.items[1]).not.toHaveProperty('image');
  });

  // Debian's python3-feedparser (6.0.10) has no JSON Feed support (it parses any input as XML), so
  // Python reads feed.json with its json module and the same fields are compared.
  it.skipIf(SKIP_PYTHON)("Python's feedparser reads feed.xml back with every issue, date and link; Python's json reads feed.json the same", async () => {
    const built = await build();
    const dir = join(content.dir, 'feeds');
    await mkdir(dir);
    await writeFile(join(dir, 'feed.xml'), built.files.get('feed.xml')!);
    await writeFile(join(dir, 'feed.json'), built.files.get('feed.json')!);
    const script = [
      'import feedparser, html, json, sys',
      'd = feedparser.parse(sys.argv[1])',
      // Atom titles of type="html" come back as HTML ("&amp;"): the text is what a reader shows.
      'atom = {"bozo": bool(d.bozo), "version": d.version, "title": d.feed.get("title"),',
      '    "items": [[html.unescape(e.get("title")), e.get("link"), e.get("published", "")[:10], len(e.get("content", [{}])[0].get("value", ""))] for e in d.entries]}',
      'j = json.load(open(sys.argv[2], encoding="utf-8"))',
      'js = {"bozo": False, "version": j["version"], "title": j["title"],',
      '    "items": [[e["title"], e["url"], e["date_published"][:10], len(e["content_html"])] for e in j["items"]]}',
      'print(json.dumps({"feed.xml": atom, "feed.json": js}))',
    ].join('\n');
    const out = JSON.parse(execFileSync(PYTHON, ['-c', script, join(dir, 'feed.xml'), join(dir, 'feed.json')], { encoding: 'utf8' })) as Record<string, { bozo: boolean; version: string; title: string; items: [string, string, string, number][] }>;
    const expected = [PAGES.second, PAGES.seed, PAGES.third];
    expect(out['feed.xml']).toMatchObject({ bozo: false, version: 'atom10', title: 'The Hemisphere Brief' });
    expect(out['feed.json']).toMatchObject({ version: 'https://jsonfeed.org/version/1.1', title: 'The Hemisphere Brief' });
    for (const feed of [out['feed.xml']!, out['feed.json']!]) {
      expect(feed.items.map(([title, link, date]) => [title, link, date])).toEqual(expected.map((p) => [p.subject, p.url, p.date]));
      for (const item of feed.items) expect(item[3]).toBeGreaterThan(50);
    }
  });
});

describe('what no page or feed contains', () => {
  it('no email address, unsubscribe token, "{{" or private-use merge mark anywhere', async () => {
    const built = await build();
    for (const [path, data] of built.files) {
      const body = data.toString('utf8');
      expect(body, path).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.-]+/);
      expect(body, path).not.toContain('{{');
      expect(body, path).not.toMatch(/[\uE000-\uF8FF]/u);
      expect(body, path).not.toMatch(/[?&](t|token|e)=/);
      expect(body, path).not.toContain('unsubscribe');
      expect(body, path).not.toContain('utm_');
    }
    // The merge fields are the web version's neutral values.
    expect(text(built, PAGES.second.file)).toContain('<p class="greeting">Hi there,</p><figure');
    expect(text(built, PAGES.second.file)).toContain('<p>there, this week');
  });
});

describe('the pages', () => {
  it('puts each issue at the path its webVersionUrl names, with relative links between pages', async () => {
    const built = await build();
    expect([...built.files.keys()].sort()).toEqual([SITE_MARKER, PAGES.seed.file, PAGES.second.file, 'feed.json', 'feed.xml', 'index.html', 'sitemap.xml', PAGES.third.file].sort());
    const seed = text(built, PAGES.seed.file);
    expect(seed).toContain(`<link rel="canonical" href="${PAGES.seed.url}"/>`);
    expect(seed).toContain('<title>Trump and Petro’s unlikely Oval Office meeting — The Hemisphere Brief</title>');
    expect(seed).toContain('<a rel="prev" href="../week-of-summits/">');
    expect(seed).toContain('<a rel="next" href="../2026-02-12-brazil-argentina/">');
    expect(seed).toContain('<a href="../">All issues</a>');
    expect(seed).toContain('<link rel="alternate" type="application/atom+xml" title="The Hemisphere Brief (Atom)" href="../feed.xml"/>');
    // The seed's button ("Browse past issues", https://…/issues) is the index, relatively.
    expect(seed).toContain('<a class="button" href="../">Browse past issues</a>');
    const second = text(built, PAGES.second.file);
    expect(second).toContain('<meta name="twitter:card" content="summary_large_image"/>');
    expect(second).toContain('<meta property="og:image" content="https://images.example.com/hero/brazil-argentina.jpg"/>');
    expect(second).toContain('<title>Brazil &amp; Argentina: a &lt;trade&gt; truce — The Hemisphere Brief</title>');
    expect(seed).toContain('<meta name="twitter:card" content="summary"/>');
    const index = text(built, 'index.html');
    const order = [PAGES.second, PAGES.seed, PAGES.third].map((p) => index.indexOf(`href="${p.file.replace('index.html', '')}"`));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(text(built, 'sitemap.xml')).toContain(`<url><loc>${PAGES.seed.url}</loc><lastmod>2026-02-05</lastmod></url>`);
  });

  it('--base-url replaces siteUrl in every absolute URL; page paths stay', async () => {
    const built = await build('https://staging.example.net/preview');
    const STAGING = 'https://staging.example.net/preview/';
    expect(text(built, PAGES.seed.file)).toContain(`<link rel="canonical" href="${STAGING}2026-02-05-trump-petro-oval-office/"/>`);
    expect(text(built, 'sitemap.xml')).toContain(`<loc>${STAGING}week-of-summits/</loc>`);
    expect(JSON.parse(text(built, 'feed.json'))).toMatchObject({ home_page_url: STAGING, feed_url: `${STAGING}feed.json` });
    expect(text(built, 'feed.xml')).toContain(`href="${STAGING}2026-02-05-trump-petro-oval-office/"`);
    for (const [path, data] of built.files) expect(data.toString('utf8'), path).not.toContain('hemispherebrief.example.com/issues/2026');
  });

  it('a webVersionUrl ending in .html gives that file', async () => {
    const yml = join(content.content, 'newsletter.yml');
    await writeFile(yml, (await readFile(yml, 'utf8')).replace('webVersionUrl: https://hemispherebrief.example.com/issues/{slug}/', 'webVersionUrl: https://hemispherebrief.example.com/issues/{slug}.html'));
    const built = await build();
    expect(built.files.has('week-of-summits.html')).toBe(true);
    expect(text(built, 'week-of-summits.html')).toContain('<a href="./">All issues</a>');
    expect(text(built, 'week-of-summits.html')).toContain('<a rel="next" href="2026-02-05-trump-petro-oval-office.html">');
  });

  it('without siteUrl (and --base-url) the error names newsletter.yml and suggests the value', async () => {
    const yml = join(content.content, 'newsletter.yml');
    await writeFile(yml, (await readFile(yml, 'utf8')).replace(/^siteUrl: .*$/m, ''));
    const error = await build().catch((e: unknown) => e);
    expect(isNewsletterError(error) && error.code).toBe('ECONTENT');
    expect((error as Error).message).toContain('newsletter.yml has no siteUrl');
    expect((error as { fix: string }).fix).toContain('siteUrl: https://hemispherebrief.example.com/issues/');
    expect((await build('https://staging.example.net/')).site.baseUrl).toBe('https://staging.example.net/');
  });
});

describe('local images (src/assets)', () => {
  it('copies each processed image to assets/<hash>.<ext>, linked relatively from the page and absolutely from the feeds', async () => {
    await mkdir(join(content.issues, 'images'));
    const png = await sharp({ create: { width: 800, height: 400, channels: 4, background: { r: 11, g: 92, b: 173, alpha: 0.5 } } }).png().toBuffer();
    await writeFile(join(content.issues, 'images', 'chart.png'), png);
    await writeFile(join(content.issues, '2026-02-19-chart.md'), '---\nnumber: 4\ndate: 2026-02-19\nsubject: A chart\npreheader: Tariffs over ten years in one picture, drawn from the official figures.\n---\n\n# A chart\n\n![Tariffs since 2016](images/chart.png)\n\nText.\n');
    const built = await build();
    const assets = [...built.files.keys()].filter((p) => p.startsWith('assets/'));
    expect(assets).toHaveLength(1);
    const asset = assets[0]!;
    expect(asset).toMatch(/^assets\/[0-9a-f]+\.png$/);
    expect((await sharp(built.files.get(asset)).metadata()).width).toBe(800);
    expect(text(built, '2026-02-19-chart/index.html')).toContain(`<img src="../${asset}" alt="Tariffs since 2016"`);
    expect((JSON.parse(text(built, 'feed.json')) as { items: { content_html: string }[] }).items[0]!.content_html).toContain(`<img src="${SITE}${asset}"`);
    expect(text(built, 'feed.xml')).toContain(`<img src="${SITE}${asset}"`);
  });
});

describe('writing the site', () => {
  const out = () => join(content.dir, 'out', 'site');
  const inodes = async (dir: string) => {
    const map = new Map<string, { ino: number; mtimeMs: number }>();
    for (const name of await readdir(dir, { recursive: true })) {
      const s = await stat(join(dir, name));
      if (s.isFile()) map.set(name, { ino: s.ino, mtimeMs: s.mtimeMs });
    }
    return map;
  };

  it('is deterministic: two builds are byte-identical', async () => {
    const [a, b] = [await build(), await build()];
    expect([...a.files.keys()]).toEqual([...b.files.keys()]);
    for (const [path, data] of a.files) expect(data.equals(b.files.get(path)!), path).toBe(true);
  });

  it('rewrites only what changed: unchanged files keep inode and mtime; a deleted issue disappears', async () => {
    const first = await writeSite(out(), (await build()).files);
    expect(first.unchanged).toEqual([]);
    const before = await inodes(out());
    const again = await writeSite(out(), (await build()).files);
    expect(again.written).toEqual([]);
    expect(await inodes(out())).toEqual(before);

    // One issue's text changes: its page, the index, the feeds, the sitemap? (same date: not the sitemap).
    const file = join(content.issues, THIRD_FILE);
    await writeFile(file, (await readFile(file, 'utf8')).replace('Three meetings', 'Four meetings'));
    const changed = await writeSite(out(), (await build()).files);
    expect(changed.written.sort()).toEqual(['feed.json', 'feed.xml', PAGES.third.file].sort());
    const after = await inodes(out());
    for (const path of changed.unchanged) expect(after.get(path), path).toEqual(before.get(path));

    // A subject change also rewrites the neighbour whose "Previous:" link names it, and the index.
    await writeFile(file, (await readFile(file, 'utf8')).replace('subject: A week of summits', 'subject: A week of summits and statements'));
    const renamed = await writeSite(out(), (await build()).files);
    expect(renamed.written.sort()).toEqual(['feed.json', 'feed.xml', 'index.html', PAGES.seed.file, PAGES.third.file].sort());

    await rm(join(content.issues, SECOND_FILE));
    const removed = await writeSite(out(), (await build()).files);
    expect(removed.removed).toEqual([PAGES.second.file]);
    expect(existsSync(join(out(), PAGES.second.file))).toBe(false);
    expect(removed.written).toContain(PAGES.seed.file);
    expect(await readdir(join(content.dir, 'out'))).toEqual(['site']);
  });

  it('a content error leaves the previous site as it was', async () => {
    await writeSite(out(), (await build()).files);
    const before = await inodes(out());
    await writeFile(join(content.issues, THIRD_FILE), '---\nnumber: 4\ndate: 2026-13-01\n---\n# x\n');
    const error = await build().catch((e: unknown) => e);
    expect(isNewsletterError(error) && error.code).toBe('ECONTENT');
    expect((error as Error).message).toContain(`${THIRD_FILE}:3`);
    expect(await inodes(out())).toEqual(before);
  });

  it('refuses to replace a non-empty folder it did not write, and leaves it untouched', async () => {
    const dir = join(content.dir, 'mine');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    const error = await writeSite(dir, (await build()).files).catch((e: unknown) => e);
    expect(isNewsletterError(error) && error.code).toBe('EOUTPUT');
    expect((error as { fix: string }).fix).toContain('--out');
    expect(await readdir(dir)).toEqual(['notes.txt']);
    expect(await readdir(content.dir)).not.toContainEqual(expect.stringContaining('staging'));
  });
});
