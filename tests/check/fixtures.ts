import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHtml } from '../../src/check/index.ts';
import { FIXTURES } from '../helpers/content.ts';

export const CHECK_FIXTURES = join(FIXTURES, 'check');

/** The values the crafted HTML fixtures were written with. */
export const FIXTURE_POSTAL = 'Example News, 1 Example Street, Springfield, EX 12345, USA';
export const FIXTURE_UNSUBSCRIBE = 'https://example.com/unsubscribe?token=abc';

export function fixtureHtml(name: string): string {
  return readFileSync(join(CHECK_FIXTURES, 'html', name), 'utf8');
}

export function fixtureDoc(name: string) {
  return parseHtml(fixtureHtml(name));
}
