import type { Nodes } from 'mdast';
import type { LocalImageRef } from './local-images.ts';
import { markUrl, templateToDisplay, toTemplateText, URL_FIELD_FIX, urlFieldProblem } from './merge-fields.ts';

export interface BodyProblem {
  line: number | undefined;
  field: string;
  message: string;
  received?: string;
  fix: string;
}

/** What the block and inline parsers share: where the body starts in the file, and the problems found so far, in document order. */
export interface BodyContext {
  readonly bodyLine: number;
  readonly problems: BodyProblem[];
  /** Images whose src is a path relative to the issue file, in document order. */
  readonly localImages: LocalImageRef[];
}

/** The node's line in the issue file (the parser counts from the body's first line). */
export function lineOf(ctx: BodyContext, node: Nodes): number | undefined {
  return node.position ? node.position.start.line + ctx.bodyLine - 1 : undefined;
}

/** A URL as marked text: its fields are percent-encoded when filled; a field in the scheme or host is refused (reported, `ok` false). */
export function markedUrl(ctx: BodyContext, node: Nodes & { url: string }, field: string): { marked: string; ok: boolean } {
  const marked = markUrl(toTemplateText(node.url));
  const problem = urlFieldProblem(marked);
  if (problem) ctx.problems.push({ line: lineOf(ctx, node), field, message: problem, received: JSON.stringify(templateToDisplay(marked)), fix: URL_FIELD_FIX });
  return { marked, ok: !problem };
}

export function reportRawHtml(ctx: BodyContext, node: Nodes): void {
  ctx.problems.push({
    line: lineOf(ctx, node),
    field: 'body',
    message: 'raw HTML is not allowed in content; it would bypass the email-safe template',
    received: 'value' in node ? JSON.stringify(String(node.value).slice(0, 60)) : undefined,
    fix: 'Write it in Markdown instead (**bold**, _italic_, [link](https://…), > quote); to show a tag literally, put it in `backticks`.',
  });
}

export function reportUnsupported(ctx: BodyContext, node: Nodes): void {
  ctx.problems.push({
    line: lineOf(ctx, node),
    field: 'body',
    message: `Markdown ${node.type === 'code' ? 'code blocks are' : `"${node.type}" is`} not supported in a newsletter`,
    fix: 'Use paragraphs, lists, block quotes, links, emphasis and images on their own line.',
  });
}
