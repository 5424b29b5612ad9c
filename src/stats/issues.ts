import { join, relative, resolve } from 'node:path';
import { ISSUES_DIR, loadIssue, scanIssues, type IssueHead } from '../content/index.ts';
import { isNewsletterError, NewsletterError } from '../errors.ts';
import { issueNamed } from '../send/index.ts';
import type { Problem } from './journals.ts';

/** The content folder, as far as stats needs it: number and file of each issue, by slug. */
export interface ContentIssues {
  contentDir: string;
  cwd: string;
  heads: IssueHead[];
}

/**
 * The issues in `content/issues/` (number, date, slug), or none when the folder is gone: stats
 * reads the state folder and can report without the content. A file that cannot be read is
 * reported and left out; it only costs that issue its number and subject.
 */
export async function contentIssues(contentDir: string, cwd: string, onProblem: Problem): Promise<ContentIssues> {
  const dir = resolve(cwd, contentDir);
  try {
    const { heads, broken } = await scanIssues(dir, cwd);
    for (const b of broken) onProblem(b.line ? `${b.file}:${b.line}` : b.file, `${b.message}: its number and subject are not shown`);
    return { contentDir: dir, cwd, heads };
  } catch (error) {
    if (!isNewsletterError(error)) throw error;
    onProblem(join(dir, ISSUES_DIR), `${error.message}: issue numbers and subjects are not shown`);
    return { contentDir: dir, cwd, heads: [] };
  }
}

/** "issue-3" (as a report's Message-ID names it) or "3" → 3. */
export function issueNumberIn(name: string): number | undefined {
  const m = /^(?:issue-)?(\d{1,9})$/i.exec(name.trim());
  return m ? Number(m[1]) : undefined;
}

/** The slug a feedback item's `issue` stands for, when it is one of `slugs` (the issues with journals). */
export function slugNamed(name: string, slugs: ReadonlySet<string>, content: ContentIssues): string | undefined {
  if (slugs.has(name)) return name;
  const n = issueNumberIn(name);
  if (n === undefined) return undefined;
  const slug = content.heads.find((h) => h.number === n)?.slug;
  return slug !== undefined && slugs.has(slug) ? slug : undefined;
}

/**
 * The slug ISSUE names: an issue file's path (loaded as every command loads it), an issue number
 * ("3" or "issue-3", through the content folder), or a slug as it is.
 */
export async function slugOfArgument(arg: string, content: ContentIssues): Promise<string> {
  if (/\.(md|markdown)$/i.test(arg) || /[/\\]/.test(arg)) {
    const loaded = await loadIssue({ contentDir: content.contentDir, file: arg, cwd: content.cwd });
    return loaded.props.issue.slug;
  }
  const n = issueNumberIn(arg);
  if (n === undefined) return arg;
  const head = content.heads.find((h) => h.number === n);
  if (!head) {
    const dir = relative(content.cwd, join(content.contentDir, ISSUES_DIR)) || '.';
    throw new NewsletterError('EUSAGE', `No issue number ${n} in ${dir}/`, {
      where: dir,
      fix: `Name the issue by its slug or file instead (\`newsletter stats\` alone lists every issue that was sent), or pass --content DIR with the issues folder.`,
    });
  }
  return head.slug;
}

/** ISSUE named an issue that has no send journal in the state folder. */
export function noJournalError(arg: string, slug: string, stateDir: string, known: readonly string[]): NewsletterError {
  const what = arg === slug ? `"${slug}"` : `"${arg}" (slug ${slug})`;
  return new NewsletterError('EUSAGE', `No send journal for issue ${what} in ${stateDir}`, {
    where: stateDir,
    fix: known.length
      ? `Issues sent from this state folder: ${known.join(', ')}. Name one of those, or pass --state DIR, the folder \`newsletter send\` used.`
      : 'Pass --state DIR, the folder `newsletter send` used.',
  });
}

/** Number, subject and file of an issue whose file is still in the content folder; nulls when it is not (or no longer valid). */
export async function describeIssue(slug: string, content: ContentIssues): Promise<{ number: number | null; subject: string | null; file: string | null }> {
  const head = content.heads.find((h) => h.slug === slug);
  if (!head) return { number: null, subject: null, file: null };
  try {
    const loaded = await loadIssue({ contentDir: content.contentDir, file: head.file, cwd: content.cwd });
    return { number: head.number, subject: issueNamed(loaded).subject, file: head.file };
  } catch (error) {
    // An issue edited into an invalid state after it was sent still has its number; only the subject is missing.
    if (isNewsletterError(error)) return { number: head.number, subject: null, file: head.file };
    throw error;
  }
}
