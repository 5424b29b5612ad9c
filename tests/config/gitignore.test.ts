import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/content.ts';

/**
 * What a user creates next to the project must not be committed by accident (issue 12 item 7):
 * settings, lists, send state and output. Read-only: `git check-ignore --no-index` only reads .gitignore.
 */
const hasGit = spawnSync('git', ['rev-parse', '--git-dir'], { cwd: ROOT }).status === 0;
if (!hasGit) console.warn('tests/config/gitignore.test.ts: skipped, no git repository here (required under CI=true)');

/** The paths among `paths` that .gitignore ignores. */
function ignored(paths: string[]): string[] {
  // Exit 1 means "none ignored": not an error.
  const r = spawnSync('git', ['check-ignore', '--stdin', '--no-index'], { cwd: ROOT, input: paths.join('\n'), encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`git check-ignore failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

describe.skipIf(!hasGit && process.env.CI !== 'true')('.gitignore', () => {
  it('ignores settings, subscriber lists, send state and output a user creates', () => {
    const userFiles = [
      '.env',
      '.env.local',
      'subscribers.csv',
      'subscribers-2026-03.csv',
      'march.subscribers.csv',
      'lists/march.subscribers.csv',
      'lists/readers.csv',
      'suppression.csv',
      'out/x',
      'out/2026-02-05-trump-petro-oval-office/outbox/0000002-ada@example.com.eml',
      '.newsletter/x',
      '.newsletter/suppression.csv',
      '.newsletter/2026-02-05-trump-petro-oval-office.journal.jsonl',
    ];
    expect(ignored(userFiles)).toEqual(userFiles);
  });

  it('ignores no tracked file (test fixture lists and .env.example stay tracked)', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(tracked).toContain('.env.example');
    expect(tracked).toContain('tests/fixtures/send/suppression.csv');
    expect(ignored(tracked)).toEqual([]);
  });
});
