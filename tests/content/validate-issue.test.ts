import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/content/index.ts';
import { validateFixture } from '../helpers/content.ts';

// Each bad fixture has exactly the problem in its name. The message must name
// the file, the line (where a front-matter key or body line holds it), the field and a fix.
describe('validateIssue refuses bad content with a message naming file, field and fix', () => {
  it.each([
    ['subject-missing', 'subject', /required but missing/, 'subject: '],
    ['subject-empty', 'subject', /must not be empty/, undefined],
    ['subject-too-long', 'subject', /at most 150 characters/, undefined],
    ['preheader-too-long', 'preheader', /at most 200 characters/, undefined],
    ['date-not-a-date', 'date', /YYYY-MM-DD/, 'date: 2026-02-05'],
    ['date-impossible', 'date', /YYYY-MM-DD/, 'date: 2026-02-05'],
    ['hero-without-alt', 'hero.alt', /required but missing/, undefined],
    ['image-without-alt', 'body (image alt)', /no alt text/, 'Describe the image'],
    ['image-http', 'body (image)', /https/, undefined],
    ['link-javascript', 'body (link)', /not http\(s\) or mailto/, 'https://'],
    ['link-data', 'body (link)', /not http\(s\) or mailto/, 'https://'],
    ['cta-javascript', 'cta.url', /http\(s\) or mailto/, undefined],
    ['story-bad-url', 'stories.0.url', /http\(s\) URL/, undefined],
    ['unknown-key-typo', 'preheadr', /unknown key "preheadr" — did you mean "preheader"\?/, 'Rename "preheadr" to "preheader"'],
    ['raw-html-block', 'body', /raw HTML is not allowed/, 'Markdown'],
    ['raw-html-inline', 'body', /raw HTML is not allowed/, 'Markdown'],
    ['unknown-merge-field', 'body', /unknown merge field \{\{fristName\}\} — did you mean \{\{firstName\}\}/, '\\{{fristName}}'],
    ['unknown-merge-field-subject', 'subject', /unknown merge field \{\{first_name\}\}/, undefined],
    ['no-front-matter', '(front matter)', /does not start with "---"/, '---'],
    ['yaml-syntax', '(YAML)', /YAML syntax/, 'quote values'],
    ['number-not-a-number', 'number', /expected number/, 'number: 12'],
    ['no-headline', 'body (headline)', /no "# " headline/, '# '],
    ['heading-skip', 'body (heading)', /levels must not skip/, '## '],
  ])('%s', (name, field, message, fixHint) => {
    const { file, result } = validateFixture(`bad/${name}.md`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const problem = result.errors.find((p) => p.field === field);
    expect(problem, `no error on field ${field}; got ${result.errors.map((p) => p.field).join(', ')}`).toBeDefined();
    const text = formatProblem(problem!);
    expect(text).toContain(file);
    expect(text).toContain(`\`${field}\``);
    expect(text).toMatch(message);
    expect(text).toMatch(/fix: \S/);
    if (fixHint) expect(problem!.fix).toContain(fixHint);
  });

  it('points at the line of the offending front-matter key', () => {
    const { result } = validateFixture('bad/unknown-key-typo.md');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.line).toBe(6); // "preheadr:" is on line 6 of the file
  });

  it('points at the body line of a raw HTML block', () => {
    const { result } = validateFixture('bad/raw-html-block.md');
    if (result.ok) throw new Error('expected errors');
    const lines = result.errors.map((p) => p.line);
    expect(lines).toContain(16); // the <script> line
  });

  it('quotes what was received', () => {
    const { result } = validateFixture('bad/date-not-a-date.md');
    if (result.ok) throw new Error('expected errors');
    expect(result.errors[0]?.received).toBe('"next Tuesday"');
  });
});

describe('validateIssue warnings', () => {
  it('accepts a fixture using every feature, without warnings', () => {
    const { result } = validateFixture('good-full.md');
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it.each([
    ['subject', 'subject: This subject line is deliberately longer than sixty characters in total', /phones show/],
    ['preheader', 'preheader: Too short', /inboxes show 40–140/],
  ])('warns about %s length', async (field, line, message) => {
    const { readFileSync } = await import('node:fs');
    const { validateIssue } = await import('../../src/content/index.ts');
    const { fixtureConfig, FIXTURES } = await import('../helpers/content.ts');
    const base = readFileSync(`${FIXTURES}/content/good-full.md`, 'utf8');
    const text = base.replace(new RegExp(`^${field}: .*$`, 'm'), line);
    const result = validateIssue(text, { file: 'x.md', config: fixtureConfig() });
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => w.field)).toEqual([field]);
    expect(result.warnings[0]?.message).toMatch(message);
  });
});
