import type { Blockquote, Heading, Image, List, Paragraph, RootContent } from 'mdast';
import type { Block } from './model.ts';
import { lineOf, markedUrl, reportRawHtml, reportUnsupported, type BodyContext } from './markdown-context.ts';
import { parseInline } from './markdown-inline.ts';
import { toTemplateText } from './merge-fields.ts';
import { decodedBodyPath, hasScheme, localPathProblem } from './local-images.ts';
import { urlProblem } from './text-rules.ts';

/** One Markdown block as template blocks; raw HTML and unsupported kinds are reported and dropped. */
export function parseBlock(ctx: BodyContext, node: RootContent): Block[] {
  switch (node.type) {
    case 'paragraph':
      return paragraph(ctx, node);
    case 'heading':
      return heading(ctx, node);
    case 'list':
      return list(ctx, node);
    case 'blockquote':
      return blockquote(ctx, node);
    case 'thematicBreak':
      return [{ type: 'rule' }];
    case 'html':
      reportRawHtml(ctx, node);
      return [];
    default:
      reportUnsupported(ctx, node);
      return [];
  }
}

/** A paragraph holding only an image is that image; an empty one (everything in it dropped) disappears. */
function paragraph(ctx: BodyContext, node: Paragraph): Block[] {
  const only = node.children.length === 1 ? node.children[0] : undefined;
  if (only?.type === 'image') return image(ctx, only);
  const children = parseInline(ctx, node.children);
  return children.length ? [{ type: 'paragraph', children }] : [];
}

function heading(ctx: BodyContext, node: Heading): Block[] {
  return [{ type: 'heading', children: parseInline(ctx, node.children) }];
}

function list(ctx: BodyContext, node: List): Block[] {
  const items = node.children.map((item) => item.children.flatMap((child) => parseBlock(ctx, child)));
  // "3." opens a list at 3: the author's numbers, not a renumbering from 1.
  const start = node.ordered && typeof node.start === 'number' && node.start !== 1 ? { start: node.start } : {};
  return [{ type: 'list', ordered: Boolean(node.ordered), ...start, items }];
}

function blockquote(ctx: BodyContext, node: Blockquote): Block[] {
  return [{ type: 'blockquote', children: node.children.flatMap((child) => parseBlock(ctx, child)) }];
}

/**
 * An image on its own line: an https:// URL, or a path relative to the issue file (a local
 * image, recorded for load.ts and src/assets), and alt text; every problem is reported before it is dropped.
 */
function image(ctx: BodyContext, node: Image): Block[] {
  const local = hasScheme(node.url) ? undefined : localFile(node.url);
  const problem = local ? ('fix' in local ? local : undefined) : imageUrlProblem(node.url);
  if (problem) ctx.problems.push({ line: lineOf(ctx, node), field: 'body (image)', received: JSON.stringify(node.url), ...problem });
  if (!node.alt?.trim()) {
    ctx.problems.push({
      line: lineOf(ctx, node),
      field: 'body (image alt)',
      message: 'image has no alt text',
      received: JSON.stringify(`![](${node.url})`),
      fix: 'Describe the image between the brackets: ![Petro holding the red cap](https://…). Many readers see the alt text instead of the image.',
    });
  }
  if (problem || !node.alt?.trim()) return [];
  const src = markedUrl(ctx, node, 'body (image)').marked;
  if (local && 'file' in local) ctx.localImages.push({ src, file: local.file, line: lineOf(ctx, node), field: 'body (image)', slot: 'full' });
  return [{ type: 'image', src, alt: toTemplateText(node.alt), ...(node.title ? { title: toTemplateText(node.title) } : {}) }];
}

/** A local path as written, then decoded: the file it names, or why it names none. */
function localFile(url: string): { file: string } | { message: string; fix: string } {
  const decoded = localPathProblem(url) ?? decodedBodyPath(url);
  return 'file' in decoded ? decoded : { message: `image path ${decoded.message}`, fix: decoded.fix };
}

function imageUrlProblem(url: string): { message: string; fix: string } | undefined {
  const problem = urlProblem(url, ['https']);
  if (problem === undefined) return undefined;
  return {
    message: `image URL must be an absolute https:// URL: it ${problem}`,
    fix: 'Host the image on the web and use its https:// address, or put the file next to the issue and write its relative path (images/chart.png); mail clients cannot load data: or file: images.',
  };
}
