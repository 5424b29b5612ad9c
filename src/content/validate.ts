import { basename } from 'node:path';
import type { z } from 'zod';
import { frontMatterImages, hostingProblems, type LocalImageRef } from './local-images.ts';
import { parseBody } from './markdown.ts';
import { authoredToTemplate, braceProblems, markUrl, MERGE_FIELD_NAMES, templateToDisplay, URL_FIELD_FIX, urlFieldProblem, type BraceProblem } from './merge-fields.ts';
import type { IssueModel, NewsletterProps } from './model.ts';
import { didYouMean, type ContentProblem } from './problems.ts';
import { FIELD_EXAMPLES, frontMatterSchema, newsletterSchema, type FrontMatter, type NewsletterConfig } from './schema.ts';
import { emptyIssueProblem, yamlSyntaxProblems } from './yaml-problems.ts';
import { parseYaml, splitFrontMatter, type YamlSource } from './yaml-source.ts';
import { zodProblems } from './zod-problems.ts';

export type Validation<T> =
  | { ok: true; value: T; warnings: ContentProblem[] }
  | { ok: false; errors: ContentProblem[]; warnings: ContentProblem[] };

function finish<T>(problems: ContentProblem[], value: () => T): Validation<T> {
  const errors = problems.filter((p) => p.severity === 'error');
  const warnings = problems.filter((p) => p.severity === 'warning');
  return errors.length ? { ok: false, errors, warnings } : { ok: true, value: value(), warnings };
}

function parseYamlObject(text: string, file: string, firstLine: number, problems: ContentProblem[]): YamlSource | undefined {
  const source = parseYaml(text, firstLine);
  problems.push(...yamlSyntaxProblems(source, file));
  if (source.syntaxErrors.length) return undefined;
  if (source.data === null || source.data === undefined) {
    problems.push({ severity: 'error', file, line: firstLine, field: '(top level)', message: 'has no settings (it is empty or only comments)', fix: 'Write one "key: value" per line (see README, "Writing an issue").' });
    return undefined;
  }
  if (typeof source.data !== 'object' || Array.isArray(source.data)) {
    problems.push({ severity: 'error', file, line: firstLine, field: '(top level)', message: 'expected "key: value" pairs', received: JSON.stringify(source.data), fix: 'Write one "key: value" per line.' });
    return undefined;
  }
  return source;
}

function parseWith<S extends z.ZodType>(schema: S, source: YamlSource, file: string, problems: ContentProblem[], examples: Record<string, string>) {
  const parsed = schema.safeParse(source.data);
  if (!parsed.success) problems.push(...zodProblems(parsed.error, schema, source, file, examples));
  return parsed.success ? parsed.data : undefined;
}

/** Validate `content/newsletter.yml`. Pure: the caller reads the file. */
export function validateNewsletter(text: string, file: string): Validation<NewsletterConfig> {
  const problems: ContentProblem[] = [];
  const source = parseYamlObject(text, file, 1, problems);
  const config = source && parseWith(newsletterSchema, source, file, problems, {});
  // The greeting is the one newsletter.yml text with merge fields (the rest is literal, never personalized):
  // checked and marked on the same path as an issue's front-matter strings.
  const authored = { greeting: (source?.data as Record<string, unknown> | undefined)?.greeting };
  if (source) for (const { path, text: value } of authoredStrings(authored)) problems.push(...frontMatterFieldProblems(value, path, file, source.lineOf(path)));
  if (config && source) problems.push(...siteProblems(config, file, source));
  return finish(problems, () => ({ ...config!, greeting: templateStrings(config!.greeting), webVersionUrl: config!.webVersionUrl ?? `${config!.siteUrl!}{slug}/` }));
}

/** webVersionUrl is needed unless siteUrl gives it, and must lie inside the archive when both are set. */
function siteProblems(config: z.infer<typeof newsletterSchema>, file: string, source: YamlSource): ContentProblem[] {
  const { webVersionUrl, siteUrl } = config;
  if (!webVersionUrl && !siteUrl)
    return [{ severity: 'error', file, field: 'webVersionUrl', message: 'is required but missing (or set siteUrl, and each issue\'s page in the archive is its web version)', fix: 'Add `siteUrl: https://example.com/issues/` (where `newsletter archive` is published), or `webVersionUrl: https://example.com/issues/{slug}`.' }];
  if (webVersionUrl && siteUrl && !webVersionUrl.startsWith(siteUrl))
    return [{ severity: 'error', file, line: source.lineOf(['webVersionUrl']), field: 'webVersionUrl', message: `is outside siteUrl ${siteUrl}: the archive publishes each issue's page under siteUrl, so "View in browser" would lead nowhere`, received: JSON.stringify(webVersionUrl), fix: `Write \`webVersionUrl: ${siteUrl}{slug}/\`, or remove it (that is its default when siteUrl is set).` }];
  const page = webVersionUrl && siteUrl ? webVersionUrl.slice(siteUrl.length) : '';
  if (page && !/(\/|\.html)$/.test(page))
    return [{ severity: 'error', file, line: source.lineOf(['webVersionUrl']), field: 'webVersionUrl', message: 'must end with "/" (a folder the archive writes index.html into) or ".html", so every static host serves the page at exactly this URL', received: JSON.stringify(webVersionUrl), fix: `Write \`webVersionUrl: ${webVersionUrl!}/\`, or remove it (its default is ${siteUrl!}{slug}/).` }];
  return [];
}

const lengthWarnings = (fm: FrontMatter, file: string, source: YamlSource): ContentProblem[] => {
  const out: ContentProblem[] = [];
  const subjectLength = [...fm.subject].length;
  if (subjectLength > 60)
    out.push({ severity: 'warning', file, line: source.lineOf(['subject']), field: 'subject', message: `subject is ${subjectLength} characters; phones show about 40–60 before cutting it off`, expected: 'at most 60 characters', received: String(subjectLength), fix: 'Put the point of the issue in the first 60 characters.' });
  const preheaderLength = [...fm.preheader].length;
  if (preheaderLength < 40 || preheaderLength > 140)
    out.push({ severity: 'warning', file, line: source.lineOf(['preheader']), field: 'preheader', message: `preheader is ${preheaderLength} characters; inboxes show 40–140`, expected: '40–140 characters', received: String(preheaderLength), fix: preheaderLength < 40 ? 'Add a sentence that adds to the subject, so the inbox does not fill the preview with body text.' : 'Shorten it; the rest is cut off in the inbox.' });
  return out;
};

/** Every authored string in front matter, with its path, for the merge-field scan. */
function authoredStrings(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => authoredStrings(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => authoredStrings(v, [...path, k]));
  return [];
}

function unknownFieldProblem(name: string, file: string, line: number | undefined, field: string): ContentProblem {
  const guess = didYouMean(name, MERGE_FIELD_NAMES);
  return {
    severity: 'error',
    file,
    line,
    field,
    message: `unknown merge field {{${name}}}${guess ? ` — did you mean {{${guess}}}?` : ''}`,
    expected: `one of: ${MERGE_FIELD_NAMES.map((f) => `{{${f}}}`).join(', ')}`,
    received: `{{${name}}}`,
    fix: guess ? `Write {{${guess}}}. To show braces literally, write \\{{${name}}}.` : `Use a known field, or write \\{{${name}}} to show the braces literally.`,
  };
}

/** A brace problem from the tokenizer, as a content problem at file:line. */
function braceProblem(p: BraceProblem, file: string, line: number | undefined, field: string): ContentProblem {
  if (p.unknownName !== undefined) return unknownFieldProblem(p.unknownName, file, line, field);
  return { severity: 'error', file, line, field, message: p.message, received: p.received, fix: p.fix };
}

/** Front-matter keys that hold a URL: their fields are percent-encoded, and never allowed in the host. */
const URL_KEYS = new Set(['url', 'src', 'canonicalUrl']);
const isUrlKey = (key: string | number | undefined) => typeof key === 'string' && URL_KEYS.has(key);

/** Turn authored strings in front matter into marked text (fields marked, everything else literal). */
function templateStrings<T>(value: T, key?: string | number): T {
  if (typeof value === 'string') return (isUrlKey(key) ? markUrl(authoredToTemplate(value)) : authoredToTemplate(value)) as T;
  if (Array.isArray(value)) return (value as unknown[]).map((v) => templateStrings(v)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, templateStrings(v, k)])) as T;
  return value;
}

/** Merge-field problems of one front-matter string: the tokenizer's, and a field in a URL's host. */
function frontMatterFieldProblems(value: string, path: (string | number)[], file: string, line: number | undefined): ContentProblem[] {
  const field = path.join('.');
  const out = braceProblems(value).map((p) => braceProblem(p, file, line, field));
  if (!isUrlKey(path.at(-1))) return out;
  const marked = markUrl(authoredToTemplate(value));
  const urlProblem = urlFieldProblem(marked);
  if (urlProblem) out.push({ severity: 'error', file, line, field, message: urlProblem, received: JSON.stringify(templateToDisplay(marked)), fix: URL_FIELD_FIX });
  return out;
}

export interface ValidateIssueOptions {
  file: string;
  config: NewsletterConfig;
}

/**
 * An issue's validation, and its local images (relative image paths, hero first, then the body,
 * then the stories, as the email shows them), found even when other fields fail, so load.ts can
 * check their files and report every problem together.
 */
export type IssueValidation = Validation<NewsletterProps> & { localImages: LocalImageRef[] };

/** Validate one issue file (front matter + Markdown body). Pure: returns every problem, throws nothing. */
export function validateIssue(text: string, { file, config }: ValidateIssueOptions): IssueValidation {
  const problems: ContentProblem[] = [];
  const empty = emptyIssueProblem(text, file);
  if (empty) return { ...finish([empty], () => undefined as never), localImages: [] };
  const split = splitFrontMatter(text);
  if (!split) {
    problems.push({ severity: 'error', file, line: 1, field: '(front matter)', message: 'the file does not start with "---" front matter', fix: 'Start the file with a front-matter block: a line "---", then "number: 1", "date: 2026-02-05", "subject: …", "preheader: …", then a closing "---".' });
    return { ...finish(problems, () => undefined as never), localImages: [] };
  }
  const source = parseYamlObject(split.frontMatter, file, 2, problems);
  const frontMatter = source && parseWith(frontMatterSchema, source, file, problems, FIELD_EXAMPLES);
  if (frontMatter && source) problems.push(...lengthWarnings(frontMatter, file, source));
  if (frontMatter && !frontMatter.slug && !slugFromFile(file)) problems.push(emptySlugProblem(file));
  if (frontMatter?.cta && !frontMatter.cta.url && !config.siteUrl && source)
    problems.push({ severity: 'error', file, line: source.lineOf(['cta']), field: 'cta.url', message: 'the button has no url, and newsletter.yml has no siteUrl for it to point at (the archive of past issues)', fix: `Add a url to the button (\`${FIELD_EXAMPLES.cta!.split(' (')[0]!}\`), or set siteUrl in newsletter.yml.` });

  if (source) {
    for (const { path, text: value } of authoredStrings(source.data)) problems.push(...frontMatterFieldProblems(value, path, file, source.lineOf(path)));
  }
  for (const p of braceProblems(split.body)) {
    const line = split.bodyLine + (split.body.slice(0, p.index).match(/\n/g)?.length ?? 0);
    problems.push(braceProblem(p, file, line, 'body'));
  }

  const { body, problems: bodyProblems, localImages: bodyImages } = parseBody(split.body, split.bodyLine);
  problems.push(...bodyProblems.map((p): ContentProblem => ({ severity: 'error', file, ...p })));
  const { hero, stories } = source ? frontMatterImages(source) : { hero: [], stories: [] };
  const localImages = [...hero, ...bodyImages, ...stories];
  problems.push(...hostingProblems(localImages, config, file));

  const validation = finish(problems, () => {
    const fm = frontMatter!;
    const slug = fm.slug ?? slugFromFile(file);
    const { cta: markedCta, ...marked } = templateStrings(fm);
    const cta = markedCta && { label: markedCta.label, url: markedCta.url ?? config.siteUrl! };
    const issue: IssueModel = {
      ...marked,
      ...(cta ? { cta } : {}),
      greeting: marked.greeting ?? config.greeting,
      ...body,
      slug,
      webVersionUrl: config.webVersionUrl.replace('{slug}', slug),
    };
    return { newsletter: config, issue };
  });
  return { ...validation, localImages };
}

/** The output folder is out/<slug>/: an empty slug would write into out/ itself. */
function emptySlugProblem(file: string): ContentProblem {
  return {
    severity: 'error',
    file,
    line: 1,
    field: 'slug',
    message: `the file name "${basename(file)}" gives an empty slug (letters and digits make the slug), so the output folder would be out/ itself`,
    received: JSON.stringify(basename(file)),
    fix: `Rename the file (e.g. 2026-02-05-topic.md), or add \`${FIELD_EXAMPLES.slug}\` to its front matter.`,
  };
}

export function slugFromFile(file: string): string {
  return basename(file).replace(/\.(md|markdown)$/i, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

