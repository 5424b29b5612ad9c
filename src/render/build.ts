import { createHash } from 'node:crypto';
import { loadIssue, type LoadOptions, type ContentProblem, type NewsletterProps, templateToDisplay } from '../content/index.ts';
import type { ImageAsset } from '../assets/index.ts';
import { issueTemplates, mergeFieldsUsed } from '../personalize/index.ts';
import { renderIssue } from './render-issue.ts';

export interface BuildMeta {
  slug: string;
  number: number;
  date: string;
  subject: string;
  preheader: string;
  from: string;
  replyTo: string | null;
  sizes: { html: number; text: number };
  mergeFields: string[];
  /** sha256 of the rendered HTML + text templates: same content, same hash. */
  contentHash: string;
}

export interface BuiltIssue {
  file: string;
  props: NewsletterProps;
  html: string;
  text: string;
  meta: BuildMeta;
  warnings: ContentProblem[];
  /** The issue's local images, processed (assets/<hash>.<ext>); empty when every image is hosted. */
  assets: ImageAsset[];
}

/** Load, validate and render one issue (in memory; nothing written). */
export async function buildIssue(options: LoadOptions = {}): Promise<BuiltIssue> {
  const { props, file, warnings } = await loadIssue(options);
  const { html, text } = await renderIssue(props);
  const { issue, newsletter } = props;
  const meta: BuildMeta = {
    slug: issue.slug,
    number: issue.number,
    date: issue.date,
    subject: templateToDisplay(issue.subject),
    preheader: templateToDisplay(issue.preheader),
    from: `${newsletter.from.name} <${newsletter.from.email}>`,
    replyTo: newsletter.replyTo ?? null,
    sizes: { html: Buffer.byteLength(html), text: Buffer.byteLength(text) },
    mergeFields: mergeFieldsUsed(html, text, issueTemplates(props, { html, text }).subject),
    contentHash: createHash('sha256').update(html).update('\0').update(text).digest('hex'),
  };
  return { file, props, html, text, meta, warnings, assets: [] };
}
