import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, validateIssue, validateNewsletter, type NewsletterConfig } from '../../src/content/index.ts';
import { FIXTURES } from '../helpers/content.ts';

// Issue 17: newsletter.yml says where the archive is published (siteUrl), and the issue's
// web version and its "Browse past issues" button point into it.

const CONFIG = readFileSync(join(FIXTURES, 'content', 'newsletter.yml'), 'utf8');
const ISSUE = readFileSync(join(FIXTURES, 'content', 'good-full.md'), 'utf8');
const FILE = 'content/newsletter.yml';

/** The fixture config with its webVersionUrl line replaced (or removed with ''), plus extra lines. */
function configText(webVersion: string, extra: string): string {
  const text = CONFIG.replace(/^webVersionUrl: .*$/m, webVersion);
  return `${text}\n${extra}\n`;
}

function valid(text: string): NewsletterConfig {
  const result = validateNewsletter(text, FILE);
  if (!result.ok) throw new Error(result.errors.map(formatProblem).join('\n'));
  return result.value;
}

function problemOf(text: string, field: string) {
  const result = validateNewsletter(text, FILE);
  expect(result.ok, 'expected a validation error').toBe(false);
  const problem = result.ok ? undefined : result.errors.find((p) => p.field === field);
  expect(problem, result.ok ? '' : result.errors.map(formatProblem).join('\n')).toBeDefined();
  return problem!;
}

describe('newsletter.yml site settings', () => {
  it('siteUrl gets a trailing slash, and webVersionUrl defaults to the issue page inside it', () => {
    const config = valid(configText('', 'siteUrl: https://news.example.com/archive'));
    expect(config.siteUrl).toBe('https://news.example.com/archive/');
    expect(config.webVersionUrl).toBe('https://news.example.com/archive/{slug}/');
  });

  it('assetsBaseUrl and the feed settings are read as written', () => {
    const config = valid(configText('', 'siteUrl: https://news.example.com/\nassetsBaseUrl: https://cdn.example.com/news\nfeed:\n  title: News feed\n  author: The editors'));
    expect(config.assetsBaseUrl).toBe('https://cdn.example.com/news/');
    expect(config.feed).toEqual({ title: 'News feed', author: 'The editors' });
  });

  it('without siteUrl, webVersionUrl is required', () => {
    const problem = problemOf(configText('', ''), 'webVersionUrl');
    expect(problem.message).toMatch(/required but missing .*siteUrl/);
    expect(problem.fix).toContain('siteUrl: https://');
  });

  it('a webVersionUrl outside siteUrl is an error naming its line', () => {
    const text = configText('webVersionUrl: https://elsewhere.example.com/{slug}/', 'siteUrl: https://news.example.com/issues/');
    const problem = problemOf(text, 'webVersionUrl');
    expect(problem.line).toBe(text.split('\n').findIndex((l) => l.startsWith('webVersionUrl:')) + 1);
    expect(problem.message).toContain('outside siteUrl https://news.example.com/issues/');
    expect(problem.fix).toContain('webVersionUrl: https://news.example.com/issues/{slug}/');
  });

  it('inside the archive, a web version URL must name a folder or an .html file a static host serves', () => {
    const problem = problemOf(configText('webVersionUrl: https://news.example.com/issues/{slug}', 'siteUrl: https://news.example.com/issues/'), 'webVersionUrl');
    expect(problem.message).toMatch(/must end with "\/"/);
    expect(valid(configText('webVersionUrl: https://news.example.com/issues/{slug}.html', 'siteUrl: https://news.example.com/issues/')).webVersionUrl).toMatch(/\.html$/);
  });

  it.each([
    ['a query', 'https://news.example.com/?x=1', /query/],
    ['{slug}', 'https://news.example.com/{slug}/', /must not contain \{slug\}/],
    ['a non-http scheme', 'ftp://news.example.com/', /http/],
  ])('siteUrl with %s is refused', (_name, url, message) => {
    expect(problemOf(configText('', `siteUrl: ${url}`), 'siteUrl').message).toMatch(message);
  });
});

describe('the button at the end of an issue', () => {
  const withCta = (cta: string) => ISSUE.replace(/^cta:.*(\n {2}.*)*$/m, cta);

  it('points at the archive when it has no url', () => {
    const config = valid(configText('', 'siteUrl: https://news.example.com/issues/'));
    const result = validateIssue(withCta('cta:\n  label: Browse past issues'), { file: 'content/issues/x.md', config });
    if (!result.ok) throw new Error(result.errors.map(formatProblem).join('\n'));
    expect(result.value.issue.cta).toEqual({ label: 'Browse past issues', url: 'https://news.example.com/issues/' });
    expect(result.value.issue.webVersionUrl).toBe('https://news.example.com/issues/x/');
  });

  it('with no url and no siteUrl, is an error on its line with the fix', () => {
    const config = valid(CONFIG);
    const text = withCta('cta:\n  label: Browse past issues');
    const result = validateIssue(text, { file: 'content/issues/x.md', config });
    expect(result.ok).toBe(false);
    const problem = result.ok ? undefined : result.errors.find((p) => p.field === 'cta.url');
    expect(problem?.line).toBe(text.split('\n').indexOf('cta:') + 1);
    expect(problem?.fix).toMatch(/siteUrl/);
  });
});

describe('newsletter.yml language', () => {
  it('refuses a tag of the right shape that Intl cannot use (dates are formatted with it)', () => {
    const problem = problemOf(CONFIG.replace(/^language: .*$/m, 'language: en-US-US'), 'language');
    expect(problem.message).toMatch(/not a valid BCP 47 language tag/);
    expect(valid(CONFIG.replace(/^language: .*$/m, 'language: es-CO')).language).toBe('es-CO');
  });
});
