import { readFileSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadIssue } from '../../src/content/index.ts';
import { NewsletterError } from '../../src/errors.ts';
import { buildIssue } from '../../src/render/build.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { ROOT } from '../helpers/content.ts';
import { parseDocument, personalizeBuilt } from '../helpers/render.ts';

// The line above the headline is newsletter.yml's `greeting` (default "Hi {{firstName}},"),
// an issue's own `greeting:`, or none with `false`; it is filled like every other merge field.

const SLUG = '2026-02-05-trump-petro-oval-office';
const ISSUE = join('content', 'issues', `${SLUG}.md`);
const CONFIG = join('content', 'newsletter.yml');
const ADA = { email: 'ada@example.com', firstName: 'Ada' };

/** A copy of the seed content with edits to newsletter.yml and the issue's front matter. */
async function seedWith(edit: { config?: (yml: string) => string; issue?: (md: string) => string } = {}): Promise<string> {
  const dir = await tempDir();
  await cp(join(ROOT, 'content'), join(dir, 'content'), { recursive: true });
  for (const [file, change] of [[CONFIG, edit.config], [ISSUE, edit.issue]] as const) {
    if (change) await writeFile(join(dir, file), change(await readFile(join(dir, file), 'utf8')));
  }
  return dir;
}

/** Set newsletter.yml's greeting: replace the seed's line, or add one where there is none. */
const addToConfig = (line: string) => (yml: string) => (/^greeting:/m.test(yml) ? yml.replace(/^greeting: .*$/m, line) : yml.replace(/^greetingFallback:/m, `${line}\ngreetingFallback:`));
const addToFrontMatter = (line: string) => (md: string) => md.replace(/^preheader:/m, `${line}\npreheader:`);

/** The text of the element just before the headline, or undefined when the headline comes first. */
function beforeHeadline(html: string): string | undefined {
  const h1 = parseDocument(html).querySelector('h1');
  return h1?.previousElementSibling?.textContent ?? undefined;
}

const build = (dir: string) => buildIssue({ cwd: dir, contentDir: join(dir, 'content') });

describe('greeting', () => {
  it('by default is "Hi {{firstName}}," above the headline, as before', async () => {
    const out = personalizeBuilt(await build(await seedWith()), ADA);
    expect(beforeHeadline(out.html)).toBe('Hi Ada,');
    expect(out.text).toContain('Hi Ada,');
  });

  it('newsletter.yml greeting "Hello {{firstName}}!" is personalised in HTML and text', async () => {
    const built = await build(await seedWith({ config: addToConfig('greeting: "Hello {{firstName}}!"') }));
    const out = personalizeBuilt(built, ADA);
    expect(beforeHeadline(out.html)).toBe('Hello Ada!');
    expect(out.text).toContain('Hello Ada!');
    expect(`${out.html}\n${out.text}`).not.toContain('Hi Ada');
    // Without a first name, greetingFallback fills the field.
    expect(personalizeBuilt(built, { email: 'x@example.com' }).text).toContain('Hello there!');
  });

  it('front matter greeting: false removes the paragraph from HTML and text (no empty <p>)', async () => {
    const built = await build(await seedWith({ issue: addToFrontMatter('greeting: false') }));
    const out = personalizeBuilt(built, ADA);
    expect(beforeHeadline(out.html)).toBeUndefined();
    expect([...parseDocument(out.html).querySelectorAll('p')].filter((p) => !p.textContent?.trim())).toEqual([]);
    expect(`${out.html}\n${out.text}`).not.toContain('Hi Ada');
    expect(built.meta.mergeFields).not.toContain('firstName');
  });

  it('front matter overrides newsletter.yml', async () => {
    const dir = await seedWith({ config: addToConfig('greeting: false'), issue: addToFrontMatter('greeting: "Dear {{firstName}},"') });
    expect(beforeHeadline(personalizeBuilt(await build(dir), ADA).html)).toBe('Dear Ada,');
  });

  it.each([
    ['newsletter.yml', { config: addToConfig('greeting: "Hi {{fristName}},"') }, CONFIG],
    ['front matter', { issue: addToFrontMatter('greeting: "Hi {{fristName}},"') }, ISSUE],
  ])('an unknown field in the %s greeting is an error at file:line with "did you mean"', async (_where, edit, file) => {
    const dir = await seedWith(edit);
    const error: unknown = await loadIssue({ cwd: dir }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(NewsletterError);
    const line = readFileSync(join(dir, file), 'utf8').split('\n').findIndex((l) => l.startsWith('greeting:')) + 1;
    expect((error as Error).message).toMatch(/^1 problem in content:/); // that one, and `greeting` itself is a known key
    expect((error as Error).message).toContain(`${file}:${line}  error in \`greeting\`: unknown merge field {{fristName}} — did you mean {{firstName}}?`);
  });

  it('exports translate the greeting’s field into the platform’s tag (Mailchimp) and fill it in the web version', async () => {
    const dir = await seedWith({ config: addToConfig('greeting: "Hello {{firstName}}!"') });
    const result = await runCli(['export', '--platform', 'mailchimp,html'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const tag = '*|IF:FNAME|**|FNAME|**|ELSE:|*there*|END:IF|*';
    const out = (platform: string, file: string) => readFileSync(join(dir, 'out', SLUG, platform, file), 'utf8');
    expect(out('mailchimp', 'email.html')).toContain(`Hello ${tag}!`);
    expect(out('mailchimp', 'email.txt')).toContain(`Hello ${tag}!`);
    expect(beforeHeadline(out('html', 'email.html'))).toBe('Hello there!');
  });
});
