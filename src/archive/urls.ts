import { posix } from 'node:path';
import { NewsletterError } from '../errors.ts';

/**
 * Where things live in the archive. A page path is relative to the site root ("slug/index.html",
 * "2026/x.html"); an href between pages is relative (so the folder works on any host, under any
 * path, and under --serve); URLs meant for elsewhere (canonical, og:url, feeds, sitemap) are
 * absolute on the site's base URL (siteUrl, or --base-url).
 */

/** Where an issue's page lives: the file written (decoded: "número/slug/index.html") and its URL path as the email links to it ("n%C3%BAmero/slug/"). */
export interface PageLocation {
  file: string;
  urlPath: string;
}

/**
 * An issue's page from its webVersionUrl relative to the site's URL: "slug/" → "slug/index.html",
 * "x.html" → "x.html". The URL path stays exactly as the email has it (canonical, feeds and sitemap
 * must name the page the email links to); the file path is each segment percent-decoded, since a
 * host serves "n%C3%BAmero/" from a folder named "número". A webVersionUrl outside the site
 * (possible only with --base-url and no siteUrl) falls back to "<slug>/".
 */
export function pageLocation(webVersionUrl: string, siteUrl: string | undefined, slug: string): PageLocation {
  const rest = siteUrl && webVersionUrl.startsWith(siteUrl) ? webVersionUrl.slice(siteUrl.length) : undefined;
  const usable = rest !== undefined && rest !== '' && !rest.startsWith('/') && /(\/|\.html)$/.test(rest) && rest.split('/').every((part) => part !== '..' && part !== '.');
  const urlPath = usable ? rest : `${encodeURIComponent(slug)}/`;
  const path = urlPath
    .split('/')
    .map((segment) => decodeSegment(segment, webVersionUrl))
    .join('/');
  return { file: path.endsWith('/') ? `${path}index.html` : path, urlPath };
}

/** One URL path segment as a file or folder name; a segment that would escape its folder or cannot be a name is refused. */
function decodeSegment(segment: string, webVersionUrl: string): string {
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    throw badPagePath(webVersionUrl, segment, 'is not valid percent-encoding (a "%" must be followed by two hex digits of UTF-8)');
  }
  if (name.includes('/')) throw badPagePath(webVersionUrl, segment, 'decodes to a name with "/" in it');
  if (name.includes('\0')) throw badPagePath(webVersionUrl, segment, 'decodes to a name with a NUL character in it');
  if (name === '..' || name === '.') throw badPagePath(webVersionUrl, segment, `decodes to "${name}", which would leave the archive's folder`);
  return name;
}

function badPagePath(webVersionUrl: string, segment: string, why: string): NewsletterError {
  return new NewsletterError('ECONTENT', `webVersionUrl ${webVersionUrl}: the part "${segment}" ${why}, so the archive cannot write the page there`, {
    where: 'newsletter.yml',
    fix: 'Write the path of webVersionUrl with plain names (letters, digits, "-"; other characters percent-encoded as UTF-8), e.g. https://example.com/issues/{slug}/.',
  });
}

/** The URL path of a page file: "slug/index.html" → "slug/" (how hosts serve folders), "x.html" as it is. */
export function pagePath(file: string): string {
  return file === 'index.html' ? '' : file.endsWith('/index.html') ? file.slice(0, -'index.html'.length) : file;
}

/**
 * An href from the page written at `fromFile` to the site path `to` ("" is the index, "feed.xml",
 * "slug/"). Site paths are file names, so each segment is percent-encoded: "número/" is linked as
 * "n%C3%BAmero/", and a ":" or "#" in a name is never read as a scheme or fragment.
 */
export function relativeHref(fromFile: string, to: string): string {
  const rel = posix.relative(posix.dirname(`/${fromFile}`), `/${to}`);
  const encoded = rel === '' ? '' : rel.split('/').map((segment) => (segment === '..' ? segment : encodeURIComponent(segment))).join('/');
  const href = to.endsWith('/') || to === '' ? (encoded === '' ? './' : `${encoded}/`) : encoded;
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
