import { readFileSync } from 'node:fs';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportIssue, GMAIL_CLIP_BYTES, PLATFORMS } from '../../src/export/index.ts';
import { isNewsletterError } from '../../src/errors.ts';
import { tempDir } from '../helpers/cli.ts';
import { ROOT } from '../helpers/content.ts';

const SEED_FILE = join('issues', '2026-02-05-trump-petro-oval-office.md');

async function contentCopy(): Promise<string> {
  const dir = await tempDir();
  await cp(join(ROOT, 'content'), dir, { recursive: true });
  return dir;
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isNewsletterError(error), String(error)).toBe(true);
  return error as { code: string; message: string; fix?: string };
}

describe('export refuses what would break on a platform', () => {
  it('an issue whose HTML Gmail would clip', async () => {
    const dir = await contentCopy();
    const paragraph = 'A long paragraph about regional diplomacy that keeps going, so the issue grows past the size Gmail shows in full. '.repeat(8);
    const body = Array.from({ length: 160 }, (_, i) => `## Part ${i + 1}\n\n${paragraph}\n`).join('\n');
    await writeFile(join(dir, SEED_FILE), readFileSync(join(dir, SEED_FILE), 'utf8') + '\n' + body);
    const error = await refusal(exportIssue({ contentDir: dir, targets: [PLATFORMS[0]!.name] }));
    expect(error.code).toBe('ECONTENT');
    expect(error.message).toContain(GMAIL_CLIP_BYTES.toLocaleString('en'));
    expect(error.message).toContain('unsubscribe link');
    expect(error.fix).toMatch(/Shorten/);
  });

  it('a greeting fallback that some platform would read as syntax', async () => {
    const dir = await contentCopy();
    const config = join(dir, 'newsletter.yml');
    await writeFile(config, readFileSync(config, 'utf8').replace('greetingFallback: there', 'greetingFallback: "y\'all"'));
    const error = await refusal(exportIssue({ contentDir: dir, targets: ['kit'] }));
    expect(error.code).toBe('ECONTENT');
    expect(error.message).toContain('greetingFallback');
  });

  it('an unknown target name', async () => {
    const error = await refusal(exportIssue({ contentDir: join(ROOT, 'content'), targets: ['hubspot'] }));
    expect(error.code).toBe('EUSAGE');
  });
});
