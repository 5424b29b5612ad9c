import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { NewsletterError } from '../errors.ts';
import type { NewsletterProps } from './model.ts';
import { formatProblem, type ContentProblem } from './problems.ts';
import { slugFromFile, validateIssue, validateNewsletter, type Validation } from './validate.ts';
import { parseYaml, splitFrontMatter } from './yaml-source.ts';

export const CONFIG_FILE = 'newsletter.yml';
export const ISSUES_DIR = 'issues';

export interface LoadedIssue {
  props: NewsletterProps;
  file: string;
  warnings: ContentProblem[];
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new NewsletterError('ECONTENT', `Cannot read ${what}: ${path}`, {
      where: path,
      fix: (cause as NodeJS.ErrnoException).code === 'ENOENT' ? `Create it, or pass --content DIR pointing at a folder with ${CONFIG_FILE} and ${ISSUES_DIR}/.` : 'Check the file permissions.',
      cause,
    });
  }
}

/** Turn a failed validation into one error listing every problem. */
export function contentError<T>(result: Validation<T>): NewsletterError | undefined {
  if (result.ok) return undefined;
  const [first] = result.errors;
  const count = result.errors.length;
  // Each problem carries its own place and fix, so the error adds none of its own.
  return new NewsletterError('ECONTENT', `${count} problem${count === 1 ? '' : 's'} in content:\n${result.errors.map(formatProblem).join('\n')}`, {
    where: first && (first.line ? `${first.file}:${first.line}` : first.file),
  });
}

interface IssueHead {
  file: string;
  number: unknown;
  date: unknown;
  slug: string;
  numberLine: number | undefined;
}

/** Read just number/date/slug of every issue, leniently: for picking the newest and catching duplicates. */
async function issueHeads(contentDir: string, cwd: string): Promise<IssueHead[]> {
  const dir = join(contentDir, ISSUES_DIR);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.(md|markdown)$/i.test(n)).sort();
  } catch {
    return [];
  }
  return Promise.all(
    names.map(async (name) => {
      const path = join(dir, name);
      const split = splitFrontMatter(await readFile(path, 'utf8'));
      const source = split ? parseYaml(split.frontMatter, 2) : undefined;
      const data = (source?.data ?? {}) as Record<string, unknown>;
      return {
        file: relative(cwd, path),
        number: data.number,
        date: data.date,
        slug: typeof data.slug === 'string' ? data.slug : slugFromFile(name),
        numberLine: source?.lineOf(['number']),
      };
    }),
  );
}

function duplicateProblems(heads: IssueHead[], file: string): ContentProblem[] {
  const me = heads.find((h) => resolve(h.file) === resolve(file));
  if (!me) return [];
  return heads
    .filter((h) => h !== me)
    .flatMap((other): ContentProblem[] => {
      const out: ContentProblem[] = [];
      if (me.number !== undefined && other.number === me.number)
        out.push({ severity: 'error', file, line: me.numberLine, field: 'number', message: `issue number ${String(me.number)} is also used by ${other.file}`, received: String(me.number), fix: 'Give each issue its own number.' });
      if (other.slug === me.slug)
        out.push({ severity: 'error', file, line: undefined, field: 'slug', message: `slug "${me.slug}" is also used by ${other.file}; their output folders would overwrite each other`, received: me.slug, fix: 'Rename one of the files or set a distinct `slug:` in its front matter.' });
      return out;
    });
}

export interface LoadOptions {
  /** Folder with newsletter.yml and issues/ (default: content). */
  contentDir?: string;
  /** An issue file; default: the newest issue by date, then number. */
  file?: string;
  cwd?: string;
}

export async function loadConfig(contentDir: string, cwd = process.cwd()) {
  const configPath = join(contentDir, CONFIG_FILE);
  const result = validateNewsletter(await readText(configPath, 'the newsletter config'), relative(cwd, configPath));
  const error = contentError(result);
  if (error || !result.ok) throw error;
  return result.value;
}

/** Load, validate and model one issue. Throws a NewsletterError (ECONTENT) listing every problem. */
export async function loadIssue(options: LoadOptions = {}): Promise<LoadedIssue> {
  const cwd = options.cwd ?? process.cwd();
  const contentDir = resolve(cwd, options.contentDir ?? 'content');
  const config = await loadConfig(contentDir, cwd);
  const heads = await issueHeads(contentDir, cwd);
  const file = options.file ? relative(cwd, resolve(cwd, options.file)) : newest(heads, contentDir);
  const result = validateIssue(await readText(resolve(cwd, file), 'the issue'), { file, config });
  const duplicates = duplicateProblems(heads, file);
  const merged: Validation<NewsletterProps> = duplicates.length
    ? { ok: false, errors: [...(result.ok ? [] : result.errors), ...duplicates], warnings: result.warnings }
    : result;
  const error = contentError(merged);
  if (error || !merged.ok) throw error;
  return { props: merged.value, file, warnings: merged.warnings };
}

function newest(heads: IssueHead[], contentDir: string): string {
  const sorted = heads
    .filter((h) => typeof h.date === 'string')
    .sort((a, b) => String(b.date).localeCompare(String(a.date)) || Number(b.number) - Number(a.number));
  const pick = sorted[0] ?? heads[0];
  if (!pick)
    throw new NewsletterError('ECONTENT', `No issues found in ${join(contentDir, ISSUES_DIR)}`, {
      where: join(contentDir, ISSUES_DIR),
      fix: 'Write an issue as a Markdown file there (see README, "Writing an issue"), or pass the file: newsletter build path/to/issue.md',
    });
  return pick.file;
}
