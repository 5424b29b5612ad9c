import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { ROOT } from '../helpers/content.ts';

// bin/newsletter.js picks the code it runs: the tests always run one bundle, never a choice by timestamps.
describe('bin/newsletter.js', () => {
  it('runs the bundle NEWSLETTER_BUNDLE names, whatever the timestamps', async () => {
    const fake = join(await tempDir(), 'main.mjs');
    await writeFile(fake, "console.log('the named bundle ran with', process.argv.slice(2).join(' '));\n");
    const result = await runCli(['build', '--help'], { env: { NEWSLETTER_BUNDLE: fake } });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('the named bundle ran with build --help\n');
    expect(result.code).toBe(0);
  });

  it('fails loudly when the bundle NEWSLETTER_BUNDLE names is missing, instead of running something else', async () => {
    const missing = join(await tempDir(), 'nothing-here', 'main.js');
    const result = await runCli(['build', '--help'], { env: { NEWSLETTER_BUNDLE: missing } });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`NEWSLETTER_BUNDLE is set but ${missing} does not exist`);
  });

  it('is given, in the tests, the bundle the global setup built for this run', () => {
    const bundle = process.env.NEWSLETTER_BUNDLE ?? '';
    expect(relative(ROOT, bundle)).toMatch(/^dist\/test-cli-\w+\/main\.js$/);
    expect(existsSync(bundle)).toBe(true);
  });
});
