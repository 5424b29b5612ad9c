import { createElement } from 'react';
import { join, relative, resolve } from 'node:path';
import { CONFIG_FILE, type ContentProblem } from '../content/index.ts';
import { NewsletterError } from '../errors.ts';
import { pageHtml, FEED_FILES } from './document.tsx';
import { atomFeed, jsonFeed } from './feeds.ts';
import { IndexPage } from './index-page.tsx';
import { IssuePage } from './issue-page.tsx';
import { loadArchive, siteBase } from './issues.ts';
import { siteOf, type Site } from './model.ts';
import { sitemap } from './sitemap.ts';

/** The file in the site that says `newsletter archive` wrote it, so a rebuild may replace the folder (and nothing else). */
export const SITE_MARKER = '.newsletter-archive';
const MARKER_TEXT = 'Written by `newsletter archive`. This folder is replaced as a whole on every build: keep nothing else here.\n';

export interface BuiltSite {
  site: Site;
  /** Every file of the site, path (with "/") → bytes; sorted by path. */
  files: Map<string, Buffer>;
  warnings: ContentProblem[];
}

export interface ArchiveOptions {
  /** Folder with newsletter.yml and issues/ (default: content). */
  contentDir?: string;
  /** Replaces siteUrl in every absolute URL (a staging host). */
  baseUrl?: string;
  cwd?: string;
}

/** Every file of the site from a Site, in memory. */
export function siteFiles(site: Site): Map<string, Buffer> {
  const files = new Map<string, string | Buffer>();
  files.set(SITE_MARKER, MARKER_TEXT);
  files.set('index.html', pageHtml(createElement(IndexPage, { site })));
  site.issues.forEach((issue, i) => {
    if (files.has(issue.file)) throw pathClash(issue.file, issue.props.issue.slug);
    files.set(issue.file, pageHtml(createElement(IssuePage, { site, issue, previous: site.issues[i - 1], next: site.issues[i + 1] })));
    for (const asset of issue.assets) files.set(asset.name, asset.data);
  });
  files.set(FEED_FILES.atom, atomFeed(site));
  files.set(FEED_FILES.json, jsonFeed(site));
  files.set('sitemap.xml', sitemap(site));
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, data]) => [path, typeof data === 'string' ? Buffer.from(data) : data]));
}

function pathClash(file: string, slug: string): NewsletterError {
  return new NewsletterError('ECONTENT', `The page of issue "${slug}" would be written to ${file}, which another page of the archive already is`, {
    where: 'newsletter.yml',
    fix: 'Give the issue another slug, or let webVersionUrl end in "{slug}/" (its default): each issue then has a folder of its own.',
  });
}

/** Load and build every issue, then the whole site, in memory; nothing is written. */
export async function buildSite(options: ArchiveOptions = {}): Promise<BuiltSite> {
  const cwd = options.cwd ?? process.cwd();
  const contentDir = options.contentDir ?? 'content';
  const { config, issues, warnings } = await loadArchive(contentDir, cwd);
  const base = siteBase(config, contentDir, options.baseUrl, cwd);
  const site = siteOf(issues, config, base);
  const reached = config.siteUrl || config.webVersionUrl === `${base}{slug}/`;
  const outside = reached ? [] : [viewInBrowserElsewhere(config.webVersionUrl, base, relative(cwd, join(resolve(cwd, contentDir), CONFIG_FILE)))];
  return { site, files: siteFiles(site), warnings: [...warnings, ...outside] };
}

/**
 * With --base-url and no siteUrl the pages are at "<slug>/" of that URL, which is not where the
 * emails' "View in browser" (webVersionUrl) leads: say so rather than publish an archive nobody reaches.
 */
function viewInBrowserElsewhere(webVersionUrl: string, base: string, file: string): ContentProblem {
  return {
    severity: 'warning',
    file,
    field: 'siteUrl',
    message: `there is no siteUrl, so each page is written at <slug>/ of ${base}; the emails' "View in browser" links (webVersionUrl ${webVersionUrl}) lead elsewhere`,
    fix: 'Set siteUrl to the URL the archive is published at (webVersionUrl then defaults to <siteUrl>{slug}/); keep --base-url for a staging copy.',
  };
}
