import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { NewsletterError } from '../errors.ts';
import type { NewsletterProps } from './model.ts';
import { ISSUES_DIR, readFailure, scanIssues, type IssueHead, type IssueScan } from './issue-files.ts';
import { findImageFiles, type LocalImage } from './local-image-files.ts';
import { formatProblem, type ContentProblem } from './problems.ts';
import { validateIssue, validateNewsletter, type Validation } from './validate.ts';

export const CONFIG_FILE = 'newsletter.yml';
export { ISSUES_DIR };

export interface LoadedIssue {
  props: NewsletterProps;
  file: string;
  warnings: ContentProblem[];
  /** Images whose src is a path next to the issue, each file found (in the order the email shows them); src/assets processes them. */
  localImages: LocalImage[];
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    const failure = readFailure(cause);
    throw new NewsletterError('ECONTENT', `Cannot read ${what}: ${path} ${failure.message}`, {
      where: path,
      fix: (cause as NodeJS.ErrnoException).code === 'ENOENT' ? `Create it, or pass --content DIR pointing at a folder with ${CONFIG_FILE} and ${ISSUES_DIR}/.` : failure.fix,
      cause,
    });
  }
}

/** Turn a failed validation into one error listing every problem. */
export function contentError<T>(result: Extract<Validation<T>, { ok: false }>): NewsletterError;
export function contentError<T>(result: Validation<T>): NewsletterError | undefined;
export function contentError<T>(result: Validation<T>): NewsletterError | undefined {
  if (result.ok) return undefined;
  const [first] = result.errors;
  const count = result.errors.length;
  // Each problem carries its own place and fix, so the error adds none of its own.
  return new NewsletterError('ECONTENT', `${count} problem${count === 1 ? '' : 's'} in content:\n${result.errors.map(formatProblem).join('\n')}`, {
    where: first && (first.line ? `${first.file}:${first.line}` : first.file),
  });
}

function duplicateProblems(heads: IssueHead[], file: string): ContentProblem[] {
  const me = heads.find((h) => resolve(h.file) === resolve(file));
  if (!me) return [];
  return heads
    .filter((h) => h !== me)
    .flatMap((other): ContentProblem[] => {
      const out: ContentProblem[] = [];
      if (other.number === me.number)
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
  /**
   * The issues folder as scanIssues read it, when the caller loads many issues at once (the
   * archive): each load then checks numbers and slugs against it instead of reading every file
   * again, which made loading n issues read n² files.
   */
  scan?: IssueScan;
}

export async function loadConfig(contentDir: string, cwd = process.cwd()) {
  const configPath = join(contentDir, CONFIG_FILE);
  const result = validateNewsletter(await readText(configPath, 'the newsletter config'), relative(cwd, configPath));
  if (!result.ok) throw contentError(result);
  return result.value;
}

/** Load, validate and model one issue. Throws a NewsletterError (ECONTENT) listing every problem. */
export async function loadIssue(options: LoadOptions = {}): Promise<LoadedIssue> {
  const cwd = options.cwd ?? process.cwd();
  const contentDir = resolve(cwd, options.contentDir ?? 'content');
  const config = await loadConfig(contentDir, cwd);
  // A named file needs only itself to be valid (plus no clash with the readable
  // ones); picking the newest needs every file, or an older issue could win.
  const { heads, broken } = options.scan ?? (await scanIssues(contentDir, cwd));
  if (!options.file && broken.length) throw brokenIssuesError(broken, contentDir, cwd);
  const file = options.file ? relative(cwd, resolve(cwd, options.file)) : newest(heads, contentDir);
  const result = validateIssue(await readText(resolve(cwd, file), 'the issue'), { file, config });
  const { images, problems: imageProblems } = await findImageFiles(result.localImages, { issueFile: file, cwd, contentDir });
  const more = [...imageProblems, ...duplicateProblems(heads, file)];
  const merged: Validation<NewsletterProps> = more.length
    ? { ok: false, errors: [...(result.ok ? [] : result.errors), ...more], warnings: result.warnings }
    : result;
  if (!merged.ok) throw contentError(merged);
  return { props: merged.value, file, warnings: merged.warnings, localImages: images };
}

function brokenIssuesError(broken: ContentProblem[], contentDir: string, cwd: string): NewsletterError {
  const dir = relative(cwd, join(contentDir, ISSUES_DIR));
  const count = broken.length;
  return new NewsletterError('ECONTENT', `${count} issue file${count === 1 ? '' : 's'} in ${dir}/ cannot be read, parsed or dated, so the newest issue cannot be picked (newsletter never falls back to an older one):\n${broken.map(formatProblem).join('\n')}`, {
    where: broken[0]?.line ? `${broken[0].file}:${broken[0].line}` : broken[0]?.file,
    fix: `Fix each file named above or move it out of ${dir}/; or name the issue to use, e.g. newsletter build ${dir}/FILE.md`,
  });
}

function newest(heads: IssueHead[], contentDir: string): string {
  const pick = [...heads].sort((a, b) => b.date.localeCompare(a.date) || b.number - a.number)[0];
  if (!pick)
    throw new NewsletterError('ECONTENT', `No issues found in ${join(contentDir, ISSUES_DIR)}`, {
      where: join(contentDir, ISSUES_DIR),
      fix: 'Write an issue as a Markdown file there (see README, "Writing an issue"), or pass the file: newsletter build path/to/issue.md',
    });
  return pick.file;
}
