import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserPass, checkAccessibility, checkIssue, parseHtml, runBrowserStep, severityOf, withoutDuplicates, type CheckReport, type Finding } from '../../src/check/index.ts';
import { NewsletterError } from '../../src/errors.ts';
import { buildIssue } from '../../src/render/build.ts';
import { SKIP_BROWSER } from '../browser/chromium.ts';
import { tempDir } from '../helpers/cli.ts';
import { ROOT } from '../helpers/content.ts';
import { CHECK_FIXTURES, fixtureHtml } from './fixtures.ts';

const SEED = join('content', 'issues', '2026-02-05-trump-petro-oval-office.md');
const accessibility = (report: CheckReport) => report.findings.filter((f) => f.section === 'accessibility' || f.section === 'images');
const ids = (findings: Finding[]) => findings.map((f) => f.id);

/** A copy of the seed content with a link that has no text ("[](url)") in its first section. */
async function emptyLinkProject(): Promise<string> {
  const dir = await tempDir();
  await cp(join(ROOT, 'content'), join(dir, 'content'), { recursive: true });
  const file = join(dir, SEED);
  const issue = await readFile(file, 'utf8');
  await writeFile(file, issue.replace(/^## (.*)$/m, '## $1\n\nSee [](https://hemispherebrief.example.com/map).'));
  return dir;
}

describe('the article wrapper (no browser needed)', () => {
  it('wraps the rendered email in role="article" named by the subject, with lang and dir', async () => {
    const built = await buildIssue({ cwd: ROOT });
    const article = parseHtml(built.html).all('[role="article"]');
    expect(article).toHaveLength(1);
    expect(article[0]!.attribs).toMatchObject({ 'aria-roledescription': 'email', 'aria-label': built.meta.subject, lang: 'en', dir: 'ltr' });
    // All the visible text is inside it (the hand-written check that stands in for axe's page-level `region`).
    expect(ids(checkAccessibility(parseHtml(built.html)))).not.toContain('accessibility.article');
  });

  it('warns when an email has no article wrapper', () => {
    const findings = checkAccessibility(parseHtml(fixtureHtml('missing-alt.html')));
    expect(findings.filter((f) => f.id === 'accessibility.article').map((f) => f.severity)).toEqual(['warning']);
  });
});

describe('axe-core findings and duplicates (no browser needed)', () => {
  it.each([
    ['critical', 'error'],
    ['serious', 'error'],
    ['moderate', 'warning'],
    ['minor', 'warning'],
  ] as const)('impact %s → %s', (impact, severity) => {
    expect(severityOf(impact)).toBe(severity);
  });

  const contrast = (scheme: string): Finding => ({ id: 'accessibility.contrast', section: 'accessibility', severity: 'error', message: 'x', data: { scheme } });
  const axeContrast = (schemes: string[]): Finding => ({ id: 'accessibility.axe-color-contrast', section: 'accessibility', severity: 'error', message: 'x', data: { schemes } });

  it('keeps axe-core contrast findings only for a colour scheme the palette check passed', () => {
    expect(ids(withoutDuplicates([contrast('light')], [axeContrast(['light'])]))).toEqual(['accessibility.contrast']);
    expect(ids(withoutDuplicates([contrast('light')], [axeContrast(['dark'])]))).toEqual(['accessibility.contrast', 'accessibility.axe-color-contrast']);
  });

  it('leaves the hand-written findings alone when axe-core did not run', () => {
    const noText: Finding = { id: 'accessibility.link-no-text', section: 'accessibility', severity: 'error', message: 'x' };
    expect(withoutDuplicates([noText], undefined)).toEqual([noText]);
  });

  it('notes that axe-core was skipped, and why, when Chromium is missing', async () => {
    const missing = () => Promise.resolve({ browserPass: () => Promise.reject(new NewsletterError('ECONFIG', 'Chromium is not installed.', { fix: 'Install it.' })) });
    const step = await runBrowserStep({ html: '<p>x</p>', axe: true }, missing);
    expect(step.findings.map((f) => [f.id, f.severity, f.fix])).toEqual([['accessibility.axe-skipped', 'info', 'Install it.']]);
    expect(step.axe).toBeUndefined();
  });
});

describe.skipIf(SKIP_BROWSER)('axe-core in the check (real Chromium)', () => {
  let seed: CheckReport;
  beforeAll(async () => {
    seed = await checkIssue({ cwd: ROOT, spam: false });
  });

  it('finds no violations on the seed issue, light or dark (before: landmark-one-main and region)', () => {
    expect(accessibility(seed).filter((f) => f.severity !== 'info')).toEqual([]);
    expect(ids(accessibility(seed))).toContain('accessibility.axe-ok');
  });

  it('reports an image without alt text with its axe id, severity and help URL', async () => {
    const { axe = [] } = await runBrowserStep({ html: fixtureHtml('missing-alt.html'), axe: true });
    const alt = axe.find((f) => f.id === 'accessibility.axe-image-alt');
    expect(alt).toMatchObject({ severity: 'error', data: { rule: 'image-alt', impact: 'critical', schemes: ['light', 'dark'] } });
    expect(alt?.where).toContain('<img src="https://example.com/chart.png"');
    expect(alt?.fix).toMatch(/^Add alt text .* See https:\/\/dequeuniversity\.com\/rules\/axe\/[\d.]+\/image-alt/);
  });

  it('reports a link with no text once: axe-core link-name replaces the hand-written finding', async () => {
    const report = await checkIssue({ cwd: await emptyLinkProject(), spam: false });
    const problems = accessibility(report).filter((f) => f.severity !== 'info');
    expect(problems.map((f) => [f.id, f.severity])).toEqual([['accessibility.axe-link-name', 'error']]);
    expect(problems[0]?.fix).toContain('https://dequeuniversity.com/rules/axe/');
    expect(problems[0]?.where).toContain('href="https://hemispherebrief.example.com/map');
  });

  it('falls back to the hand-written check for the same link when axe-core is off', async () => {
    const report = await checkIssue({ cwd: await emptyLinkProject(), spam: false, axe: false });
    expect(accessibility(report).filter((f) => f.severity !== 'info').map((f) => f.id)).toEqual(['accessibility.link-no-text']);
  });

  it('reports low contrast once, as the palette finding, though axe-core finds it too', async () => {
    const html = (await buildIssue({ cwd: ROOT, contentDir: join(CHECK_FIXTURES, 'low-contrast') })).html;
    const raw = await browserPass({ html, axe: true });
    expect(raw.axe?.find((run) => run.scheme === 'light')?.violations.map((v) => v.id)).toContain('color-contrast');
    const report = await checkIssue({ cwd: ROOT, contentDir: join(CHECK_FIXTURES, 'low-contrast'), spam: false });
    expect(new Set(ids(report.findings.filter((f) => f.severity === 'error')))).toEqual(new Set(['accessibility.contrast']));
  });
});
