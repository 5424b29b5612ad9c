/**
 * The README's exit-code tables against the one catalogue (src/errors.ts), so
 * neither can drift. The general tables are generated from the catalogue:
 * after changing it, `UPDATE_README=1 npx vitest run tests/cli/exit-codes.test.ts`
 * rewrites them between the markers.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, EXIT, EXIT_LABELS, EXIT_MEANINGS, EXIT_REASONS, NewsletterError, type ErrorCode, type ExitName, type ExitReason } from '../../src/errors.ts';
import { ROOT } from '../helpers/content.ts';

const README_PATH = join(ROOT, 'README.md');
const START = '<!-- exit-codes: generated from src/errors.ts; tests/cli/exit-codes.test.ts checks it -->';
const END = '<!-- /exit-codes -->';

/** What the README shows between the markers, rendered from the catalogue. */
function catalogueTables(): string {
  const exits = (Object.keys(EXIT) as ExitName[]).map((name) => `| ${EXIT[name]} | ${EXIT_MEANINGS[name]} |`);
  const codes = (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => `| \`${code}\` | ${ERROR_CODES[code].exit} | ${ERROR_CODES[code].meaning} |`);
  const reasons = (Object.keys(EXIT_REASONS) as ExitReason[]).map((r) => `| \`${EXIT_REASONS[r].code}\` (${r}) | ${EXIT_REASONS[r].exit} | ${EXIT_REASONS[r].meaning} |`);
  return ['| exit | meaning |', '| --- | --- |', ...exits, '', '| error code | exit | meaning |', '| --- | --- | --- |', ...codes, ...reasons].join('\n');
}

function generatedBlock(readme: string): { before: string; block: string; after: string } {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  expect(start, `README.md needs the markers ${START} … ${END}`).toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(start);
  return { before: readme.slice(0, start + START.length), block: readme.slice(start + START.length, end).trim(), after: readme.slice(end) };
}

/** Every `| exit | meaning |` table outside the generated block, as its rows' exit numbers. */
function otherExitTables(readme: string): number[][] {
  const { before, after } = generatedBlock(readme);
  const tables: number[][] = [];
  let rows: number[] | undefined;
  for (const line of `${before}\n${after}`.split('\n')) {
    if (/^\|\s*exit\s*\|/.test(line)) rows = [];
    else if (rows && /^\|\s*-/.test(line)) continue;
    else if (rows && line.startsWith('|')) rows.push(Number(/^\|\s*([^|]*?)\s*\|/.exec(line)?.[1]));
    else if (rows) {
      tables.push(rows);
      rows = undefined;
    }
  }
  return tables;
}

/** All source files under src/ but the catalogue itself. */
function sources(dir = join(ROOT, 'src')): { path: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.tsx?$/.test(e.name) && path !== join(ROOT, 'src', 'errors.ts') ? [{ path, text: readFileSync(path, 'utf8') }] : [];
  });
}

describe('exit codes', () => {
  it("the README's exit-code tables are the catalogue's", () => {
    const readme = readFileSync(README_PATH, 'utf8');
    const { before, block, after } = generatedBlock(readme);
    if (process.env.UPDATE_README === '1' && block !== catalogueTables()) writeFileSync(README_PATH, `${before}\n${catalogueTables()}\n${after}`);
    else expect(block, 'README.md is out of date with src/errors.ts; run UPDATE_README=1 npx vitest run tests/cli/exit-codes.test.ts').toBe(catalogueTables());
  });

  it("every other exit table in the README (send's) lists exactly the exit codes an error or a result can end with, once each, in order", () => {
    const reachable = [...new Set<number>([EXIT.OK, ...Object.values(ERROR_CODES).map((e) => e.exit), ...Object.values(EXIT_REASONS).map((r) => r.exit)])].sort((a, b) => a - b);
    const tables = otherExitTables(readFileSync(README_PATH, 'utf8'));
    expect(tables.length).toBeGreaterThan(0);
    for (const rows of tables) expect(rows).toEqual(reachable);
  });

  it("each exit code's short label (in --help) is how its meaning (in the README) begins", () => {
    for (const name of Object.keys(EXIT) as ExitName[]) expect(EXIT_MEANINGS[name], name).toMatch(new RegExp(`^${EXIT_LABELS[name]}[:,( ]`));
  });

  it('an error takes its exit code from its reason when it has one, else from its code', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) expect(new NewsletterError(code, 'x').exitCode).toBe(ERROR_CODES[code].exit);
    for (const reason of Object.keys(EXIT_REASONS) as ExitReason[]) {
      const { code, exit } = EXIT_REASONS[reason];
      expect(new NewsletterError(code, 'x', { reason }).exitCode).toBe(exit);
    }
    // A reason belongs to one code: the compiler refuses it on another.
    // @ts-expect-error stateSymlink is a reason of ESTATE, not ESEND
    expect(new NewsletterError('ESEND', 'x', { reason: 'stateSymlink' }).code).toBe('ESEND');
  });

  it('every exit reason is used, and no code outside the catalogue picks an exit code by number', () => {
    const files = sources();
    const all = files.map((f) => f.text).join('\n');
    for (const reason of Object.keys(EXIT_REASONS)) expect(all, `EXIT_REASONS.${reason} is unused`).toContain(`'${reason}'`);
    const bare = files.flatMap(({ path, text }) =>
      text.split('\n').flatMap((line, i) =>
        // exitCode: 3 / process.exitCode = 70 anywhere; return 1 / ? 0 : 1 in the CLI, whose run() results are exit codes.
        /exitCode\s*[:=]\s*(\d|[^,;]*\?\s*\d+\s*:\s*\d)/.test(line) || (path.includes(join('src', 'cli')) && /\breturn\s+(\d+|[^;]*\?\s*\d+\s*:\s*\d+)\s*;/.test(line)) ? [`${path.slice(ROOT.length + 1)}:${i + 1}: ${line.trim()}`] : [],
      ),
    );
    expect(bare).toEqual([]);
  });
});
