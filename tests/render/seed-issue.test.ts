import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIssue, type BuiltIssue } from '../../src/render/build.ts';
import { FIXTURES, ROOT } from '../helpers/content.ts';
import { parseDocument, personalizeBuilt } from '../helpers/render.ts';

const SEED = readFileSync(join(FIXTURES, 'seed', 'article.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
// The seed repeats its headline on its first two lines; the issue keeps it once.
const [HEADLINE, , ...REST] = SEED;
const SECTION_HEADINGS = ['📍 Historic Diplomatic Turn', '🎁 Symbolic Gesture: “Make the Americas Great Again”', '🔎 Background of Tension and Cooperation', '📌 What Comes Next?'];
const PARAGRAPHS = REST.filter((l) => !SECTION_HEADINGS.includes(l));

let built: BuiltIssue;
let doc: Document;
let html: string;
let text: string;

beforeAll(async () => {
  built = await buildIssue({ cwd: ROOT, contentDir: join(ROOT, 'content') });
  ({ html, text } = personalizeBuilt(built, { email: 'ana@example.com', firstName: 'Ana' }));
  doc = parseDocument(html);
});

describe('the seed issue (HTML)', () => {
  it('has the headline once, as the only h1', () => {
    const h1 = [...doc.querySelectorAll('h1')].map((h) => h.textContent?.trim());
    expect(h1).toEqual([HEADLINE]);
    expect(html.split(HEADLINE!).length - 1).toBe(1);
  });

  it('has the four section headings in order, with their emoji', () => {
    expect([...doc.querySelectorAll('h2')].map((h) => h.textContent?.trim())).toEqual(SECTION_HEADINGS);
  });

  it('has every paragraph of the seed article, word for word, curly quotes and dashes intact', () => {
    const paragraphs = [...doc.querySelectorAll('p')].map((p) => p.textContent?.trim());
    expect(PARAGRAPHS.length).toBe(9);
    for (const para of PARAGRAPHS) expect(paragraphs).toContain(para);
  });

  it('never prints undefined, null or [object Object]', () => {
    const visible = doc.body.textContent ?? '';
    expect(visible).not.toMatch(/\bundefined\b|\bnull\b|\[object Object\]/);
    expect(html).not.toMatch(/="undefined"|="null"|\[object Object\]/);
  });

  it('gives every image alt text and every link an http(s) or mailto URL', () => {
    for (const img of doc.querySelectorAll('img')) expect(img.getAttribute('alt')?.trim()).toBeTruthy();
    const hrefs = [...doc.querySelectorAll('a')].map((a) => a.getAttribute('href') ?? '');
    expect(hrefs.length).toBeGreaterThan(3);
    for (const href of hrefs) expect(href).toMatch(/^(https:\/\/|mailto:)/);
  });

  it('declares lang, dir, viewport, color scheme and a title, and carries the preheader', () => {
    expect(doc.documentElement.getAttribute('lang')).toBe('en');
    expect(doc.documentElement.getAttribute('dir')).toBe('ltr');
    expect(doc.querySelector('meta[name="viewport"]')?.getAttribute('content')).toContain('width=device-width');
    expect(doc.querySelector('meta[name="color-scheme"]')?.getAttribute('content')).toBe('light dark');
    expect(doc.querySelector('meta[name="supported-color-schemes"]')?.getAttribute('content')).toBe('light dark');
    expect(doc.querySelector('title')?.textContent).toBe(built.meta.subject);
    const preheader = doc.querySelector('[data-skip-in-text="true"]');
    expect(preheader?.textContent).toContain(built.meta.preheader);
    expect(html).toContain('prefers-color-scheme:dark');
  });

  it('greets the reader by first name, and falls back to "there"', () => {
    expect(doc.body.textContent).toContain('Hi Ana,');
    const anonymous = personalizeBuilt(built, { email: 'x@example.com' });
    expect(anonymous.html).toContain('Hi there,');
    expect(anonymous.text).toContain('Hi there,');
  });

  it('keeps the content column at most 600 px with layout tables marked presentation', () => {
    const container = doc.querySelector('table[role="presentation"][style*="max-width:600px"]');
    expect(container).not.toBeNull();
    for (const table of doc.querySelectorAll('table')) expect(table.getAttribute('role')).toBe('presentation');
  });

  it('renders a CTA button Outlook can click, and a footer with address, unsubscribe and web version', () => {
    const button = [...doc.querySelectorAll('a')].find((a) => a.textContent?.includes('Browse past issues'));
    expect(button?.getAttribute('href')).toMatch(/^https:\/\/hemispherebrief\.example\.com\/issues\?utm_source=newsletter/);
    expect(html).toContain('<!--[if mso]>'); // React Email's Button padding hack for Outlook
    expect(doc.body.textContent).toContain(built.props.newsletter.postalAddress);
    const unsubscribe = [...doc.querySelectorAll('a')].find((a) => a.textContent === 'Unsubscribe');
    expect(unsubscribe?.getAttribute('href')).toBe('https://news.example.com/unsubscribe?e=ana%40example.com&t=abc');
    const web = [...doc.querySelectorAll('a')].find((a) => a.textContent === 'View in browser');
    expect(web?.getAttribute('href')).toBe('https://news.example.com/issues/x');
  });

  it('is well under Gmail’s 102 KB clip (target: under 60 KB)', () => {
    expect(Buffer.byteLength(html)).toBeLessThan(60_000);
  });

  it('is not pretty-printed (that breaks MSO conditional comments)', () => {
    expect(built.html.split('\n')).toHaveLength(1);
  });
});

describe('the seed issue (plain text)', () => {
  it('has the headline, every section heading and every paragraph', () => {
    const flat = text.replace(/\s+/g, ' ');
    expect(text).toContain(HEADLINE);
    for (const h of SECTION_HEADINGS) expect(text).toMatch(new RegExp(`${h.replace(/[?]/g, '\\?')}\\n-+\\n`));
    for (const para of PARAGRAPHS) expect(flat).toContain(para);
  });

  it('separates paragraphs with a blank line and underlines the headline', () => {
    expect(text).toMatch(new RegExp(`${HEADLINE}\\n=+\\n\\n`));
    expect(text).toContain('Oval Office.\n\nInitially seen as tense');
  });

  it('gives each link as a URL once, none lost', () => {
    const doc2 = parseDocument(html);
    const urls = [...doc2.querySelectorAll('a')].map((a) => a.getAttribute('href')!).filter((h) => h.startsWith('https://'));
    for (const url of new Set(urls)) expect(text).toContain(url);
    expect(text.split('https://hemispherebrief.example.com/issues?').length - 1).toBe(1);
  });

  it('has no tags, entities or image noise, and has the unsubscribe URL and postal address', () => {
    expect(text).not.toMatch(/<\/?[a-z][^>]*>/i); // links are "text (url)", so any <…> is leftover markup
    expect(text).not.toMatch(/&[a-z]+;|&#\d+;/i);
    expect(text).not.toMatch(/\[image|\.jpg|\.png/i);
    expect(text).toContain('https://news.example.com/unsubscribe?e=ana%40example.com&t=abc');
    expect(text.replace(/\s+/g, ' ')).toContain(built.props.newsletter.postalAddress);
  });
});
