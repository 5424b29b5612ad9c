import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { NewsletterError } from '../errors.ts';
import { quote, type ContentProblem } from './problems.ts';
import { FIELD_EXAMPLES, frontMatterSchema } from './schema.ts';
import { slugFromFile } from './validate.ts';
import { emptyIssueProblem, yamlSyntaxProblems } from './yaml-problems.ts';
import { parseYaml, splitFrontMatter } from './yaml-source.ts';

export const ISSUES_DIR = 'issues';
const ISSUE_FILE = /\.(md|markdown)$/i;

/** What picking the newest issue and catching duplicates needs from each issue file. */
export interface IssueHead {
  file: string;
  number: number;
  date: string;
  slug: string;
  numberLine: number | undefined;
}

export interface IssueScan {
  /** Files that could be read, parsed and dated. */
  heads: IssueHead[];
  /** One problem per file that could not: the first thing wrong with it. */
  broken: ContentProblem[];
}

/** Why a read failed, in words a writer can act on. */
export function readFailure(cause: unknown): { message: string; fix: string } {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'EISDIR') return { message: 'is a folder, not an issue file', fix: `Rename or move the folder: only issue files (.md) belong in ${ISSUES_DIR}/, and ISSUE.md must name a file.` };
  if (code === 'ENOENT') return { message: 'does not exist', fix: 'Check the path, or create the file.' };
  return { message: `cannot be read (${code ?? String(cause)})`, fix: 'Check the file permissions.' };
}

/** The first problem that keeps an issue file from being read as number + date + slug, or its head. */
function readHead(text: string, file: string): IssueHead | ContentProblem {
  const problem = (line: number | undefined, field: string, message: string, fix: string, received?: string): ContentProblem => ({
    severity: 'error', file, line, field, message, fix, ...(received === undefined ? {} : { received }),
  });
  const empty = emptyIssueProblem(text, file);
  if (empty) return empty;
  const split = splitFrontMatter(text);
  if (!split) {
    const opened = /^\uFEFF?---[ \t]*\r?\n/.test(text);
    return opened
      ? problem(1, '(front matter)', 'the front matter opened on line 1 is never closed', 'Add a line "---" after the last front-matter key, before the "# Headline".')
      : problem(1, '(front matter)', 'the file does not start with "---" front matter', 'Start the file with a front-matter block: "---", "number: 1", "date: 2026-02-05", "subject: …", "preheader: …", "---"; or move the file out of the issues folder.');
  }
  const source = parseYaml(split.frontMatter, 2);
  const [syntax] = yamlSyntaxProblems(source, file);
  if (syntax) return syntax;
  const data = (source.data && typeof source.data === 'object' ? source.data : {}) as Record<string, unknown>;
  for (const field of ['number', 'date'] as const) {
    if (!frontMatterSchema.shape[field].safeParse(data[field]).success)
      return problem(source.lineOf([field]), field, data[field] === undefined ? 'is required but missing' : `is not a valid ${field === 'date' ? 'YYYY-MM-DD calendar date' : 'positive whole number'}`, `Write it like \`${FIELD_EXAMPLES[field]}\`.`, quote(data[field]));
  }
  return {
    file,
    number: data.number as number,
    date: data.date as string,
    slug: typeof data.slug === 'string' ? data.slug : slugFromFile(file),
    numberLine: source.lineOf(['number']),
  };
}

async function scanOne(dir: string, name: string, cwd: string): Promise<IssueHead | ContentProblem> {
  const path = join(dir, name);
  const file = relative(cwd, path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    return { severity: 'error', file, field: '(file)', ...readFailure(cause) };
  }
  return readHead(text, file);
}

/**
 * Read the head of every issue file in `content/issues/`. Files that cannot be
 * read, parsed or dated are reported, never skipped: skipping one could make an
 * older issue look like the newest and send it again.
 */
export async function scanIssues(contentDir: string, cwd: string): Promise<IssueScan> {
  const dir = join(contentDir, ISSUES_DIR);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => ISSUE_FILE.test(n)).sort();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return { heads: [], broken: [] };
    throw new NewsletterError('ECONTENT', `Cannot list the issues folder ${relative(cwd, dir)}: ${readFailure(cause).message}`, { where: relative(cwd, dir), fix: 'Check that it is a folder you can read.', cause });
  }
  const scanned = await Promise.all(names.map((name) => scanOne(dir, name, cwd)));
  return {
    heads: scanned.filter((s): s is IssueHead => !('severity' in s)),
    broken: scanned.filter((s): s is ContentProblem => 'severity' in s),
  };
}
