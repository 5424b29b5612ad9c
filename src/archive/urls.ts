import { posix } from 'node:path';

/**
 * Where things live in the archive. A page path is relative to the site root ("slug/index.html",
 * "2026/x.html"); an href between pages is relative (so the folder works on any host, under any
 * path, and under --serve); URLs meant for elsewhere (canonical, og:url, feeds, sitemap) are
 * absolute on the site's base URL (siteUrl, or --base-url).
 */

/**
 * The file an issue's page is written to, from its webVersionUrl relative to the site's URL:
 * "slug/" → "slug/index.html", "x.html" → "x.html". A webVersionUrl outside the site (possible
 * only with --base-url and no siteUrl) falls back to "<slug>/".
 */
export function pageFile(webVersionUrl: string, siteUrl: string | undefined, slug: string): string {
  const rest = siteUrl && webVersionUrl.startsWith(siteUrl) ? webVersionUrl.slice(siteUrl.length) : `${slug}/`;
  const safe = rest.split('/').every((part) => part !== '..' && part !== '.') && !rest.startsWith('/') && /(\/|\.html)$/.test(rest);
  const path = safe && rest !== '' ? rest : `${slug}/`;
  return path.endsWith('/') ? `${path}index.html` : path;
}

/** The URL path of a page file: "slug/index.html" → "slug/" (how hosts serve folders), "x.html" as it is. */
export function pagePath(file: string): string {
  return file === 'index.html' ? '' : file.endsWith('/index.html') ? file.slice(0, -'index.html'.length) : file;
}

/** An href from the page written at `fromFile` to the site path `to` ("" is the index, "feed.xml", "slug/"). */
export function relativeHref(fromFile: string, to: string): string {
  const rel = posix.relative(posix.dirname(`/${fromFile}`), `/${to}`);
  const href = to.endsWith('/') || to === '' ? (rel === '' ? './' : `${rel}/`) : rel;
  return href === '' ? './' : href;
}

/** The absolute URL of a site path on the base URL (which ends in "/"). */
export function absoluteUrl(baseUrl: string, path: string): string {
  return baseUrl + path.split('/').map(encodeURIComponent).join('/');
}

/**
 * How a template writes a URL: relative in the archive's pages, absolute in the feeds. A URL
 * inside the site (an image in assets/, a link to another issue, the "Browse past issues" button)
 * is a site path first; anything else stays as written.
 */
export type Linker = (sitePath: string) => string;

/** The site path of a URL inside siteUrl (also siteUrl without its final "/"), or undefined for a URL elsewhere. */
export function sitePathOf(url: string, siteUrl: string | undefined): string | undefined {
  if (!siteUrl) return undefined;
  if (url === siteUrl.slice(0, -1)) return '';
  if (!url.startsWith(siteUrl)) return undefined;
  const rest = url.slice(siteUrl.length);
  // A query or fragment goes to a server we do not write: leave such a URL as it is.
  if (/[?#]/.test(rest)) return undefined;
  try {
    return decodeURIComponent(rest);
  } catch {
    return undefined;
  }
}
