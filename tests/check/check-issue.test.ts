import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkIssue, LONG_RECIPIENT, type CheckReport } from '../../src/check/index.ts';
import { buildIssue } from '../../src/render/build.ts';
import { loadIssue } from '../../src/content/index.ts';
import { tempDir } from '../helpers/cli.ts';
import { ROOT } from '../helpers/content.ts';
import { CHECK_FIXTURES } from './fixtures.ts';

const SEED = join('content', 'issues', '2026-02-05-trump-petro-oval-office.md');
const ids = (report: CheckReport, severity: string) => report.findings.filter((f) => f.severity === severity).map((f) => f.id);

/** A copy of the seed content in a temp project, with the seed issue rewritten by `edit`. */
async function seedProject(edit: (issue: string) => string): Promise<string> {
  const dir = await tempDir();
  await cp(join(ROOT, 'content'), join(dir, 'content'), { recursive: true });
  const file = join(dir, SEED);
  await writeFile(file, edit(await readFile(file, 'utf8')));
  return dir;
}

describe('checkIssue', () => {
  // One full check of the seed issue (SpamAssassin included) for the tests that only read it.
  let seedReport: CheckReport;
  beforeAll(async () => {
    seedReport = await checkIssue({ cwd: ROOT, env: { PATH: process.env.PATH } });
  });

  it('passes the seed issue with 0 errors and reports its figures', () => {
    const report = seedReport;
    expect(ids(report, 'error')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.file).toBe(SEED);
    expect(report.figures.htmlBytes).toBeGreaterThan(10_000);
    expect(report.figures.htmlBytes).toBeLessThan(80_000);
    expect(report.figures.clients?.unsupported).toBe(0);
    expect(report.figures.clients?.handled).toBeGreaterThan(0);
    expect(ids(report, 'info')).toEqual(expect.arrayContaining(['content.valid', 'size.bytes', 'compliance.ok', 'text.ok', 'compliance.sample-secret']));
  });

  it('measures the size with a 64-character first name and a long address filled in', async () => {
    expect([...LONG_RECIPIENT.firstName]).toHaveLength(64);
    const report = seedReport;
    const built = await buildIssue({ cwd: ROOT });
    const growth = (value: string, field: string) => Buffer.byteLength(value) - `{{${field}}}`.length;
    const atLeast = built.meta.sizes.html + growth(LONG_RECIPIENT.firstName, 'firstName') + growth(LONG_RECIPIENT.email, 'email');
    expect(report.figures.htmlBytes).toBeGreaterThanOrEqual(atLeast);
    expect(report.findings.find((f) => f.id === 'size.bytes')?.data?.bytes).toBe(report.figures.htmlBytes);
  });

  it('skips the spam score with a note when spamassassin is not installed', async () => {
    const report = await checkIssue({ cwd: ROOT, env: { PATH: '/nonexistent' }, axe: false });
    expect(report.findings.filter((f) => f.section === 'spam').map((f) => [f.id, f.severity])).toEqual([['spam.skipped', 'info']]);
    expect(report.figures.spam).toBeUndefined();
  });

  it('fails an issue too big for Gmail', async () => {
    const dir = await seedProject((issue) => {
      const body = issue.split('\n---\n')[1]!.replace(/^# .*$/m, '');
      return issue + Array.from({ length: 20 }, (_, i) => body.replace(/^## /gm, `## Part ${i + 1}: `)).join('\n');
    });
    const report = await checkIssue({ cwd: dir, spam: false, axe: false });
    expect(ids(report, 'error')).toEqual(['size.clipped']);
    expect(report.figures.htmlBytes).toBeGreaterThanOrEqual(102_000);
    expect(report.ok).toBe(false);
  });

  it('fails low-contrast colours from newsletter.yml', async () => {
    const report = await checkIssue({ cwd: ROOT, contentDir: join(CHECK_FIXTURES, 'low-contrast'), spam: false });
    expect([...new Set(ids(report, 'error'))]).toEqual(['accessibility.contrast']);
  });

  it('reports invalid content with the same messages as build, and checks nothing else', async () => {
    const dir = await seedProject((issue) => issue.replace(/^subject: .*$/m, 'subject: ""').replace('https://hemispherebrief.example.com/issues', 'javascript:alert(1)'));
    const expected = await loadIssue({ cwd: dir }).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(expected).toContain('subject');
    const report = await checkIssue({ cwd: dir });
    expect(report.findings.map((f) => [f.id, f.severity, f.message])).toEqual([['content.invalid', 'error', expected]]);
  });
});
