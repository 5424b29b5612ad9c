import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildIssue, type BuiltIssue } from '../../src/render/build.ts';

/** The repository root (benchmarks run from any working directory). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SEED_FILE = 'content/issues/2026-02-05-trump-petro-oval-office.md';

/** The seed issue, loaded, validated and rendered once (templates with merge fields in place). */
export function seedIssue(): Promise<BuiltIssue> {
  return buildIssue({ cwd: ROOT, contentDir: 'content', file: SEED_FILE });
}

/** Headings (`#`, `##`) and paragraph count of the seed Markdown, to check both renders carry the same content. */
export async function seedOutline(): Promise<{ headings: string[]; paragraphs: number }> {
  const source = await readFile(new URL(`../../${SEED_FILE}`, import.meta.url), 'utf8');
  const body = source.replace(/^---\n[\s\S]*?\n---\n/, '');
  const blocks = body.split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
  return {
    headings: blocks.filter((b) => b.startsWith('#')).map((b) => b.replace(/^#+\s*/, '')),
    paragraphs: blocks.filter((b) => !b.startsWith('#')).length,
  };
}
