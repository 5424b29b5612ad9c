import { escapeHtml } from '../content/index.ts';
import type { Site } from './model.ts';
import { absoluteUrl } from './urls.ts';

/**
 * sitemap.xml (https://www.sitemaps.org/protocol.html): the index and every page with its date.
 * By hand: a dozen lines of XML, where a library would add a dependency for one loop. Every URL
 * is XML-escaped (escapeHtml escapes & < > " ', which covers XML's five).
 */
export function sitemap(site: Site): string {
  const newest = site.issues.at(-1)?.date;
  const entries = [
    { loc: absoluteUrl(site.baseUrl, ''), lastmod: newest },
    ...[...site.issues].reverse().map((issue) => ({ loc: issue.url, lastmod: issue.date })),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ...entries.map((e) => `  <url><loc>${escapeHtml(e.loc)}</loc>${e.lastmod ? `<lastmod>${e.lastmod}</lastmod>` : ''}</url>`),
    '</urlset>',
    '',
  ].join('\n');
}
