import type { FrontMatter, NewsletterConfig } from './schema.ts';

/**
 * The validated issue as templates see it. Every string is marked text
 * (content/merge-fields.ts): merge fields as marks, everything else literal.
 */
export type Inline =
  | { type: 'text'; value: string }
  | { type: 'strong'; children: Inline[] }
  | { type: 'emphasis'; children: Inline[] }
  | { type: 'code'; value: string }
  | { type: 'link'; url: string; children: Inline[] }
  | { type: 'break' };

export type Block =
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'heading'; children: Inline[] }
  | { type: 'list'; ordered: boolean; /** The first number of an ordered list, when not 1. */ start?: number; items: Block[][] }
  | { type: 'blockquote'; children: Block[] }
  /** width/height: the pixel size to show it at, set for a local image once processed (src/assets). */
  | { type: 'image'; src: string; alt: string; title?: string; width?: number; height?: number }
  | { type: 'rule' };

export interface Section {
  heading: Inline[];
  blocks: Block[];
}

export interface IssueBody {
  headline: Inline[];
  lead: Block[];
  sections: Section[];
}

export type IssueModel = Omit<FrontMatter, 'greeting' | 'cta'> &
  IssueBody & {
    /** The line above the headline (the issue's own, else newsletter.yml's), or false for none. */
    greeting: string | false;
    slug: string;
    /** The button at the end of the card; its url defaults to the archive (newsletter.yml siteUrl). */
    cta?: { label: string; url: string };
    /** The view-in-browser URL of this issue (config webVersionUrl with {slug} filled). */
    webVersionUrl: string;
  };

/** Everything a newsletter template needs, as props. */
export interface NewsletterProps {
  newsletter: NewsletterConfig;
  issue: IssueModel;
}

export function inlineText(nodes: readonly Inline[]): string {
  return nodes
    .map((n) => (n.type === 'text' || n.type === 'code' ? n.value : n.type === 'break' ? ' ' : inlineText(n.children)))
    .join('');
}

/**
 * An image's width and height as shown in a column: its own width capped at the column (the
 * column itself when unknown) and, when its height is known, the height scaled to match, so a
 * small image is not blown up and the box keeps its proportions before the image loads (Outlook
 * sizes by these attributes alone). The email's template and the archive's pages both use it.
 */
export function fitToColumn(width: number | undefined, height: number | undefined, column: number): { width: number; height?: number } {
  const shown = Math.min(width ?? column, column);
  return width && height !== undefined ? { width: shown, height: Math.max(1, Math.round((height * shown) / width)) } : { width: shown };
}

/** One formatter per language: building an Intl.DateTimeFormat costs more than the rest of the masthead (~0.3 ms a render). */
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** "February 5, 2026" in the newsletter's language; dates are calendar days, so UTC. */
export function formatIssueDate(date: string, language: string): string {
  let format = dateFormats.get(language);
  if (!format) dateFormats.set(language, (format = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' })));
  return format.format(new Date(`${date}T00:00:00Z`));
}
