import { createHash } from 'node:crypto';
import { loadIssue, type LoadOptions, type ContentProblem, type NewsletterProps, templateToDisplay } from '../content/index.ts';
import { processLocalImages, type ImageAsset } from '../assets/index.ts';
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
  /** The issue's local images as processed and named (files in out/<slug>/assets/), in the order the email shows them. */
  assets: { name: string; bytes: number; width: number; height: number; source: string; url: string }[];
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

/**
 * Load, validate and render one issue (in memory; nothing written but the image cache,
 * out/.cache/images/): local images are processed into hosted assets before the render.
 */
export async function buildIssue(options: LoadOptions = {}): Promise<BuiltIssue> {
  const loaded = await loadIssue(options);
  const { file, warnings } = loaded;
  const { props, assets } = await processLocalImages(loaded, { cwd: options.cwd });
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
    assets: assets.map(({ name, bytes, width, height, source, url }) => ({ name, bytes, width, height, source, url })),
  };
  return { file, props, html, text, meta, warnings, assets };
}
