/**
 * `newsletter archive` in memory and on disk: the feeds read back by real parsers, what no page
 * may contain, page paths and relative links, determinism, incremental output, the safety rules.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFeed } from '@rowanmanning/feed-parser';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import lockfile from 'proper-lockfile';
import { buildSite, serveSite, writeSite, SITE_MARKER, type BuiltSite } from '../../src/archive/index.ts';
import { isNewsletterError } from '../../src/errors.ts';
import { runCli } from '../helpers/cli.ts';
import { fetchText } from '../preview/http.ts';
import { archiveContent, makeRightToLeft, SECOND_FILE, THIRD_FILE } from './content.ts';

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

describe('the feeds say language and direction', () => {
  it.each([
    { direction: 'ltr', language: 'en' },
    { direction: 'rtl', language: 'ar' },
  ])('$direction ($language): Atom has xml:lang, each item of both feeds is the article alone in <div dir lang>, no <link rel="preload"> React hoists', async ({ direction, language }) => {
    if (direction === 'rtl') await makeRightToLeft(content.content);
    const built = await build();
    const atom = text(built, 'feed.xml');
    expect(atom).toContain(`<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${language}">`);
    const parsed = parseFeed(atom);
    expect(parsed.language).toBe(language);
    const json = JSON.parse(text(built, 'feed.json')) as { language: string; items: { content_html: string }[] };
    expect(json.language).toBe(language);
    const contents = [...parsed.items.map((i) => i.content ?? ''), ...json.items.map((i) => i.content_html)];
    expect(contents).toHaveLength(direction === 'rtl' ? 8 : 6);
    for (const html of contents) {
      expect(html).toMatch(new RegExp(`^<div dir="${direction}" lang="${language}">[\\s\\S]+</div>$`));
      expect(html).not.toContain('<link');
    }
    // The hero React would have preloaded is still in the article.
    expect(contents.some((html) => html.includes('<img src="https://images.example.com/hero/brazil-argentina.jpg"'))).toBe(true);
  });
});

/** An issue using every merge field: in its greeting, its text and a link (a field may not choose a link's host, so they sit in its query). */
const MERGE_ISSUE = `---
number: 5
date: 2026-02-20
subject: Every merge field, once
preheader: A page that uses each merge field, to show what the public archive writes for them.
slug: merge-fields
greeting: "Dear {{firstName}} {{lastName}} ({{email}}),"
---

# Every merge field, once

{{firstName}} {{lastName}}, this copy went to {{email}}. Read it in a browser at {{webVersionUrl}}; leave the list at {{unsubscribeUrl}}.

[Forward it to a friend](https://hemispherebrief.example.com/forward?from={{firstName}}&to={{email}}&page={{webVersionUrl}}&leave={{unsubscribeUrl}}).
`;

describe('what no page or feed contains', () => {
  it('no email address, unsubscribe token, "{{" or private-use merge mark anywhere, with every merge field in a greeting, the text and links', async () => {
    await writeFile(join(content.issues, '2026-02-20-merge-fields.md'), MERGE_ISSUE);
    const built = await build();
    for (const [path, data] of built.files) {
      const body = data.toString('utf8');
      expect(body, path).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.-]+/);
      expect(body, path).not.toContain('{{');
      expect(body, path).not.toMatch(/[\uE000-\uF8FF]/u);
      expect(body, path).not.toMatch(/[?&](t|e)=/);
      expect(body, path).not.toMatch(/token/i);
      expect(body, path).not.toContain('utm_');
      // {{unsubscribeUrl}} on a public page is newsletter.yml's bare unsubscribe page: no address,
      // no token (the export's web version does the same), so every "unsubscribe" is that URL, ending
      // there (percent-encoded inside a query).
      const mentions = body.match(/unsubscribe/g)?.length ?? 0;
      const bare = body.match(/https(:\/\/|%3A%2F%2F)hemispherebrief\.example\.com(\/|%2F)unsubscribe(?![\w?#=/-]|\.\w|%3F|%26|%2F)/g)?.length ?? 0;
      expect(bare, path).toBe(mentions);
    }
    // The merge fields are the web version's neutral values.
    const page = text(built, 'merge-fields/index.html');
    expect(page).toContain('<p class="greeting">Dear there  (you),</p>');
    expect(page).toContain(`this copy went to you. Read it in a browser at ${SITE}merge-fields/; leave the list at https://hemispherebrief.example.com/unsubscribe.`);
    expect(page).toContain(`href="https://hemispherebrief.example.com/forward?from=there&amp;to=you&amp;page=${encodeURIComponent(`${SITE}merge-fields/`)}&amp;leave=${encodeURIComponent('https://hemispherebrief.example.com/unsubscribe')}"`);
    const item = (JSON.parse(text(built, 'feed.json')) as { items: { url: string; content_html: string }[] }).items[0]!;
    expect(item.url).toBe(`${SITE}merge-fields/`);
    expect(item.content_html).toContain('leave the list at https://hemispherebrief.example.com/unsubscribe.');
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

  it('a percent-encoded webVersionUrl path: the file in the decoded folder, every URL exactly as the email has it', async () => {
    const yml = join(content.content, 'newsletter.yml');
    await writeFile(yml, (await readFile(yml, 'utf8')).replace('webVersionUrl: https://hemispherebrief.example.com/issues/{slug}/', 'webVersionUrl: https://hemispherebrief.example.com/issues/n%C3%BAmero/{slug}/'));
    const built = await build();
    const file = 'número/week-of-summits/index.html';
    const url = `${SITE}n%C3%BAmero/week-of-summits/`;
    expect(built.files.has(file)).toBe(true);
    expect([...built.files.keys()].filter((p) => p.includes('%'))).toEqual([]);
    expect(text(built, file)).toContain(`<link rel="canonical" href="${url}"/>`);
    expect(text(built, file)).toContain(`<meta property="og:url" content="${url}"/>`);
    expect(text(built, 'sitemap.xml')).toContain(`<loc>${url}</loc>`);
    expect((JSON.parse(text(built, 'feed.json')) as { items: { id: string; url: string }[] }).items.at(-1)).toMatchObject({ id: url, url });
    expect(parseFeed(text(built, 'feed.xml')).items.at(-1)).toMatchObject({ id: url, url });
    for (const [path, data] of built.files) expect(data.toString('utf8'), path).not.toContain('%25');
    // Links between pages are encoded too, and lead to the file over HTTP.
    expect(text(built, 'index.html')).toContain('href="n%C3%BAmero/week-of-summits/"');
    const server = await serveSite(built.files, { port: 0, mount: '/issues/' });
    try {
      const page = await fetchText(`${server.url}n%C3%BAmero/week-of-summits/`);
      expect(page.status).toBe(200);
      expect(page.body).toContain(`<link rel="canonical" href="${url}"/>`);
    } finally {
      await server.close();
    }
  });

  it.each([
    ['a%2Fb', '"/"'],
    ['bad%00', 'NUL'],
    ['bad%E0%A4%A', 'not valid percent-encoding'],
    ['%2E%2E', 'leave the archive'],
  ])('a webVersionUrl folder that decodes to something unsafe (%s) is refused, naming newsletter.yml', async (segment, why) => {
    const yml = join(content.content, 'newsletter.yml');
    await writeFile(yml, (await readFile(yml, 'utf8')).replace('webVersionUrl: https://hemispherebrief.example.com/issues/{slug}/', `webVersionUrl: https://hemispherebrief.example.com/issues/${segment}/{slug}/`));
    const error = await build().catch((e: unknown) => e);
    expect(isNewsletterError(error) && error.code, String(error)).toBe('ECONTENT');
    expect((error as Error).message).toContain(segment);
    expect((error as Error).message).toContain(why);
    expect((error as { where: string }).where).toContain('newsletter.yml');
  });

  it('right to left, the previous/next arrows point outwards (previous is on the right)', async () => {
    const ltr = text(await build(), PAGES.seed.file);
    expect(ltr).toContain('>← Previous: A week of summits</a>');
    expect(ltr).toContain('>Next: Brazil &amp; Argentina: a &lt;trade&gt; truce →</a>');
    await makeRightToLeft(content.content);
    const rtl = text(await build(), PAGES.seed.file);
    expect(rtl).toContain('<html lang="ar" dir="rtl">');
    expect(rtl).toContain('>→ Previous: A week of summits</a>');
    expect(rtl).toContain('>Next: Brazil &amp; Argentina: a &lt;trade&gt; truce ←</a>');
  });

  it('every image has its real width and height, at most the column, aspect kept; a hosted one without sizes gets the column width', async () => {
    await mkdir(join(content.issues, 'images'));
    const png = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: { r: 11, g: 92, b: 173 } } }).png().toBuffer();
    await writeFile(join(content.issues, 'images', 'small.png'), await png(200, 100));
    await writeFile(join(content.issues, 'images', 'wide.png'), await png(1600, 800));
    await writeFile(
      join(content.issues, '2026-02-21-sizes.md'),
      [
        '---',
        'number: 6',
        'date: 2026-02-21',
        'subject: Images of every size',
        'preheader: A small chart, a wide chart, a hosted photograph and two story images.',
        'slug: sizes',
        'hero: { src: "https://images.example.com/hero/wide.jpg", alt: "A wide hero", width: 1200, height: 600 }',
        'stories:',
        '  - { title: Small, summary: A small story image., url: "https://news.example.org/a", image: { src: "https://images.example.com/s.jpg", alt: "Small story image", width: 300, height: 200 } }',
        '  - { title: Big, summary: A big story image., url: "https://news.example.org/b", image: { src: "https://images.example.com/b.jpg", alt: "Big story image", width: 1044, height: 522 } }',
        '---',
        '',
        '# Images of every size',
        '',
        '![A small chart](images/small.png)',
        '',
        '![A wide chart](images/wide.png)',
        '',
        '![A hosted photograph](https://images.example.com/photo.jpg)',
        '',
      ].join('\n'),
    );
    const page = text(await build(), 'sizes/index.html');
    const img = (alt: string) => {
      const tag = new RegExp(`<img [^>]*alt="${alt}"[^>]*>`).exec(page)?.[0] ?? '';
      return { width: /width="(\d+)"/.exec(tag)?.[1], height: /height="(\d+)"/.exec(tag)?.[1] };
    };
    // The article column is 560 px (40rem less the card's padding); a story's 522 px (less its own).
    expect(img('A wide hero')).toEqual({ width: '560', height: '280' });
    expect(img('A small chart')).toEqual({ width: '200', height: '100' });
    expect(img('A wide chart')).toEqual({ width: '520', height: '260' });
    expect(img('A hosted photograph')).toEqual({ width: '560', height: undefined });
    expect(img('Small story image')).toEqual({ width: '300', height: '200' });
    expect(img('Big story image')).toEqual({ width: '522', height: '261' });
  });

  it('without siteUrl (and --base-url) the error names newsletter.yml and suggests the value', async () => {
    const yml = join(content.content, 'newsletter.yml');
    await writeFile(yml, (await readFile(yml, 'utf8')).replace(/^siteUrl: .*$/m, ''));
    const error = await build().catch((e: unknown) => e);
    expect(isNewsletterError(error) && error.code).toBe('ECONTENT');
    expect((error as Error).message).toContain('newsletter.yml has no siteUrl');
    expect((error as { fix: string }).fix).toContain('siteUrl: https://hemispherebrief.example.com/issues/');
    const staging = await build('https://staging.example.net/');
    expect(staging.site.baseUrl).toBe('https://staging.example.net/');
    // The pages are not where the emails' View in browser leads: a warning on newsletter.yml says so.
    expect(staging.warnings.find((w) => w.field === 'siteUrl')).toMatchObject({ severity: 'warning', file: expect.stringMatching(/newsletter\.yml$/) as string, message: expect.stringMatching(/"View in browser" links \(webVersionUrl https:\/\/hemispherebrief\.example\.com\/issues\/\{slug\}\/\) lead elsewhere/) as string });
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

  /** Inode, mtime and bytes of every file: what a rewrite would change. */
  const snapshot = async (dir: string) => {
    const map = new Map<string, { ino: number; mtimeMs: number; bytes: string }>();
    for (const name of await readdir(dir, { recursive: true })) {
      const s = await stat(join(dir, name));
      if (s.isFile()) map.set(name, { ino: s.ino, mtimeMs: s.mtimeMs, bytes: (await readFile(join(dir, name))).toString('base64') });
    }
    return map;
  };

  it('a content error leaves the previous site as it was (the CLI: a good build, then a broken issue, exit 1)', async () => {
    expect((await runCli(['archive'], { cwd: content.dir })).code).toBe(0);
    const before = await snapshot(out());
    expect(before.size).toBe(8);
    await writeFile(join(content.issues, THIRD_FILE), '---\nnumber: 4\ndate: 2026-13-01\n---\n# x\n');
    const r = await runCli(['archive'], { cwd: content.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${THIRD_FILE}:3`);
    expect(r.stderr).toContain('the archive was not written');
    expect(await snapshot(out())).toEqual(before);
    expect(await readdir(join(content.dir, 'out'))).toEqual(['site']);
  });

  it('two writes at once: one writes the site, the other is refused ("another archive is writing"), never both "succeeding"', async () => {
    const [a, b] = [(await build()).files, new Map((await build()).files)];
    b.set('index.html', Buffer.from('<!doctype html>\n<title>b</title>\n'));
    const results = await Promise.allSettled([writeSite(out(), a), writeSite(out(), b)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected')!.reason as Error;
    expect(isNewsletterError(refused) && refused.code).toBe('EOUTPUT');
    expect(refused.message).toContain(`another archive is writing ${out()}`);
    const winner = results[0].status === 'fulfilled' ? a : b;
    const onDisk = await snapshot(out());
    expect([...onDisk.keys()].sort()).toEqual([...winner.keys()].sort());
    for (const [path, data] of winner) expect(onDisk.get(path)!.bytes, path).toBe(data.toString('base64'));
    expect(await readdir(join(content.dir, 'out'))).toEqual(['site']);
    // The lock is gone: the next write goes through.
    await writeSite(out(), a);
  });

  it('a live lock refuses and leaves the site as it was; once released, the next write goes through', async () => {
    const files = (await build()).files;
    await writeSite(out(), files);
    const lock = join(content.dir, 'out', '.site.lock');
    const before = await snapshot(out());
    // A real holder: another writer's proper-lockfile lock on the same folder, refreshed while held.
    const release = await lockfile.lock(out(), { realpath: false, lockfilePath: lock, stale: 30_000, update: 5_000 });
    try {
      const error = (await writeSite(out(), files).catch((e: unknown) => e)) as Error & { fix: string };
      expect(isNewsletterError(error) && error.code).toBe('EOUTPUT');
      expect(error.message).toContain(`another archive is writing ${out()} (it holds ${lock})`);
      expect(error.fix).toMatch(/taken over 30 s after it stopped; nothing needs deleting/);
      expect(await snapshot(out())).toEqual(before);
    } finally {
      await release();
    }
    expect((await writeSite(out(), files)).written).toEqual([]);
  });

  it('a lock a killed run left (not refreshed for 30 s) is taken over, whatever its pid or host, with exactly the side folders of this site', async () => {
    const files = (await build()).files;
    await writeSite(out(), files);
    const parent = join(content.dir, 'out');
    const lock = join(parent, '.site.lock');
    await mkdir(lock);
    const longAgo = new Date(Date.now() - 120_000);
    await utimes(lock, longAgo, longAgo);
    await mkdir(join(parent, '.site.staging-AbC123', 'site', 'assets'), { recursive: true });
    await mkdir(join(parent, '.site.staging-4242'));
    // Another site beside this one (out/site.old-2025) and its own side files: never this site's leftovers.
    for (const other of ['site.old-2025', '.site.old-2025.lock', '.site.old-2025.staging-XyZ789', '.sitemap.staging-1']) await mkdir(join(parent, other));
    const report = await writeSite(out(), files);
    expect(report.written).toEqual([]);
    expect((await readdir(parent)).sort()).toEqual(['.site.old-2025.lock', '.site.old-2025.staging-XyZ789', '.sitemap.staging-1', 'site', 'site.old-2025']);
  });

  it('a run killed between the two renames of its swap: the next run puts the previous site back and keeps its unchanged files', async () => {
    const files = (await build()).files;
    await writeSite(out(), files);
    const inode = (await stat(join(out(), 'index.html'))).ino;
    // What the kill leaves: no out/site, the previous site aside, a finished staging folder.
    const aside = join(content.dir, 'out', '.site.old-Q1w2E3');
    await mkdir(aside);
    await rename(out(), join(aside, 'site'));
    await mkdir(join(content.dir, 'out', '.site.staging-R4t5Y6', 'site'), { recursive: true });
    const report = await writeSite(out(), files);
    expect(report.written).toEqual([]);
    expect(report.unchanged).toHaveLength(files.size);
    expect((await stat(join(out(), 'index.html'))).ino).toBe(inode);
    expect(await readdir(join(content.dir, 'out'))).toEqual(['site']);
  });

  it('the new folder keeps the mode of the one it replaces', async () => {
    const files = (await build()).files;
    await writeSite(out(), files);
    await chmod(out(), 0o750);
    await writeSite(out(), new Map([...files, ['extra.txt', Buffer.from('x')]]));
    expect((await stat(out())).mode & 0o777).toBe(0o750);
    expect(existsSync(join(out(), 'extra.txt'))).toBe(true);
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
