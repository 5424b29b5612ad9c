import type { ContentProblem } from './problems.ts';
import { CONTROL_CHAR, describeChar } from './text-rules.ts';
import type { YamlSource } from './yaml-source.ts';

/**
 * Local images: an image `src` written as a path relative to the issue file
 * (`images/chart.png`) instead of an https:// URL. Validation (pure) finds them
 * and checks how the path is written; load.ts checks the files; src/assets
 * processes them into hosted assets and puts their URLs in the props.
 */

/** The column an image is shown in: full width (hero, body images) or a story card. */
export type ImageSlot = 'full' | 'story';

/** A local image where the issue names it. `src` is exactly the string the props carry. */
export interface LocalImageRef {
  src: string;
  /**
   * The file, relative to the issue: `src` itself in the front matter (a YAML value is a file
   * path), and with its percent-escapes decoded in the body, where Markdown writes a URL
   * (`images/my%20chart.png` is the file `images/my chart.png`).
   */
  file: string;
  line: number | undefined;
  field: string;
  slot: ImageSlot;
}

/** A `src` with a scheme (`https:`, `data:`, `c:`…) is a URL and is checked as one; anything else is a path. */
export const hasScheme = (value: string): boolean => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value);

const PATH_FIX = 'Write the path relative to the issue file with "/" between folders, e.g. images/chart.png, or use a full https:// URL.';

/** Why `value` is not a usable relative path to an image file, or undefined when it is. */
export function localPathProblem(value: string): { message: string; fix: string } | undefined {
  if (value === '') return { message: 'is empty', fix: PATH_FIX };
  if (value.startsWith('//')) return { message: 'starts with "//" (a URL without its scheme), which mail clients do not load', fix: `Write the full URL starting with https:, e.g. https:${value}` };
  if (value.startsWith('/')) return { message: 'is an absolute path; a local image is found relative to the issue file', fix: PATH_FIX };
  if (value.includes('\\')) return { message: 'contains a backslash; paths are written with "/"', fix: PATH_FIX };
  if (/[?#]/.test(value)) return { message: 'has a "?" or "#", which a file path cannot have', fix: `${PATH_FIX} (A file whose name holds "?" or "#" must be renamed.)` };
  // Braces and the reserved marks are merge fields: a local image is one file, the same for every reader.
  if (/[{}\uE000-\uF8FF]/u.test(value)) return { message: 'contains a merge field or braces; a local image is one file, the same for every reader', fix: 'Name the file itself, e.g. images/chart.png; rename a file whose name holds braces.' };
  const bad = CONTROL_CHAR.exec(value)?.[0];
  if (bad) return { message: `contains ${describeChar(bad)}`, fix: 'Retype the path (an invisible character was often pasted in with it).' };
  return undefined;
}

const BAD_ESCAPE = {
  message: 'has a "%" that is not a percent-escape of UTF-8 text (such as %20 for a space)',
  fix: 'Write a "%" in a file name as %25 (images/100%25.png), or rename the file; in Markdown a space is %20 and an accented letter its UTF-8 escapes (café.png or caf%C3%A9.png).',
};

/**
 * A body image's path as the file it names: Markdown destinations are URLs, so their percent-escapes
 * are decoded, and the decoded path is checked again (`%5C` is a backslash, `%2F` a "/" like any other,
 * `%00` a control character). Whether `%2e%2e/` leads out of the content folder is found from the
 * decoded path too, by local-image-files.ts, like a written `../`.
 */
export function decodedBodyPath(url: string): { file: string } | { message: string; fix: string } {
  let file: string;
  try {
    file = decodeURIComponent(url);
  } catch {
    return BAD_ESCAPE;
  }
  return (file === url ? undefined : localPathProblem(file)) ?? { file };
}

/** A src that names a local image file (a well-written relative path). */
export const isLocalImageSrc = (value: string): boolean => !hasScheme(value) && !localPathProblem(value);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The local images of the front matter, read from the raw YAML so they are found (and their
 * files checked) even when another field fails validation. Values are trimmed like the schema
 * trims them; a local path has no braces, backslashes or marks, so its marked form is itself.
 */
export function frontMatterImages(source: YamlSource): { hero: LocalImageRef[]; stories: LocalImageRef[] } {
  const data = isObject(source.data) ? source.data : {};
  const ref = (value: unknown, path: (string | number)[], slot: ImageSlot): LocalImageRef[] => {
    const src = typeof value === 'string' ? value.trim() : undefined;
    return src !== undefined && isLocalImageSrc(src) ? [{ src, file: src, line: source.lineOf(path), field: path.join('.'), slot }] : [];
  };
  const hero = isObject(data.hero) ? ref(data.hero.src, ['hero', 'src'], 'full') : [];
  const stories = Array.isArray(data.stories)
    ? data.stories.flatMap((story: unknown, i) => (isObject(story) && isObject(story.image) ? ref(story.image.src, ['stories', i, 'image', 'src'], 'story') : []))
    : [];
  return { hero, stories };
}

/** With neither assetsBaseUrl nor siteUrl, a local image has no address to be loaded from: one problem at each. */
export function hostingProblems(images: readonly LocalImageRef[], config: { assetsBaseUrl?: string; siteUrl?: string }, file: string): ContentProblem[] {
  if (config.assetsBaseUrl || config.siteUrl) return [];
  return images.map((image) => ({
    severity: 'error',
    file,
    line: image.line,
    field: image.field,
    message: `the local image ${image.src} needs a web address to be loaded from, and newsletter.yml sets neither assetsBaseUrl nor siteUrl`,
    received: JSON.stringify(image.src),
    fix: 'Add `assetsBaseUrl: https://example.com/newsletter/` to newsletter.yml (upload out/<slug>/assets/ there), or `siteUrl: https://example.com/issues/` (the archive, which publishes the assets); or use an https:// URL for this image.',
  }));
}
