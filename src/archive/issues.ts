import { join, relative, resolve } from 'node:path';
import { CONFIG_FILE, ISSUES_DIR, formatProblem, loadConfig, scanIssues, type ContentProblem, type NewsletterConfig } from '../content/index.ts';
import { buildIssue, type BuiltIssue } from '../render/index.ts';
import { isNewsletterError, NewsletterError } from '../errors.ts';

export interface LoadedArchive {
  config: NewsletterConfig;
  /** Oldest first (by date, then number). */
  issues: BuiltIssue[];
  warnings: ContentProblem[];
}

/**
 * Build every issue of the content folder in memory. One bad issue must not publish a site with
 * a hole in it, so every failure is collected and reported together as one ECONTENT error,
 * before anything is written.
 */
export async function loadArchive(contentDir: string, cwd = process.cwd()): Promise<LoadedArchive> {
  const dir = resolve(cwd, contentDir);
  const config = await loadConfig(dir, cwd);
  const { heads, broken } = await scanIssues(dir, cwd);
  const failures: string[] = broken.map(formatProblem);
  const issues: BuiltIssue[] = [];
  // One at a time: each build renders with React, which is synchronous work anyway.
  for (const head of heads) {
    try {
      issues.push(await buildIssue({ file: head.file, contentDir: dir, cwd, scan: { heads, broken } }));
    } catch (error) {
      if (!isNewsletterError(error) || error.code !== 'ECONTENT') throw error;
      failures.push(error.message.replace(/^\d+ problems? in content:\n/, ''));
    }
  }
  if (failures.length) {
    const n = failures.length;
    throw new NewsletterError('ECONTENT', `${n} issue${n === 1 ? '' : 's'} cannot be published, so the archive was not written (the site stays as it was):\n${failures.join('\n')}`, {
      where: relative(cwd, join(dir, ISSUES_DIR)),
      fix: 'Fix each problem listed above (`newsletter build ISSUE.md` checks one issue), then run `newsletter archive` again.',
    });
  }
  if (!issues.length)
    throw new NewsletterError('ECONTENT', `No issues found in ${relative(cwd, join(dir, ISSUES_DIR)) || '.'}: the archive would be empty`, {
      where: relative(cwd, join(dir, ISSUES_DIR)),
      fix: `Write an issue as a Markdown file there, or pass --content DIR pointing at a folder with ${CONFIG_FILE} and ${ISSUES_DIR}/.`,
    });
  issues.sort((a, b) => a.meta.date.localeCompare(b.meta.date) || a.meta.number - b.meta.number);
  return { config, issues, warnings: issues.flatMap((i) => i.warnings) };
}

/**
 * The base URL every absolute URL of the site starts with: --base-url when given (a staging
 * host), else newsletter.yml siteUrl, which the archive needs.
 */
export function siteBase(config: NewsletterConfig, contentDir: string, baseUrl: string | undefined, cwd = process.cwd()): string {
  if (baseUrl !== undefined) return normalizeBaseUrl(baseUrl);
  if (config.siteUrl) return config.siteUrl;
  const file = relative(cwd, join(resolve(cwd, contentDir), CONFIG_FILE));
  const before = config.webVersionUrl.split('{slug}')[0] ?? '';
  const suggestion = before.endsWith('/') && before.length > 'https://x/'.length ? before : 'https://example.com/issues/';
  throw new NewsletterError('ECONTENT', `${file} has no siteUrl: the archive needs the URL it is published at (for canonical links, the feeds and the sitemap)`, {
    where: file,
    fix: `Add \`siteUrl: ${suggestion}\` to ${file} (where out/site/ will be served), or pass --base-url URL.`,
  });
}

/** --base-url as a base: http(s), no query or fragment, ending in "/". */
export function normalizeBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badBase(value, 'is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw badBase(value, 'must start with https:// or http://');
  if (url.search || url.hash || value.includes('?') || value.includes('#')) throw badBase(value, 'must not have a query (?) or fragment (#): page paths are appended to it');
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

const badBase = (value: string, why: string) =>
  new NewsletterError('EUSAGE', `--base-url ${why}; got "${value}"`, { fix: 'Example: --base-url https://staging.example.com/issues/' });
