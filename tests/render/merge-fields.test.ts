import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIssue, type BuiltIssue } from '../../src/render/build.ts';
import { FIXTURES, ROOT } from '../helpers/content.ts';
import { parseDocument, personalizeBuilt } from '../helpers/render.ts';

let built: BuiltIssue;
beforeAll(async () => {
  built = await buildIssue({ cwd: ROOT, contentDir: join(FIXTURES, 'content'), file: join(FIXTURES, 'content', 'good-full.md') });
});

describe('merge fields', () => {
  it('come out of the render intact, as whole placeholders, in both parts', () => {
    expect(built.html).toContain('Hi {{firstName}},');
    expect(built.html).toContain('Hello {{firstName}}: a headline');
    expect(built.text).toContain('Hello {{firstName}}: a headline'); // headings are not upper-cased
    expect(built.html).toContain('href="{{unsubscribeUrl}}"');
    expect(built.text).toContain('\nUnsubscribe\n{{unsubscribeUrl}}\n'); // a URL on its own line
    expect(built.html).not.toMatch(/\{\{<!-- -->|<!-- -->\}\}/);
    expect(built.meta.mergeFields).toEqual(['firstName', 'email', 'unsubscribeUrl', 'webVersionUrl']);
  });

  it('are filled per recipient: HTML-escaped in HTML, as-is in text and subject', () => {
    const name = '<b>Ana & "Co"</b>';
    const out = personalizeBuilt(built, { email: 'ana@example.com', firstName: name });
    expect(out.html).toContain('Hi &lt;b&gt;Ana &amp; &quot;Co&quot;&lt;/b&gt;,');
    expect(out.html).not.toContain(name);
    expect(out.text).toContain(`Hi ${name},`);
    expect(out.subject).toBe(`Hi ${name}, a fixture with every feature`);
    expect(out.text).toContain('Final paragraph for\nana@example.com.'); // an address on its own line
  });

  it('never evaluate braces written in the content: escaped braces come out literally', () => {
    const out = personalizeBuilt(built, { email: 'ana@example.com', firstName: 'Ana' });
    const doc = parseDocument(out.html);
    const lead = [...doc.querySelectorAll('p')].map((p) => p.textContent).find((t) => t?.startsWith('Literal braces'));
    expect(lead).toBe('Literal braces stay literal: {{firstName}} and {{#each list}}, and single { braces }.');
    expect(out.text.replace(/\s+/g, ' ')).toContain('Literal braces stay literal: {{firstName}} and {{#each list}}, and single { braces }.');
  });
});

describe('every Markdown feature renders', () => {
  it('lists, quotes, images, stories, hero, CTA and sub-headings', () => {
    const out = personalizeBuilt(built, { email: 'ana@example.com', firstName: 'Ana' });
    const doc = parseDocument(out.html);
    expect(doc.querySelectorAll('ul li')).toHaveLength(2);
    expect(doc.querySelectorAll('ol li')).toHaveLength(2);
    expect(doc.body.textContent).toContain('“A quoted line — with curly quotes and a dash.”');
    const imgs = [...doc.querySelectorAll('img')];
    expect(imgs.map((i) => i.getAttribute('alt'))).toEqual(['A harbour at dawn', 'A photo of the port', 'A chart of exports']);
    for (const img of imgs) {
      expect(Number(img.getAttribute('width'))).toBeLessThanOrEqual(600);
      expect(img.getAttribute('style')).toMatch(/max-width:100%/);
      expect(img.getAttribute('style')).toMatch(/height:auto/);
    }
    expect([...doc.querySelectorAll('h3')].map((h) => h.textContent)).toEqual(['A sub-heading', 'Second story', 'Third story']);
    const flat = out.text.replace(/\s+/g, ' ');
    expect(out.text).toContain('Read the full report\nhttps://example.com/report?ref=mail&utm_source=newsletter');
    expect(flat).toContain('the editors <editors@example.com>');
    expect(out.text).toContain('> “A quoted line — with curly quotes and a dash.”');
    expect(out.text).not.toMatch(/\n{3,}/);
  });
});
