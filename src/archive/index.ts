// The web archive (`newsletter archive`): every issue as a web page, the index, the feeds and the sitemap.
export { buildSite, siteFiles, SITE_MARKER, type ArchiveOptions, type BuiltSite } from './build-site.ts';
export { writeSite, type WriteReport } from './write-site.ts';
export { serveSite, contentType, type SiteServer } from './serve.ts';
export { normalizeBaseUrl } from './issues.ts';
export { FEED_FILES } from './document.tsx';
export type { ArchivedIssue, Site } from './model.ts';
