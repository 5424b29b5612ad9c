import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';
import { validateIssue, validateNewsletter, type NewsletterConfig } from '../../src/content/index.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(ROOT, 'tests', 'fixtures');

/** The fixture newsletter config, validated. */
export function fixtureConfig(): NewsletterConfig {
  const file = join(FIXTURES, 'content', 'newsletter.yml');
  const result = validateNewsletter(readFileSync(file, 'utf8'), file);
  if (!result.ok) throw new Error('fixture config is invalid');
  return result.value;
}

/** Validate a fixture issue file (path relative to tests/fixtures/content). */
export function validateFixture(name: string) {
  const path = join(FIXTURES, 'content', name);
  const file = relative(ROOT, path);
  return { file, result: validateIssue(readFileSync(path, 'utf8'), { file, config: fixtureConfig() }) };
}
