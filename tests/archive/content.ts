import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/content.ts';

/** A second issue: a remote https hero, a story, a merge field in the text and a long unbroken URL (it must wrap at 375 px). */
export const SECOND = `---
number: 2
date: 2026-02-12
subject: "Brazil & Argentina: a <trade> truce"
preheader: Two neighbours agree on tariffs, and a dispute over beef goes quiet for now.
hero:
  src: https://images.example.com/hero/brazil-argentina.jpg
  alt: The presidents of Brazil and Argentina shaking hands in Brasília
  width: 1200
  height: 600
stories:
  - title: What the tariff deal covers
    summary: Cars, steel and beef, with quotas that rise each year until 2030.
    url: https://news.example.org/trade/mercosur-deal
---

# Brazil and Argentina agree a trade truce

{{firstName}}, this week the two largest economies of South America agreed to stop raising tariffs on each other.

The full text is at https://www.example.org/documents/mercosur/2026/02/brazil-argentina-tariff-truce-full-text-with-annexes-and-schedules.pdf for anyone who wants it.

## 📍 What changed

Both sides drop the emergency tariffs of last autumn. See [the earlier issue](https://hemispherebrief.example.com/issues/2026-02-05-trump-petro-oval-office/).
`;

/** A third issue, older than the seed by date (its number is higher: the archive orders by date). */
export const THIRD = `---
number: 3
date: 2026-01-29
subject: A week of summits
preheader: Leaders meet in Bogotá and Santiago while Caracas waits for news.
slug: week-of-summits
---

# A week of summits

Three meetings, two statements, one photograph everyone is talking about.

## 🔎 Who met whom

Foreign ministers in Bogotá, finance ministers in Santiago.
`;

export const SEED_FILE = '2026-02-05-trump-petro-oval-office.md';
export const SECOND_FILE = '2026-02-12-brazil-argentina.md';
export const THIRD_FILE = '2026-01-29-week-of-summits.md';

/** A temp working folder with content/ (the seed plus the issues above); call remove() when done. */
export async function archiveContent(): Promise<{ dir: string; content: string; issues: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'newsletter-archive-'));
  const content = join(dir, 'content');
  await cp(join(ROOT, 'content'), content, { recursive: true });
  const issues = join(content, 'issues');
  await writeFile(join(issues, SECOND_FILE), SECOND);
  await writeFile(join(issues, THIRD_FILE), THIRD);
  return { dir, content, issues, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** An Arabic issue for the right-to-left case: a quotation (its bar must sit on the inline-start side, the right) and a long link. */
export const ARABIC = `---
number: 4
date: 2026-02-19
subject: قمة الأمريكتين في بنما
preheader: القادة يجتمعون في بنما لمناقشة التجارة والهجرة، وكراكاس تنتظر الأخبار.
slug: summit-panama
---

# قمة الأمريكتين في بنما

اجتمع القادة هذا الأسبوع في مدينة بنما لمناقشة التجارة والهجرة.

> قال أحد الوزراء: «لن نوقّع على أي شيء قبل أن نقرأ النص كاملاً».

النص الكامل على https://www.example.org/documents/summit/2026/02/panama-declaration-full-text-with-annexes-and-schedules.pdf لمن يريده.

## 📍 ما الذي تغيّر

- خفض الرسوم الجمركية على الصلب
- حصص جديدة للحوم الأبقار
`;
export const ARABIC_FILE = '2026-02-19-summit-panama.md';

/** Turn a content folder from archiveContent() into an Arabic, right-to-left newsletter with the Arabic issue added. */
export async function makeRightToLeft(content: string): Promise<void> {
  const yml = join(content, 'newsletter.yml');
  const text = await readFile(yml, 'utf8');
  await writeFile(yml, text.replace(/^language: en$/m, 'language: ar').replace(/^direction: ltr$/m, 'direction: rtl'));
  await writeFile(join(content, 'issues', ARABIC_FILE), ARABIC);
}
