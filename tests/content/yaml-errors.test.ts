import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadIssue } from '../../src/content/index.ts';
import { NewsletterError } from '../../src/errors.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { FIXTURES } from '../helpers/content.ts';

// The YAML traps authors fall into, through the real loader: each message says
// what to do (quote, use spaces, write the issue) at file:line, and nothing else.

const GOOD = readFileSync(join(FIXTURES, 'content', 'good-full.md'), 'utf8');

/** A project with the fixture newsletter.yml (optionally edited) and one issue file holding `text`. */
async function projectWith(text: string, editConfig: (yml: string) => string = (yml) => yml): Promise<string> {
  const dir = await tempDir();
  await mkdir(join(dir, 'content', 'issues'), { recursive: true });
  await writeFile(join(dir, 'content', 'newsletter.yml'), editConfig(readFileSync(join(FIXTURES, 'content', 'newsletter.yml'), 'utf8')));
  await writeFile(join(dir, 'content', 'issues', 'x.md'), text);
  return dir;
}

async function loadError(dir: string, file?: string): Promise<NewsletterError> {
  const error: unknown = await loadIssue({ cwd: dir, ...(file ? { file } : {}) }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NewsletterError);
  return error as NewsletterError;
}

const lineOf = (text: string, start: string) => text.split('\n').findIndex((l) => l.startsWith(start)) + 1;
const ISSUE = join('content', 'issues', 'x.md');

describe('YAML errors say what to do', () => {
  it('a subject containing ": " → "put the subject in quotes" with the corrected line, and no parser jargon', async () => {
    const text = GOOD.replace(/^subject: .*$/m, 'subject: Trump and Petro: a "truce"');
    const error = await loadError(await projectWith(text), ISSUE);
    expect(error.message).toContain(`${ISSUE}:${lineOf(text, 'subject:')}`);
    expect(error.message).toContain('Put the subject in quotes: `subject: "Trump and Petro: a \\"truce\\""`');
    expect(error.message).toMatch(/^1 problem in content/);
    expect(error.message).not.toContain('Nested mappings');
  });

  it('any scalar key, nested in a list too (a story title)', async () => {
    const text = GOOD.replace(/^subject: .*$/m, 'subject: A subject\nstories:\n  - title: Petro: the interview\n    summary: A summary.\n    url: https://example.com/a');
    const error = await loadError(await projectWith(text), ISSUE);
    expect(error.message).toContain(`${ISSUE}:${lineOf(text, '  - title:')}`);
    expect(error.message).toContain('Put the title in quotes: `- title: "Petro: the interview"`');
  });

  it('a tab used for indentation → "use spaces", one problem, no knock-on errors', async () => {
    // This tab gives the parser three errors on the line (tabs, nested mappings, multiline key).
    const text = GOOD.replace(/^subject: .*$/m, 'subject: A subject\ncta:\n\tlabel: Read more\n  url: https://example.com/more');
    const error = await loadError(await projectWith(text), ISSUE);
    expect(error.message).toMatch(/^1 problem in content:/);
    expect(error.message).toContain(`${ISSUE}:${lineOf(text, '\tlabel:')}`);
    expect(error.message).toContain('YAML does not allow tabs for indentation; use spaces');
    expect(error.message).not.toMatch(/quote values|Nested mappings|single line/);
    expect(error.message).toContain('probably reads `  label: Read more`');
  });

  it('a stray tab before a top-level key → the fix removes it rather than indenting the key', async () => {
    const text = GOOD.replace(/^subject: /m, '\tsubject: ');
    const error = await loadError(await projectWith(text), ISSUE);
    expect(error.message).toContain('YAML does not allow tabs for indentation; use spaces');
    expect(error.message).toMatch(/probably reads `subject: [^`]/);
  });

  it('a tab in newsletter.yml → the same message at newsletter.yml:line', async () => {
    const dir = await projectWith(GOOD, (yml) => yml.replace('from:\n  name:', 'from:\n\tname:'));
    const error = await loadError(dir, ISSUE);
    const yml = readFileSync(join(dir, 'content', 'newsletter.yml'), 'utf8');
    expect(error.message).toContain(`${join('content', 'newsletter.yml')}:${lineOf(yml, '\tname:')}`);
    expect(error.message).toContain('YAML does not allow tabs for indentation; use spaces');
  });

  it.each([
    ['0 bytes', ''],
    ['white space only', ' \n\n\t\n'],
  ])('an empty file (%s) → "the file is empty" and what a minimal issue looks like', async (_label, text) => {
    const named = await loadError(await projectWith(text), ISSUE);
    expect(named.message).toContain(`${ISSUE}:1`);
    expect(named.message).toContain('the file is empty');
    expect(named.message).toContain('Writing an issue');
    expect(named.message).toContain('subject: "A subject: quoted');
    expect(named.message).not.toContain('does not start with');
    // Picking the newest issue reads every file: the same words there.
    const newest = await loadError(await projectWith(text));
    expect(newest.message).toContain('the file is empty');
  });

  it('newsletter build prints the quoting fix with file:line and exits 1', async () => {
    const text = GOOD.replace(/^subject: .*$/m, 'subject: Trump and Petro: a truce');
    const dir = await projectWith(text);
    const result = await runCli(['build'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${ISSUE}:${lineOf(text, 'subject:')}`);
    expect(result.stderr).toContain('Put the subject in quotes: `subject: "Trump and Petro: a truce"`');
    expect(result.stderr).not.toContain('Nested mappings');
  });
});
