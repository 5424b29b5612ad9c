import type { NewsletterConfig, NewsletterProps } from '../content/index.ts';
import type { ImageAsset } from '../assets/index.ts';
import type { BuiltIssue } from '../render/index.ts';
import { assetMap } from './links.ts';
import { neutralProps } from './neutral.ts';
import { pageLocation, pagePath } from './urls.ts';

/** One issue as the archive publishes it. */
export interface ArchivedIssue {
  /** Neutral props: merge fields filled with the web version's values. */
  props: NewsletterProps;
  number: number;
  date: string;
  subject: string;
  preheader: string;
  /** The file written ("slug/index.html") and its site path ("slug/"), both decoded ("número/…"). */
  file: string;
  path: string;
  /** Absolute URL on the base URL, its path exactly as the email's webVersionUrl writes it. */
  url: string;
  assets: ImageAsset[];
}

export interface Site {
  config: NewsletterConfig;
  /** Every absolute URL starts here: --base-url, or siteUrl. */
  baseUrl: string;
  /** Oldest first. */
  issues: ArchivedIssue[];
  /** Every processed image: asset URL → site path (assets/<hash>.<ext>). */
  assets: ReadonlyMap<string, string>;
}

export function archivedIssue(built: BuiltIssue, config: NewsletterConfig, baseUrl: string): ArchivedIssue {
  const props = neutralProps(built.props);
  const { file, urlPath } = pageLocation(built.props.issue.webVersionUrl, config.siteUrl ?? baseUrl, built.meta.slug);
  const path = pagePath(file);
  return {
    props,
    number: props.issue.number,
    date: props.issue.date,
    subject: props.issue.subject,
    preheader: props.issue.preheader,
    file,
    path,
    url: baseUrl + urlPath,
    assets: built.assets,
  };
}

export function siteOf(built: readonly BuiltIssue[], config: NewsletterConfig, baseUrl: string): Site {
  return { config, baseUrl, issues: built.map((b) => archivedIssue(b, config, baseUrl)), assets: assetMap(built.flatMap((b) => b.assets)) };
}

/** An issue's date as a moment: midnight UTC of its day (never "now": the same content gives the same feed). */
export const dateTime = (date: string): Date => new Date(`${date}T00:00:00Z`);
