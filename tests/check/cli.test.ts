import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { ROOT } from '../helpers/content.ts';
import { CHECK_FIXTURES } from './fixtures.ts';

describe('newsletter check (the real CLI)', () => {
  it('prints a machine-readable report with --json and exits 0 on the seed issue', async () => {
    const result = await runCli(['check', '--json'], { cwd: ROOT });
    expect(result.code).toBe(0);
    // The JSON as printed; its shape is what the assertions check.
    const report = JSON.parse(result.stdout) as { findings: { id: string; severity: string; message: string }[] };
    expect(report).toMatchObject({ ok: true, counts: { error: 0 } });
    expect(report.findings.every((f) => /^[a-z-]+\.[a-z0-9-]+$/.test(f.id) && ['error', 'warning', 'info'].includes(f.severity) && f.message)).toBe(true);
  });

  it('exits 1 and names the problem and its fix on a failing fixture', async () => {
    const result = await runCli(['check', '--content', join(CHECK_FIXTURES, 'low-contrast')], { cwd: ROOT });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✖ light mode: links on the card \(#7fb2e5 on #ffffff\) has contrast [\d.]+:1; WCAG AA needs 4.5:1/);
    expect(result.stdout).toContain('fix: Change colors.brand / colors.surface in newsletter.yml');
    expect(result.stdout).toMatch(/✖ \d+ errors/);
  });

  it('exits 1 on invalid content, with the validation messages build gives', async () => {
    const dir = await tempDir();
    await cp(join(ROOT, 'content'), join(dir, 'content'), { recursive: true });
    const file = join(dir, 'content', 'issues', '2026-02-05-trump-petro-oval-office.md');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^date: .*$/m, 'date: 2026-02-30'));
    const [check, build] = await Promise.all([runCli(['check'], { cwd: dir }), runCli(['build'], { cwd: dir })]);
    expect([check.code, build.code]).toEqual([1, 1]);
    const problem = build.stderr.split('\n').find((l) => l.includes('2026-02-30') || l.includes('date'));
    expect(problem).toBeTruthy();
    expect(check.stdout).toContain(problem!.trim());
  });

  it('explains its flags with --help', async () => {
    const result = await runCli(['check', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--online');
    expect(result.stdout).toContain('--screenshots');
  });
});
