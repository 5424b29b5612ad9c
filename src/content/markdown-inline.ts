import type { Image, Link, PhrasingContent } from 'mdast';
import type { Inline } from './model.ts';
import { lineOf, markedUrl, reportRawHtml, reportUnsupported, type BodyContext } from './markdown-context.ts';
import { toTemplateText } from './merge-fields.ts';
import { urlProblem } from './text-rules.ts';

/** Phrasing content (inside a paragraph, heading or list item) as the template's inline model; what cannot be shown is reported and dropped. */
export function parseInline(ctx: BodyContext, nodes: readonly PhrasingContent[]): Inline[] {
  return nodes.flatMap((node) => inlineNode(ctx, node));
}

function inlineNode(ctx: BodyContext, node: PhrasingContent): Inline[] {
  switch (node.type) {
    case 'text':
      return [{ type: 'text', value: toTemplateText(node.value) }];
    case 'strong':
      return [{ type: 'strong', children: parseInline(ctx, node.children) }];
    case 'emphasis':
      return [{ type: 'emphasis', children: parseInline(ctx, node.children) }];
    case 'delete':
      return parseInline(ctx, node.children);
    case 'inlineCode':
      return [{ type: 'code', value: toTemplateText(node.value) }];
    case 'break':
      return [{ type: 'break' }];
    case 'link':
      return link(ctx, node);
    case 'image':
      return imageInText(ctx, node);
    case 'html':
      reportRawHtml(ctx, node);
      return [];
    default:
      reportUnsupported(ctx, node);
      return [];
  }
}

/** A link keeps its text; a refused URL (field in the host, or not http(s)/mailto) leaves the text unlinked. */
function link(ctx: BodyContext, node: Link): Inline[] {
  const href = markedUrl(ctx, node, 'body (link)');
  if (!href.ok) return parseInline(ctx, node.children); // reported by markedUrl()
  const linkProblem = urlProblem(node.url, ['https', 'http', 'mailto']);
  if (linkProblem) {
    ctx.problems.push({
      line: lineOf(ctx, node),
      field: 'body (link)',
      message: `link URL is not http(s) or mailto: it ${linkProblem}`,
      received: JSON.stringify(node.url),
      fix: 'Link to an absolute https:// URL or a mailto: address; javascript:, data: and relative links do not work in email.',
    });
    return parseInline(ctx, node.children);
  }
  return [{ type: 'link', url: href.marked, children: parseInline(ctx, node.children) }];
}

/** Only an image alone on its line becomes a block (markdown-blocks.ts); one among text is reported and dropped. */
function imageInText(ctx: BodyContext, node: Image): Inline[] {
  ctx.problems.push({
    line: lineOf(ctx, node),
    field: 'body (image)',
    message: 'an image inside a paragraph cannot be laid out in email',
    fix: 'Put the image on a line of its own: ![What it shows](https://example.com/image.jpg)',
  });
  return [];
}
