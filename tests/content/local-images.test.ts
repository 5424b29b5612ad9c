import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, loadIssue, validateIssue, type ContentProblem, type IssueValidation } from '../../src/content/index.ts';
import { fixtureConfig } from '../helpers/content.ts';
import { tempDir } from '../helpers/cli.ts';

const FILE = 'content/issues/2026-03-01-x.md';

const issueText = (front: string, body = 'A lead paragraph.') => `---
number: 2
date: 2026-03-01
subject: An issue with local images
preheader: A preheader that is long enough to be shown in full in the inbox.
${front}
---

# A headline

${body}
`;

const validate = (text: string, config = fixtureConfig()) => validateIssue(text, { file: FILE, config });
const siteConfig = () => ({ ...fixtureConfig(), siteUrl: 'https://example.com/issues/' });

function errorsOf(result: IssueValidation): ContentProblem[] {
  expect(result.ok, 'expected validation errors').toBe(false);
  return result.ok ? [] : result.errors;
}

describe('an image src may be a path relative to the issue file (a local image)', () => {
  it('accepts a local hero, story image and body image without width, and lists them with their lines in the order the email shows them', () => {
    const result = validate(
      issueText(
        'hero:\n  src: images/hero.jpg\n  alt: The hero\nstories:\n  - title: A story\n    summary: Its summary.\n    url: https://example.com/s\n    image:\n      src: ./images/story.png\n      alt: The story image',
        '![A chart](images/chart.png)',
      ),
      siteConfig(),
    );
    expect(result.ok ? [] : result.errors.map(formatProblem)).toEqual([]);
    expect(result.localImages).toEqual([
      { src: 'images/hero.jpg', file: 'images/hero.jpg', line: 7, field: 'hero.src', slot: 'full' },
      { src: 'images/chart.png', file: 'images/chart.png', line: 20, field: 'body (image)', slot: 'full' },
      { src: './images/story.png', file: './images/story.png', line: 14, field: 'stories.0.image.src', slot: 'story' },
    ]);
  });

  it('keeps https images exactly as before: width still required for them', () => {
    const problems = errorsOf(validate(issueText('hero:\n  src: https://example.com/hero.jpg\n  alt: The hero')));
    expect(problems.map((p) => [p.field, p.message])).toEqual([['hero.width', 'is required but missing']]);
    expect(validate(issueText('hero:\n  src: https://example.com/hero.jpg\n  alt: The hero\n  width: 600')).localImages).toEqual([]);
  });

  it.each([
    ['an absolute path', '/srv/images/a.png', /absolute path/],
    ['a protocol-relative URL', '//cdn.example.com/a.png', /without its scheme/],
    ['a backslash', 'images\\\\a.png', /backslash/],
    ['a query', 'images/a.png?v=2', /"\?" or "#"/],
    ['a fragment', 'images/a.png#x', /"\?" or "#"/],
    ['a merge field', 'images/{{firstName}}.png', /merge field/],
  ])('refuses %s in hero.src, at its line, with a fix', (_kind, src, message) => {
    const problem = errorsOf(validate(issueText(`hero:\n  src: "${src}"\n  alt: The hero`), siteConfig())).find((p) => p.field === 'hero.src');
    expect(problem?.line).toBe(7);
    expect(problem?.message).toMatch(message);
    expect(problem?.fix).toMatch(/\S/);
  });

  it.each([
    ['an absolute path', '/srv/a.png', /absolute path/],
    ['a query', 'images/a.png?v=2', /"\?" or "#"/],
  ])('refuses %s in a body image', (_kind, src, message) => {
    const problem = errorsOf(validate(issueText('', `![An image](${src})`), siteConfig())).find((p) => p.field === 'body (image)');
    expect(problem?.line).toBe(11);
    expect(problem?.message).toMatch(message);
  });

  it('decodes percent-escapes in a body image path (the Markdown spelling of a space or an accent) to find the file, keeping src as written', () => {
    const result = validate(issueText('', '![A chart](images/my%20chart.png)\n\n![A café](caf%C3%A9.png)\n\n![Nested](images%2Fchart.png)'), siteConfig());
    expect(result.ok ? [] : result.errors.map(formatProblem)).toEqual([]);
    expect(result.localImages.map((i) => [i.src, i.file])).toEqual([
      ['images/my%20chart.png', 'images/my chart.png'],
      ['caf%C3%A9.png', 'café.png'],
      ['images%2Fchart.png', 'images/chart.png'],
    ]);
  });

  it.each([
    ['a "%" that is no escape', 'images/100%.png', /"%" that is not a percent-escape/],
    ['an escape that is not UTF-8', 'images/caf%E9.png', /"%" that is not a percent-escape/],
    ['an escaped backslash', 'images%5Ca.png', /backslash/],
    ['an escaped NUL', 'images/a%00.png', /U\+0000|NUL|control/i],
    ['an escaped leading slash', '%2Fetc/a.png', /absolute path/],
  ])('refuses %s in a body image path, at its line', (_kind, src, message) => {
    const problem = errorsOf(validate(issueText('', `![An image](${src})`), siteConfig())).find((p) => p.field === 'body (image)');
    expect(problem?.line).toBe(11);
    expect(problem?.message).toMatch(message);
    expect(problem?.fix).toMatch(/\S/);
  });

  it('with neither assetsBaseUrl nor siteUrl, each local image is an error at its line saying where to host the files', () => {
    const problems = errorsOf(validate(issueText('hero:\n  src: images/hero.jpg\n  alt: The hero', '![A chart](images/chart.png)')));
    expect(problems.map((p) => [p.field, p.line])).toEqual([
      ['hero.src', 7],
      ['body (image)', 13],
    ]);
    expect(problems[0]!.message).toMatch(/neither assetsBaseUrl nor siteUrl/);
    expect(problems[0]!.fix).toMatch(/assetsBaseUrl: https:\/\/.*siteUrl/);
    expect(validate(issueText('hero:\n  src: images/hero.jpg\n  alt: The hero'), { ...fixtureConfig(), assetsBaseUrl: 'https://cdn.example.com/' }).ok).toBe(true);
  });
});

describe('loadIssue finds each local image file inside the content folder', () => {
  async function project(issue: string, files: Record<string, string> = {}): Promise<string> {
    const dir = await tempDir();
    await mkdir(join(dir, 'content', 'issues', 'images'), { recursive: true });
    const config = await readFile(join(import.meta.dirname, '..', '..', 'content', 'newsletter.yml'), 'utf8');
    await writeFile(join(dir, 'content', 'newsletter.yml'), config);
    await writeFile(join(dir, FILE), issue);
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return dir;
  }
  const load = (dir: string) => loadIssue({ cwd: dir, file: FILE });
  const failure = (dir: string) => load(dir).then(() => undefined, (e: unknown) => e as Error & { code?: string });

  it('returns the files with absolute paths and their sources relative to the working folder', async () => {
    const dir = await project(issueText('hero:\n  src: images/hero.jpg\n  alt: The hero'), { 'content/issues/images/hero.jpg': 'bytes' });
    const loaded = await load(dir);
    expect(loaded.localImages).toEqual([
      expect.objectContaining({ src: 'images/hero.jpg', source: 'content/issues/images/hero.jpg', path: expect.stringMatching(/content\/issues\/images\/hero\.jpg$/), line: 7, slot: 'full' }),
    ]);
  });

  it('reports a missing file, a path out of the content folder, a link out of it and a folder, with every other problem, in one error', async () => {
    const outside = await tempDir();
    await writeFile(join(outside, 'secret.png'), 'not for publishing');
    const dir = await project(
      issueText('subject2: typo\nhero:\n  src: images/missing.jpg\n  alt: The hero', '![Passwords](../../../etc/passwd)\n\n![Linked](images/link.png)\n\n![A folder](images)'),
    );
    await symlink(join(outside, 'secret.png'), join(dir, 'content', 'issues', 'images', 'link.png'));
    const error = await failure(dir);
    expect(error?.code).toBe('ECONTENT');
    const message = error!.message;
    expect(message).toMatch(/5 problems/);
    expect(message).toMatch(new RegExp(`${FILE}:6 .*\`subject2\``));
    expect(message).toMatch(new RegExp(`${FILE}:8 .*\`hero.src\`: the image file content/issues/images/missing.jpg does not exist[\\s\\S]*fix: Put the file at content/issues/images/missing.jpg, or use an https:// URL`));
    expect(message).toMatch(new RegExp(`${FILE}:14 .*leads outside the content folder content/`));
    expect(message).toMatch(new RegExp(`${FILE}:16 .*is a link to .*secret\\.png, outside the content folder`));
    expect(message).toMatch(new RegExp(`${FILE}:18 .*is a folder, not an image file`));
    expect(message).not.toContain('not for publishing');
  });

  it('finds a file whose name starts with ".." inside the content folder (it does not lead outside)', async () => {
    const dir = await project(issueText('', '![Top](../..top.png)'), { 'content/..top.png': 'bytes' });
    const loaded = await load(dir);
    expect(loaded.localImages.map((i) => i.source)).toEqual(['content/..top.png']);
  });

  it('finds percent-escaped body paths by their decoded names, and still refuses an escaped way out', async () => {
    const dir = await project(issueText('', '![A chart](images/my%20chart.png)\n\n![A café](images/caf%C3%A9.png)\n\n![Nested](images%2Fmy%20chart.png)'), {
      'content/issues/images/my chart.png': 'bytes',
      'content/issues/images/café.png': 'bytes',
    });
    const loaded = await load(dir);
    expect(loaded.localImages.map((i) => [i.src, i.source])).toEqual([
      ['images/my%20chart.png', 'content/issues/images/my chart.png'],
      ['images/caf%C3%A9.png', 'content/issues/images/café.png'],
      ['images%2Fmy%20chart.png', 'content/issues/images/my chart.png'],
    ]);

    const outside = await project(issueText('', '![Passwords](%2e%2e/%2E%2E/%2e%2e/etc/passwd)\n\n![Also](..%2F..%2Fnewsletter.yml)'));
    const message = (await failure(outside))!.message;
    expect(message).toMatch(new RegExp(`${FILE}:11 .*leads outside the content folder content/ \\(to \\.\\./etc/passwd\\)`));
    expect(message).toMatch(new RegExp(`${FILE}:13 .*leads outside the content folder content/ \\(to newsletter\\.yml\\)`));
  });

  it('calls a FIFO "not a regular file", not a folder', async () => {
    const dir = await project(issueText('', '![A pipe](images/pipe.png)'));
    execFileSync('mkfifo', [join(dir, 'content', 'issues', 'images', 'pipe.png')]);
    const message = (await failure(dir))!.message;
    expect(message).toMatch(new RegExp(`${FILE}:11 .*content/issues/images/pipe\\.png is not a regular file`));
    expect(message).not.toMatch(/folder, not an image/);
  });
});
