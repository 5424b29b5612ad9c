import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
    const meta = JSON.parse(readFileSync(join(dir, 'out', SLUG, 'meta.json'), 'utf8'));
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
