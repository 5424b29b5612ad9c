/** Every issue the tests can load: the seed (content/issues), every valid fixture issue under tests/fixtures, and crafted Markdown. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { validateIssue, validateNewsletter, type NewsletterConfig, type NewsletterProps } from '../../src/content/index.ts';
import { FIXTURES, fixtureConfig, ROOT } from '../helpers/content.ts';

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The newsletter.yml that governs an issue file: the nearest one above it (content/issues/x.md → content/), else the fixture config. */
function configFor(file: string): NewsletterConfig {
  for (let dir = dirname(file); dir.startsWith(ROOT); dir = dirname(dir)) {
    const path = join(dir, 'newsletter.yml');
    if (!existsSync(path)) continue;
    const result = validateNewsletter(readFileSync(path, 'utf8'), relative(ROOT, path));
    if (!result.ok) throw new Error(`${path} is invalid`);
    return result.value;
  }
  return fixtureConfig();
}

export interface LoadableIssue {
  name: string;
  props: NewsletterProps;
}

function validated(name: string, source: string, config: NewsletterConfig): LoadableIssue | undefined {
  const result = validateIssue(source, { file: name, config });
  return result.ok ? { name, props: result.value } : undefined;
}

/** Markdown the fixtures lack: nested and numbered lists, hard breaks, quotes of several paragraphs, links written as their URL, wide headings. */
export const CRAFTED_ISSUE = `---
number: 99
date: 2026-04-01
subject: Edge cases for the plain text
preheader: Nested lists, breaks, quotes and links whose text is their URL.
---

# 東京 news &amp; “quotes” for {{firstName}} 🎉

Line one  
line two after a hard break, a [link](https://example.com/a?x=1&y=2), and <https://example.com/bare>.

A link whose text is its URL: [https://example.com/same](https://example.com/same). **Bold [inside link](https://example.com/b)** and _em **nested**_.

## 🇺🇸 Lists — all kinds

- one
- two with \`code\`
  - nested a
  - nested b
- three

3. third
4. fourth
5. fifth, long enough to be laid out over more than one line of the plain text part of this issue

## Quotes

> First quoted paragraph.
>
> Second quoted paragraph with a [link](https://example.com/q).

---

### Sub-heading with {{lastName}}

Write to [the editors](mailto:editors@example.com) or see [#top](https://example.com/#top).
`;

export function loadableIssues(): LoadableIssue[] {
  const files = [...markdownFiles(join(ROOT, 'content', 'issues')), ...markdownFiles(FIXTURES)];
  const issues = files.map((file) => validated(relative(ROOT, file), readFileSync(file, 'utf8'), configFor(file)));
  const crafted = validated('crafted edge cases', CRAFTED_ISSUE, fixtureConfig());
  if (!crafted) throw new Error('the crafted issue no longer validates: update CRAFTED_ISSUE');
  return [...issues.filter((issue) => issue !== undefined), crafted];
}
