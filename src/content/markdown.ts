import { fromMarkdown } from 'mdast-util-from-markdown';
import type { Heading, RootContent } from 'mdast';
import type { LocalImageRef } from './local-images.ts';
import type { Block, Inline, IssueBody, Section } from './model.ts';
import { parseBlock } from './markdown-blocks.ts';
import { lineOf, type BodyContext, type BodyProblem } from './markdown-context.ts';
import { parseInline } from './markdown-inline.ts';
import { protectFields } from './merge-fields.ts';

export type { BodyProblem } from './markdown-context.ts';

/** The issue's shape as the top-level nodes are read: headline, the lead before any section, then the sections. */
interface Outline {
  headline: Inline[] | undefined;
  lead: Block[];
  sections: Section[];
}

/**
 * Parse an issue body into the template model. Raw HTML is never passed
 * through: it is reported (and dropped), like unsafe links and images without alt.
 */
export function parseBody(source: string, bodyLine: number): { body: IssueBody; problems: BodyProblem[]; localImages: LocalImageRef[] } {
  const ctx: BodyContext = { bodyLine, problems: [], localImages: [] };
  const outline: Outline = { headline: undefined, lead: [], sections: [] };
  for (const node of fromMarkdown(protectFields(source)).children) addTopLevel(ctx, outline, node);
  if (!outline.headline) {
    ctx.problems.push({
      line: bodyLine,
      field: 'body (headline)',
      message: 'the body has no "# " headline',
      fix: 'Start the body with a line like "# Trump and Petro hold an unlikely meeting".',
    });
  }
  return { body: { headline: outline.headline ?? [], lead: outline.lead, sections: outline.sections }, problems: ctx.problems, localImages: ctx.localImages };
}

/** "# " is the headline and "## " opens a section; any other block goes to the open section, or to the lead before the first one. */
function addTopLevel(ctx: BodyContext, outline: Outline, node: RootContent): void {
  if (node.type === 'heading' && node.depth === 1) return addHeadline(ctx, outline, node);
  if (node.type === 'heading' && node.depth === 2) {
    outline.sections.push({ heading: parseInline(ctx, node.children), blocks: [] });
    return;
  }
  if (node.type === 'heading' && refuseSubHeading(ctx, outline, node)) return;
  const blocks = parseBlock(ctx, node);
  if (outline.sections.length) outline.sections[outline.sections.length - 1]!.blocks.push(...blocks);
  else outline.lead.push(...blocks);
}

/** The first "# " is the headline; a later or misplaced one is reported (a repeated one is not even parsed). */
function addHeadline(ctx: BodyContext, outline: Outline, node: Heading): void {
  if (outline.headline) {
    ctx.problems.push({
      line: lineOf(ctx, node),
      field: 'body (headline)',
      message: 'there is more than one "# " headline',
      fix: 'Keep one "# Headline" at the top; use "## " for section headings.',
    });
  } else if (outline.sections.length || outline.lead.length) {
    ctx.problems.push({
      line: lineOf(ctx, node),
      field: 'body (headline)',
      message: 'the "# " headline must come first',
      fix: 'Move the "# Headline" line above the lead paragraph.',
    });
  }
  outline.headline ??= parseInline(ctx, node.children);
}

/** A "### " heading belongs inside a section, and nothing deeper is needed: reports and returns true when the heading is dropped. */
function refuseSubHeading(ctx: BodyContext, outline: Outline, node: Heading): boolean {
  if (node.depth > 3) {
    ctx.problems.push({
      line: lineOf(ctx, node),
      field: 'body (heading)',
      message: `heading level ${node.depth} is deeper than a newsletter needs`,
      fix: 'Use "## " for sections and "### " for sub-headings inside a section.',
    });
    return true;
  }
  if (!outline.sections.length) {
    ctx.problems.push({
      line: lineOf(ctx, node),
      field: 'body (heading)',
      message: '"### " sub-heading before any "## " section (heading levels must not skip)',
      fix: 'Start a section with "## Section title" first, or make this a "## " heading.',
    });
    return true;
  }
  return false;
}
