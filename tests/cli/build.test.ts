import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { textContent } from 'domutils';
import { describe, expect, it } from 'vitest';
import { FIXTURES, ROOT } from '../helpers/content.ts';
import { runCli, tempDir } from '../helpers/cli.ts';

const SLUG = '2026-02-05-trump-petro-oval-office';

async function project(): Promise<string> {
  const dir = await tempDir();
  await mkdir(join(dir, 'content'));
  const { cp } = await import('node:fs/promises');
  await cp(join(ROOT, 'content'), join(dir, 'content'), { recursive: true });
  return dir;
}

describe('newsletter build', () => {
  it('renders the newest issue to out/<slug>/ and says where the files are', async () => {
    const dir = await project();
    const result = await runCli(['build'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`out/${SLUG}/email.html`);
    expect(readdirSync(join(dir, 'out', SLUG)).sort()).toEqual(['email.html', 'email.txt', 'meta.json']);
    const meta = JSON.parse(readFileSync(join(dir, 'out', SLUG, 'meta.json'), 'utf8')) as { sizes: { html: number }; contentHash: string };
    expect(meta).toMatchObject({
      slug: SLUG,
      number: 1,
      subject: 'Trump and Petro’s unlikely Oval Office meeting',
      from: 'The Hemisphere Brief <brief@hemispherebrief.example.com>',
      mergeFields: ['firstName', 'email', 'unsubscribeUrl', 'webVersionUrl'],
    });
    expect(meta.sizes.html).toBe(readFileSync(join(dir, 'out', SLUG, 'email.html')).length);
    expect(meta.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('picks the newest issue by date when no file is given', async () => {
    const dir = await project();
    await copyFile(join(FIXTURES, 'content', 'good-full.md'), join(dir, 'content', 'issues', '2026-03-08-later.md'));
    const result = await runCli(['build'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, 'out', '2026-03-08-later', 'email.html'))).toBe(true);
  });

  it('builds a given file into --out', async () => {
    const dir = await project();
    const result = await runCli(['build', join('content', 'issues', `${SLUG}.md`), '--out', 'dist'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, 'dist', SLUG, 'email.txt'))).toBe(true);
  });

  it('refuses bad content with exit 1, file:line, field and fix, no stack trace, and writes nothing', async () => {
    const dir = await project();
    const file = join(dir, 'content', 'issues', `${SLUG}.md`);
    await writeFile(file, readFileSync(file, 'utf8').replace('date: 2026-02-05', 'date: 2026-02-31'));
    const result = await runCli(['build'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`content/issues/${SLUG}.md:3`);
    expect(result.stderr).toContain('`date`');
    expect(result.stderr).toContain('fix:');
    expect(result.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('keeps the previous output intact when a later build fails', async () => {
    const dir = await project();
    expect((await runCli(['build'], { cwd: dir })).code).toBe(0);
    const before = readFileSync(join(dir, 'out', SLUG, 'email.html'), 'utf8');
    const file = join(dir, 'content', 'issues', `${SLUG}.md`);
    await writeFile(file, readFileSync(file, 'utf8') + '\n<div>raw html</div>\n');
    const result = await runCli(['build'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('raw HTML is not allowed');
    expect(readFileSync(join(dir, 'out', SLUG, 'email.html'), 'utf8')).toBe(before);
    expect(readdirSync(join(dir, 'out'))).toEqual([SLUG]); // no half-written staging folder left
  });

  it('keeps other output in the issue folder (exports, outbox) when rebuilding', async () => {
    const dir = await project();
    await mkdir(join(dir, 'out', SLUG, 'mailchimp'), { recursive: true });
    await writeFile(join(dir, 'out', SLUG, 'mailchimp', 'email.html'), 'exported');
    expect((await runCli(['build'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(join(dir, 'out', SLUG, 'mailchimp', 'email.html'), 'utf8')).toBe('exported');
    expect(readdirSync(join(dir, 'out', SLUG)).sort()).toEqual(['email.html', 'email.txt', 'mailchimp', 'meta.json']);
  });

  it('reports a missing config with the path and a fix', async () => {
    const dir = await tempDir();
    const result = await runCli(['build'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('content/newsletter.yml');
    expect(result.stderr).toContain('fix:');
  });

  it('treats an unknown flag as a usage error pointing at --help', async () => {
    const result = await runCli(['build', '--colour']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Unknown option '--colour'");
    expect(result.stderr).toContain('newsletter build --help');
  });

  it('documents itself with --help', async () => {
    const result = await runCli(['build', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: newsletter build [ISSUE.md]');
    expect(result.stdout).toContain('Examples:');
  });
});

// Issue 9 §3: with no ISSUE.md named, a newer file that cannot be read, parsed
// or dated must stop every command; an older issue is never picked instead.
const GOOD_NEWER = (text: string) => text.replace(/^number: .*$/m, 'number: 2');
/** The broken file's content, or 'folder' for a folder in its place. */
const BROKEN_ISSUES: [string, string, RegExp][] = [
  ['tab-indented YAML', '---\nnumber: 2\ndate: 2026-03-09\n\tsubject: Tabbed\npreheader: x\n---\n\n# Tabbed\n', /:4 .*YAML does not allow tabs for indentation; use spaces/],
  ['unclosed front matter', '---\nnumber: 2\ndate: 2026-03-09\nsubject: Unclosed\n\n# Unclosed\n', /:1 .*front matter/],
  ['a date written 12/03/2026', '---\nnumber: 2\ndate: 12/03/2026\nsubject: Slashed\npreheader: x\n---\n\n# Slashed\n', /:3 .*`date`.*YYYY-MM-DD/],
  ['an empty file', '', /:1 .*the file is empty/],
  ['a folder named like an issue', 'folder', /is a folder/],
];

async function withBroken(content: string, name = '2026-03-09-broken.md'): Promise<{ dir: string; broken: string }> {
  const dir = await project();
  const broken = join('content', 'issues', name);
  if (content === 'folder') await mkdir(join(dir, broken));
  else await writeFile(join(dir, broken), content);
  return { dir, broken };
}

describe('newest-issue selection refuses broken issue files', () => {
  it.each(BROKEN_ISSUES)('build: %s → exit 1 naming the file with line and fix; nothing written', async (_kind, content, problem) => {
    const { dir, broken } = await withBroken(content);
    const result = await runCli(['build'], { cwd: dir });
    expect(result.stderr).not.toMatch(/Internal error/);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(broken);
    expect(result.stderr).toMatch(problem);
    expect(result.stderr).toContain('fix:');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it.each(BROKEN_ISSUES)('send --dry-run: %s → exit 1, no message rendered from the older issue', async (_kind, content) => {
    const { dir, broken } = await withBroken(content);
    const list = join(dir, 'list.csv');
    await writeFile(list, 'email,first_name\nreader@example.com,Reader\n');
    const env = { SMTP_URL: '', SMTP_HOST: '', UNSUBSCRIBE_SECRET: 'test-secret-0123456789abcdef0123456789abcdef', UNSUBSCRIBE_URL: '' };
    const result = await runCli(['send', '--to', list, '--dry-run', '--state', join(dir, 'state')], { cwd: dir, env });
    expect(result.stderr).not.toMatch(/Internal error/);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(broken);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('names every broken file, not just the first', async () => {
    const { dir } = await withBroken('', '2026-03-09-empty.md');
    await writeFile(join(dir, 'content', 'issues', '2026-03-10-slashed.md'), BROKEN_ISSUES[2]![1]);
    const result = await runCli(['build'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('content/issues/2026-03-09-empty.md:1');
    expect(result.stderr).toContain('content/issues/2026-03-10-slashed.md:3');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('an ISSUE.md named explicitly builds even when another issue file is broken', async () => {
    const { dir } = await withBroken('');
    const result = await runCli(['build', join('content', 'issues', `${SLUG}.md`)], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, 'out', SLUG, 'email.html'))).toBe(true);
  });

  it('a named ISSUE.md still may not share its number with a readable issue', async () => {
    const dir = await project();
    await writeFile(join(dir, 'content', 'issues', '2026-03-08-later.md'), readFileSync(join(dir, 'content', 'issues', `${SLUG}.md`), 'utf8').replace(/^date: .*$/m, 'date: 2026-03-08'));
    const result = await runCli(['build', join('content', 'issues', `${SLUG}.md`)], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('issue number 1 is also used by content/issues/2026-03-08-later.md');
  });

  it('a named ISSUE.md that is a folder is a clean error, not an internal one', async () => {
    const { dir, broken } = await withBroken('folder');
    const result = await runCli(['build', broken], { cwd: dir });
    expect(result.stderr).not.toMatch(/Internal error/);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(broken);
    expect(result.stderr).toMatch(/is a folder/);
  });

  it('still picks the newest valid issue when every file is fine', async () => {
    const dir = await project();
    await writeFile(join(dir, 'content', 'issues', '2026-03-08-later.md'), GOOD_NEWER(readFileSync(join(FIXTURES, 'content', 'good-full.md'), 'utf8')));
    const result = await runCli(['build'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, 'out', '2026-03-08-later', 'email.html'))).toBe(true);
  });
});

describe('issue slugs', () => {
  it('refuses a file whose name gives an empty slug (---.md) instead of writing into out/', async () => {
    const dir = await project();
    await rename(join(dir, 'content', 'issues', `${SLUG}.md`), join(dir, 'content', 'issues', '---.md'));
    const result = await runCli(['build'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('content/issues/---.md');
    expect(result.stderr).toContain('`slug`');
    expect(result.stderr).toMatch(/fix: .*slug:/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('accepts such a file when it sets its own slug:', async () => {
    const dir = await project();
    const file = join(dir, 'content', 'issues', '---.md');
    await rename(join(dir, 'content', 'issues', `${SLUG}.md`), file);
    await writeFile(file, readFileSync(file, 'utf8').replace('number: 1', 'number: 1\nslug: first-issue'));
    const result = await runCli(['build'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, 'out', 'first-issue', 'email.html'))).toBe(true);
  });
});

describe('header text and newsletter.yml text are checked at build time', () => {
  it('a NUL in the preheader is exit 1 with file:line and a fix, not an internal error', async () => {
    const dir = await project();
    const file = join(dir, 'content', 'issues', `${SLUG}.md`);
    await writeFile(file, readFileSync(file, 'utf8').replace(/^preheader: .*$/m, 'preheader: "After months of threats\\0 and sanctions, a talk ended with a red cap."'));
    const result = await runCli(['build'], { cwd: dir });
    expect(result.stderr).not.toMatch(/Internal error/);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`content/issues/${SLUG}.md:8`);
    expect(result.stderr).toContain('U+0000');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('a subject with a LINE SEPARATOR never reaches out/', async () => {
    const dir = await project();
    const file = join(dir, 'content', 'issues', `${SLUG}.md`);
    await writeFile(file, readFileSync(file, 'utf8').replace(/^subject: .*$/m, 'subject: "Meeting\\LBcc: someone@evil.example"'));
    const result = await runCli(['build'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`content/issues/${SLUG}.md:4`);
    expect(result.stderr).toContain('U+2028');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('template code in newsletter.yml name is exit 1 with newsletter.yml:line, never run at send time', async () => {
    const dir = await project();
    const config = join(dir, 'content', 'newsletter.yml');
    await writeFile(config, readFileSync(config, 'utf8').replace(/^name: .*$/m, "name: Brief {{#each this}}[{{@key}}]{{/each}} {{lookup this 'email'}}"));
    const result = await runCli(['build'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/content\/newsletter\.yml:\d+ .*`name`/);
    expect(result.stderr).toContain('fix:');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('literal braces (\\{{) in newsletter.yml show as written in the sent message, nothing evaluated', async () => {
    const dir = await project();
    const config = join(dir, 'content', 'newsletter.yml');
    const text = readFileSync(config, 'utf8')
      .replace(/^name: .*$/m, 'name: The \\{{#each this}}Brief')
      .replace(/^postalAddress: .*$/m, "postalAddress: 1200 Example Avenue \\{{lookup this 'email'}}, Washington, DC 20005, USA");
    await writeFile(config, text);
    const list = join(dir, 'list.csv');
    await writeFile(list, 'email,first_name\nreader@example.com,Reader\n');
    const env = { SMTP_URL: '', SMTP_HOST: '', UNSUBSCRIBE_SECRET: 'test-secret-0123456789abcdef0123456789abcdef', UNSUBSCRIBE_URL: '' };
    const result = await runCli(['send', '--to', list, '--dry-run', '--state', join(dir, 'state')], { cwd: dir, env });
    expect(result.stderr).not.toMatch(/Internal error/);
    expect(result.code).toBe(0);
    const outbox = join(dir, 'out', SLUG, 'outbox');
    const [eml] = readdirSync(outbox);
    const { simpleParser } = await import('mailparser');
    const parsed = await simpleParser(readFileSync(join(outbox, eml!)));
    const { parseHtml } = await import('../../src/check/html-doc.ts');
    const seen = textContent(parseHtml(String(parsed.html)).document); // entities decoded: what a reader sees
    expect(seen).toContain('The {{#each this}}Brief');
    expect(seen).toContain("You are receiving The {{#each this}}Brief because reader@example.com subscribed");
    expect(seen).toContain("1200 Example Avenue {{lookup this 'email'}}, Washington");
    expect(parsed.text).toContain("1200 Example Avenue {{lookup this 'email'}}, Washington");
    // Headers carry what the reader sees too: the escape backslash is gone.
    const listId = parsed.headerLines.find((h) => h.key === 'list-id')?.line ?? '';
    expect(listId).toContain('The {{#each this}}Brief');
    expect(listId).not.toContain('\\');
  });
});
