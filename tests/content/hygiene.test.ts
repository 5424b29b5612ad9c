import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, validateIssue, validateNewsletter, type ContentProblem, type Validation } from '../../src/content/index.ts';
import { FIXTURES, fixtureConfig } from '../helpers/content.ts';

// Issue 9 §6 and §5: text that can reach a mail header, every configured URL,
// and newsletter.yml text are checked when content is validated, not at send time.

const ISSUE = readFileSync(join(FIXTURES, 'content', 'good-full.md'), 'utf8');
const CONFIG = readFileSync(join(FIXTURES, 'content', 'newsletter.yml'), 'utf8');

/** A YAML double-quoted scalar with every non-printable character as a \u escape. */
function yamlQuoted(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** Replace the first line matching `line` (a whole "key: value" line, indentation kept) with `key: <quoted value>`. */
function withValue(text: string, line: RegExp, value: string): string {
  const replaced = text.replace(line, (whole) => `${/^\s*[\w-]+:|^\s*- [\w-]+:/.exec(whole)![0]} ${yamlQuoted(value)}`);
  expect(replaced, `no line matches ${line}`).not.toBe(text);
  return replaced;
}

function errorOn<T>(result: Validation<T>, field: string): ContentProblem {
  expect(result.ok, 'expected a validation error').toBe(false);
  const problem = result.ok ? undefined : result.errors.find((p) => p.field === field);
  expect(problem, `no error on ${field}; got ${result.ok ? 'none' : result.errors.map(formatProblem).join('\n')}`).toBeDefined();
  return problem!;
}

const issue = (text: string) => validateIssue(text, { file: 'content/issues/x.md', config: fixtureConfig() });
const config = (text: string) => validateNewsletter(text, 'content/newsletter.yml');

const HEADER_BREAKERS: [string, string][] = [
  ['CR', 'Hello\rBcc: x@evil.example'],
  ['LF', 'Hello\nBcc: x@evil.example'],
  ['NUL', 'Hello\0there'],
  ['a C0 control (U+0001)', 'Hello\u0001there'],
  ['TAB', 'Hello\tthere'],
  ['DEL', 'Hello\u007fthere'],
  ['NEL (U+0085)', 'Hello\u0085there'],
  ['LINE SEPARATOR (U+2028)', 'Hello\u2028Bcc: x@evil.example'],
  ['PARAGRAPH SEPARATOR (U+2029)', 'Hello\u2029there'],
];

describe('text that can reach a mail header refuses control and line-break characters', () => {
  it.each(HEADER_BREAKERS)('subject with %s', (_name, value) => {
    const problem = errorOn(issue(withValue(ISSUE, /^subject: .*$/m, value)), 'subject');
    expect(problem.line).toBe(4);
    expect(problem.message).toMatch(/U\+[0-9A-F]{4}/);
    expect(problem.fix).toMatch(/\S/);
  });

  it.each(HEADER_BREAKERS)('preheader with %s', (_name, value) => {
    const problem = errorOn(issue(withValue(ISSUE, /^preheader: .*$/m, value)), 'preheader');
    expect(problem.line).toBe(5);
  });

  it.each([
    ['name', /^name: .*$/m],
    ['from.name', /^ {2}name: .*$/m],
    ['postalAddress', /^postalAddress: .*$/m],
    ['tagline', /^tagline: .*$/m],
    ['greetingFallback', /^greetingFallback: .*$/m],
  ] as const)('newsletter.yml %s', (field, line) => {
    for (const [, value] of HEADER_BREAKERS) {
      const problem = errorOn(config(withValue(CONFIG, line, `Brief ${value}`)), field);
      expect(problem.line).toBeGreaterThan(1);
      expect(formatProblem(problem)).toContain('content/newsletter.yml:');
    }
  });

  it.each([
    ['from.email', /^ {2}email: .*$/m, 'brief@hemispherebrief.example.com\u2028Bcc: y@evil.example'],
    ['replyTo', /^replyTo: .*$/m, 'editors@hemispherebrief.example.com\rBcc: y@evil.example'],
    ['listId', /^listId: .*$/m, 'brief.example.com\u0085x'],
  ] as const)('newsletter.yml %s', (field, line, value) => {
    errorOn(config(withValue(CONFIG, line, value)), field);
  });

  it('keeps ordinary punctuation, quotes and non-Latin letters in a subject', () => {
    const result = issue(withValue(ISSUE, /^subject: .*$/m, '“Quoted”, it\'s: Petro’s visit — ¿qué pasó? 日本 🇨🇴'));
    expect(result.ok ? [] : result.errors.map(formatProblem)).toEqual([]);
  });
});

const NOT_URLS: [string, string][] = [
  ['an attribute break-out', 'https://localhost" onclick="alert(1)'],
  ['a single quote', "https://example.com/it's"],
  ['angle brackets', 'https://example.com/<script>'],
  ['a space', 'https://example.com/a b'],
  ['a space in the host', 'https://exa mple.com/'],
  ['a backslash', 'https://example.com\\@evil.example/'],
  ['javascript:', 'javascript:alert(1)//example.com'],
  ['ftp:', 'ftp://example.com/file'],
  ['no host', 'https:///path.example'],
  ['a host with no dot', 'https://intranet/page'],
  ['a line break', 'https://example.com/\u2028x'],
];

describe('every configured URL is parsed as a URL with an allowed scheme', () => {
  it.each([
    ['hero.src', /^ {2}src: https:\/\/example.com\/hero.jpg$/m],
    ['cta.url', /^ {2}url: .*$/m],
    ['stories.0.url', /^ {4}url: https:\/\/example.com\/second$/m],
    ['stories.1.image.src', /^ {6}src: .*$/m],
  ] as const)('issue %s', (field, line) => {
    for (const [kind, value] of NOT_URLS) {
      const problem = errorOn(issue(withValue(ISSUE, line, value)), field);
      expect(problem.line, kind).toBeGreaterThan(1);
      expect(problem.received, kind).toBeDefined();
      expect(problem.fix, kind).toMatch(/https:\/\//);
    }
  });

  it('issue canonicalUrl', () => {
    for (const [kind, value] of NOT_URLS) {
      const text = ISSUE.replace(/^preheader: .*$/m, (l) => `${l}\ncanonicalUrl: ${yamlQuoted(value)}`);
      expect(errorOn(issue(text), 'canonicalUrl').line, kind).toBe(6);
    }
  });

  it.each([
    ['website', /^website: .*$/m],
    ['unsubscribeUrl', /^unsubscribeUrl: .*$/m],
  ] as const)('newsletter.yml %s', (field, line) => {
    for (const [kind, value] of NOT_URLS) {
      const problem = errorOn(config(withValue(CONFIG, line, value)), field);
      expect(formatProblem(problem), kind).toMatch(/content\/newsletter\.yml:\d+ .*received: .*fix: /s);
    }
  });

  it('newsletter.yml webVersionUrl and logo.src', () => {
    for (const [kind, value] of NOT_URLS) {
      errorOn(config(withValue(CONFIG, /^webVersionUrl: .*$/m, `${value}/{slug}`)), 'webVersionUrl');
      const logo = `${CONFIG}\nlogo:\n  src: ${yamlQuoted(value)}\n  alt: The Hemisphere Brief\n  width: 200\n`;
      expect(errorOn(config(logo), 'logo.src').line, kind).toBeGreaterThan(1);
    }
  });

  it('a newsletter.yml URL may not hold merge fields, template braces or reserved marks', () => {
    errorOn(config(withValue(CONFIG, /^website: .*$/m, 'https://example.com/{{@key}}')), 'website');
    errorOn(config(withValue(CONFIG, /^unsubscribeUrl: .*$/m, 'https://example.com/u?e=\ue000email\ue001')), 'unsubscribeUrl');
    errorOn(config(withValue(CONFIG, /^webVersionUrl: .*$/m, 'https://example.com/{{slug}}')), 'webVersionUrl');
  });

  it.each([
    ['cta.url', 'mailto:editors@example.com?subject=Hello%20there', /^ {2}url: .*$/m],
    ['cta.url', 'https://example.com/report?ref=mail&n={{firstName}}', /^ {2}url: .*$/m],
    ['hero.src', 'http://localhost:3000/hero.jpg', /^ {2}src: https:\/\/example.com\/hero.jpg$/m],
    ['stories.0.url', 'https://例え.jp/パス?q=1#frag', /^ {4}url: https:\/\/example.com\/second$/m],
  ] as const)('accepts a good %s: %s', (_field, value, line) => {
    const result = issue(withValue(ISSUE, line, value));
    expect(result.ok ? [] : result.errors.map(formatProblem)).toEqual([]);
  });

  it('mailto: is only for links, never for images or the website', () => {
    errorOn(issue(withValue(ISSUE, /^ {2}src: https:\/\/example.com\/hero.jpg$/m, 'mailto:a@example.com')), 'hero.src');
    errorOn(config(withValue(CONFIG, /^website: .*$/m, 'mailto:a@example.com')), 'website');
  });
});

describe('issue slugs', () => {
  it.each(['..', '.', 'a/b', '../out', '-x', ''])('refuses slug: %j', (slug) => {
    const text = ISSUE.replace(/^number: .*$/m, (l) => `${l}\nslug: ${yamlQuoted(slug)}`);
    expect(errorOn(issue(text), 'slug').fix).toMatch(/slug: /);
  });

  it('refuses a file name with no letters or digits (---.md) unless slug: is set', () => {
    const empty = validateIssue(ISSUE, { file: 'content/issues/---.md', config: fixtureConfig() });
    expect(errorOn(empty, 'slug').message).toMatch(/empty slug/);
    const named = validateIssue(ISSUE.replace(/^number: .*$/m, (l) => `${l}\nslug: good`), { file: 'content/issues/---.md', config: fixtureConfig() });
    expect(named.ok).toBe(true);
  });
});

describe('newsletter.yml text is plain text: no template code, no HTML', () => {
  it.each([
    ['name', 'Brief {{#each this}}[{{@key}}]{{/each}}', /^name: .*$/m],
    ['postalAddress', "1200 Example Avenue {{lookup this 'email'}} Washington", /^postalAddress: .*$/m],
    ['name', 'Hi {{firstName}}', /^name: .*$/m],
    ['name', 'Brief {{{firstName}}}', /^name: .*$/m],
    ['logo.alt', 'Logo {{> partial}}', /^ {2}alt: .*$/m],
    ['tagline', 'Politics {{log 1}}', /^tagline: .*$/m],
    ['greetingFallback', '{{email}}', /^greetingFallback: .*$/m],
    ['postalAddress', '1200 Example Avenue \ue000email\ue001 Washington', /^postalAddress: .*$/m],
  ] as const)('refuses template braces or marks in %s: %s', (field, value, line) => {
    const base = `${CONFIG}\nlogo:\n  src: https://example.com/logo.png\n  alt: The Hemisphere Brief\n  width: 200\n`;
    const problem = errorOn(config(withValue(base, line, value)), field);
    expect(problem.line).toBeGreaterThan(1);
    expect(problem.fix).toMatch(/\S/);
  });

  it.each([
    ['name', 'The <b>Brief</b>', /^name: .*$/m],
    ['postalAddress', '1200 Example Avenue <img src=x onerror=alert(1)>', /^postalAddress: .*$/m],
    ['tagline', 'Politics <!-- hidden -->', /^tagline: .*$/m],
  ] as const)('refuses HTML in %s: %s', (field, value, line) => {
    expect(errorOn(config(withValue(CONFIG, line, value)), field).message).toMatch(/HTML/);
  });

  it('accepts literal braces written \\{{ and keeps a lone < or & as text', () => {
    const text = withValue(withValue(CONFIG, /^name: .*$/m, 'The \\{{Brief}} & Co <3'), /^tagline: .*$/m, 'a < b, {single} braces');
    const result = config(text);
    expect(result.ok ? [] : result.errors.map(formatProblem)).toEqual([]);
    if (result.ok) expect(result.value.name).toBe('The {{Brief}} & Co <3');
  });
});
