import type { SenderSettings } from '../config/index.ts';
import type { ContentProblem, NewsletterProps, LoadOptions } from '../content/index.ts';
import { NewsletterError } from '../errors.ts';
import { issueTemplates, type IssueTemplates } from '../personalize/index.ts';
import { buildIssue, GMAIL_CLIP_BYTES, type ImageAsset } from '../render/index.ts';
import { sampleEml, SAMPLE_RECIPIENT } from './eml.ts';
import { emlGuide, imagesGuide, importGuide, webVersionGuide } from './import-guide.ts';
import { PLATFORM_ALIASES, PLATFORMS } from './platforms/index.ts';
import type { Platform, TagInput } from './platforms/types.ts';
import { translateIssue } from './translate.ts';
import { internalLeftovers } from './verify.ts';
import { webVersionTarget } from './web-version.ts';

/** Every --platform value: the mail platforms, then the web version and the sample .eml. */
export const EXPORT_TARGETS: readonly string[] = [...PLATFORMS.map((p) => p.name), 'html', 'eml'];

export interface ExportedTarget {
  /** Folder name under out/<slug>/. */
  target: string;
  title: string;
  files: Record<string, string | Uint8Array>;
  /** Bytes of the HTML (email.html, or the HTML part of the .eml). */
  htmlBytes: number;
  warnings: string[];
}

export interface ExportedIssue {
  file: string;
  slug: string;
  number: number;
  subject: string;
  targets: ExportedTarget[];
  /** Content warnings from validation, as `build` reports them. */
  warnings: ContentProblem[];
}

/** Every --platform name, aliases as `sendgrid (= sendgrid-api)`: for the usage error and `export --help`. */
export function platformChoices(): string {
  const aliases = Object.entries(PLATFORM_ALIASES).map(([alias, name]) => `${alias} (= ${name})`);
  return [...EXPORT_TARGETS, ...aliases].join(', ');
}

/** A target name with an older alias resolved to the name it stands for (its folder name). */
const canonical = (name: string): string => PLATFORM_ALIASES[name] ?? name;

/**
 * `--platform NAME`, `all`, or a comma-separated list → target names (aliases resolved, here only);
 * anything else is a usage error naming the choices.
 */
export function resolveTargets(value: string | undefined): string[] {
  const choices = `${platformChoices()} or all`;
  if (!value) throw new NewsletterError('EUSAGE', `--platform is required: ${choices}`, { fix: 'Example: newsletter export --platform mailchimp' });
  const names = value.split(',').map((n) => canonical(n.trim().toLowerCase())).filter(Boolean);
  if (names.includes('all')) return [...EXPORT_TARGETS];
  const unknown = names.filter((n) => !EXPORT_TARGETS.includes(n));
  if (unknown.length || !names.length)
    throw new NewsletterError('EUSAGE', `Unknown --platform "${unknown.join(', ') || value}"; choose ${choices}`, { fix: 'Example: newsletter export --platform sendgrid-campaigns' });
  return [...new Set(names)];
}

// Characters that have a meaning in some platform's tag syntax; a fallback is written into tags as is.
const FALLBACK_UNSAFE = /[{}|*%"'`<>\\]/;

function tagInput(props: NewsletterProps): TagInput {
  const fallback = props.newsletter.greetingFallback;
  if (FALLBACK_UNSAFE.test(fallback))
    throw new NewsletterError('ECONTENT', `greetingFallback "${fallback}" contains a character that some platforms read as template syntax ({ } | * % " ' \` < > \\)`, {
      where: 'newsletter.yml greetingFallback',
      fix: 'Use plain words, e.g. greetingFallback: there',
    });
  return { fallback, webVersionUrl: props.issue.webVersionUrl };
}

function checkSize(target: string, bytes: number): void {
  if (bytes >= GMAIL_CLIP_BYTES)
    throw new NewsletterError('ECONTENT', `The ${target} export's HTML is ${bytes.toLocaleString('en')} bytes; Gmail clips messages from ${GMAIL_CLIP_BYTES.toLocaleString('en')} bytes and hides the rest, including the unsubscribe link`, {
      fix: 'Shorten the issue (fewer sections or stories, smaller inline content) and export again.',
    });
}

function checkClean(target: Platform, parts: { html: string; text: string; subject: string; preheader: string }, input: TagInput): void {
  const left = [
    ...internalLeftovers(parts.html, 'html', target, input),
    ...internalLeftovers(parts.text, 'text', target, input),
    ...internalLeftovers(parts.subject, 'text', target, input),
    ...internalLeftovers(parts.preheader, 'text', target, input),
  ];
  // Our own translation failed to translate: a bug, not something the author can fix.
  if (left.length) throw new Error(`export ${target.name}: internal merge syntax left in the output: ${[...new Set(left)].join(', ')}`);
}

/** The issue's local images, as files of every export folder (assets/<hash>.<ext>). */
function assetFiles(assets: readonly ImageAsset[]): Record<string, Uint8Array> {
  return Object.fromEntries(assets.map((a) => [a.name, a.data]));
}

function platformTarget(platform: Platform, templates: IssueTemplates, props: NewsletterProps, input: TagInput, assets: readonly ImageAsset[]): ExportedTarget {
  const out = translateIssue(templates, platform, input, props.newsletter.postalAddress);
  checkClean(platform, out, input);
  const htmlBytes = Buffer.byteLength(out.html);
  checkSize(platform.name, htmlBytes);
  const isWeb = platform.name === 'html';
  return {
    target: platform.name,
    title: platform.title,
    files: {
      'email.html': out.html,
      'email.txt': out.text,
      'subject.txt': out.subject + '\n',
      'preheader.txt': out.preheader + '\n',
      'IMPORT.md': (isWeb ? webVersionGuide(props.issue.webVersionUrl) : importGuide(platform, input, out.subject)) + imagesGuide(assets, isWeb ? 'your web host' : platform.title),
      ...assetFiles(assets),
    },
    htmlBytes,
    warnings: out.warnings,
  };
}

async function emlTarget(props: NewsletterProps, templates: IssueTemplates, sender: SenderSettings | undefined, assets: readonly ImageAsset[]): Promise<ExportedTarget> {
  const eml = await sampleEml(props, templates, sender);
  const htmlBytes = Buffer.byteLength(templates.html); // the personalized HTML differs by a few bytes at most
  checkSize('eml', htmlBytes);
  return {
    target: 'eml',
    title: 'Sample message (.eml)',
    files: { 'email.eml': eml, 'IMPORT.md': emlGuide(`${SAMPLE_RECIPIENT.firstName} <${SAMPLE_RECIPIENT.email}>`) + imagesGuide(assets, 'your web host'), ...assetFiles(assets) },
    htmlBytes,
    warnings: [],
  };
}

export interface ExportOptions extends LoadOptions {
  /** EXPORT_TARGETS names, aliases already resolved (resolveTargets). */
  targets: readonly string[];
  /** MAIL_FROM, REPLY_TO, UNSUBSCRIBE_URL / _MAILTO from the settings: the sample .eml is composed with them, as send does. */
  sender?: SenderSettings | undefined;
}

/** Build an issue and translate it for each target (in memory; `writeExports` puts it on disk). */
export async function exportIssue(options: ExportOptions): Promise<ExportedIssue> {
  const built = await buildIssue(options);
  const { props } = built;
  const templates: IssueTemplates = issueTemplates(props, built);
  const input = tagInput(props);
  const targets: ExportedTarget[] = [];
  for (const name of options.targets) {
    if (name === 'eml') targets.push(await emlTarget(props, templates, options.sender, built.assets));
    else if (name === 'html') targets.push(platformTarget(webVersionTarget(props), templates, props, input, built.assets));
    else {
      const platform = PLATFORMS.find((p) => p.name === name);
      if (!platform) throw new NewsletterError('EUSAGE', `Unknown export target "${name}"`, { fix: `Choose one of ${EXPORT_TARGETS.join(', ')}.` });
      targets.push(platformTarget(platform, templates, props, input, built.assets));
    }
  }
  return { file: built.file, slug: built.meta.slug, number: built.meta.number, subject: built.meta.subject, targets, warnings: built.warnings };
}
