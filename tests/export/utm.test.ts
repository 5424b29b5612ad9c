import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { buildIssue } from '../../src/render/build.ts';
import { addUtm } from '../../src/render/utm.ts';
import { placeholder } from '../../src/content/index.ts';
import { exportIssue, PLATFORMS } from '../../src/export/index.ts';
import { FIXTURES, ROOT } from '../helpers/content.ts';

const UTM = { source: 'newsletter', medium: 'email' };
const UNSUB = 'https://news.example.com/unsubscribe';
const tag = (url: string) => addUtm(url, UTM, 'issue-7', UNSUB);
const ADDED = 'utm_source=newsletter&utm_medium=email&utm_campaign=issue-7';

describe('addUtm', () => {
  it.each([
    ['a bare link', 'https://example.com/story', `https://example.com/story?${ADDED}`],
    ['a link with a query string, kept byte for byte', 'https://example.com/a?q=a%20b&path=/x/y&flag', `https://example.com/a?q=a%20b&path=/x/y&flag&${ADDED}`],
    ['a link with a fragment', 'https://example.com/a?x=1,2#part-2', `https://example.com/a?x=1,2&${ADDED}#part-2`],
    ['a link ending in ?', 'https://example.com/a?', `https://example.com/a?${ADDED}`],
    ['a page whose path only starts like the unsubscribe page', 'https://news.example.com/unsubscribe-faq', `https://news.example.com/unsubscribe-faq?${ADDED}`],
  ])('adds the parameters to %s', (_label, url, expected) => {
    expect(tag(url)).toBe(expected);
  });

  it('keeps utm_* parameters the author already set and adds only the missing ones', () => {
    expect(tag('https://example.com/p?utm_source=twitter')).toBe('https://example.com/p?utm_source=twitter&utm_medium=email&utm_campaign=issue-7');
    expect(tag(`https://example.com/p?${ADDED}`)).toBe(`https://example.com/p?${ADDED}`);
  });

  it('uses the configured campaign over the issue slug', () => {
    expect(addUtm('https://example.com/', { ...UTM, campaign: 'spring drive' }, 'issue-7', UNSUB)).toBe('https://example.com/?utm_source=newsletter&utm_medium=email&utm_campaign=spring%20drive');
  });

  it.each([
    ['mailto: links', 'mailto:editors@example.com?subject=Hi'],
    ['the unsubscribe page', UNSUB],
    ['an unsubscribe link with a token', `${UNSUB}?token=abc`],
    ['a page under the unsubscribe path', `${UNSUB}/confirm`],
    // Props hold merge fields as marks (content/merge-fields.ts), not as `{{email}}` text.
    ['templated links', `https://example.com/r?email=${placeholder('email')}`],
    ['non-http links', 'ftp://example.com/file'],
  ])('leaves %s alone', (_label, url) => {
    expect(tag(url)).toBe(url);
  });
});

describe('UTM parameters in what is built and exported', () => {
  it('the seed issue: content links carry them, unsubscribe, view-in-browser and mailto links do not', async () => {
    const built = await buildIssue({ contentDir: join(ROOT, 'content') });
    const hrefs = [...parseHTML(built.html).document.querySelectorAll('a')].map((a) => a.getAttribute('href') ?? '');
    const cta = hrefs.find((h) => h.startsWith('https://hemispherebrief.example.com/issues?'));
    expect(cta).toBe('https://hemispherebrief.example.com/issues?utm_source=newsletter&utm_medium=email&utm_campaign=2026-02-05-trump-petro-oval-office');
    for (const href of hrefs.filter((h) => h.startsWith('mailto:') || h.startsWith('{{'))) expect(href).not.toContain('utm_');
    expect(hrefs).toContain('{{unsubscribeUrl}}');
    expect(hrefs).toContain('mailto:editors@hemispherebrief.example.com');
  });

  it.each(PLATFORMS.map((p) => p.name))('the %s export keeps a content link’s own query string and adds the parameters once', async (name) => {
    const exported = await exportIssue({ contentDir: join(FIXTURES, 'export', 'content'), targets: [name] });
    const html = String(exported.targets[0]!.files['email.html']);
    const report = [...parseHTML(html).document.querySelectorAll('a')].find((a) => a.textContent === 'report');
    expect(report?.getAttribute('href')).toBe('https://example.com/report?ref=mail&path=/a/b&q=a%20b&utm_source=newsletter&utm_medium=email&utm_campaign=2026-03-12-every-field');
    const mailto = [...parseHTML(html).document.querySelectorAll('a')].find((a) => a.textContent === 'write to us');
    expect(mailto?.getAttribute('href')).toBe('mailto:editors@hemispherebrief.example.com');
  });
});
