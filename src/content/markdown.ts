import { fromMarkdown } from 'mdast-util-from-markdown';
import type { Nodes, PhrasingContent, RootContent } from 'mdast';
import type { Block, Inline, IssueBody, Section } from './model.ts';
import { urlProblem } from './text-rules.ts';
import { markUrl, protectFields, templateToDisplay, toTemplateText, URL_FIELD_FIX, urlFieldProblem } from './merge-fields.ts';

export interface BodyProblem {
  line: number | undefined;
  field: string;
  message: string;
  received?: string;
  fix: string;
}

/**
 * Parse an issue body into the template model. Raw HTML is never passed
 * through: it is reported (and dropped), like unsafe links and images without alt.
 */
export function parseBody(source: string, bodyLine: number): { body: IssueBody; problems: BodyProblem[] } {
  const problems: BodyProblem[] = [];
  const tree = fromMarkdown(protectFields(source));
  const lineOf = (node: Nodes) => (node.position ? node.position.start.line + bodyLine - 1 : undefined);
  const text = (value: string) => toTemplateText(value);
  /** A URL as marked text: its fields are percent-encoded when filled; a field in the scheme or host is refused (reported, `ok` false). */
  const url = (node: Nodes & { url: string }, field: string) => {
    const marked = markUrl(text(node.url));
    const problem = urlFieldProblem(marked);
    if (problem) problems.push({ line: lineOf(node), field, message: problem, received: JSON.stringify(templateToDisplay(marked)), fix: URL_FIELD_FIX });
    return { marked, ok: !problem };
  };

  const inline = (nodes: readonly PhrasingContent[]): Inline[] =>
    nodes.flatMap((node): Inline[] => {
      switch (node.type) {
        case 'text':
          return [{ type: 'text', value: text(node.value) }];
        case 'strong':
          return [{ type: 'strong', children: inline(node.children) }];
        case 'emphasis':
          return [{ type: 'emphasis', children: inline(node.children) }];
        case 'delete':
          return inline(node.children);
        case 'inlineCode':
          return [{ type: 'code', value: text(node.value) }];
        case 'break':
          return [{ type: 'break' }];
        case 'link': {
          const href = url(node, 'body (link)');
          if (!href.ok) return inline(node.children); // reported by url()
          const linkProblem = urlProblem(node.url, ['https', 'http', 'mailto']);
          if (linkProblem) {
            problems.push({
              line: lineOf(node),
              field: 'body (link)',
              message: `link URL is not http(s) or mailto: it ${linkProblem}`,
              received: JSON.stringify(node.url),
              fix: 'Link to an absolute https:// URL or a mailto: address; javascript:, data: and relative links do not work in email.',
            });
            return inline(node.children);
          }
          return [{ type: 'link', url: href.marked, children: inline(node.children) }];
        }
        case 'image':
          problems.push({
            line: lineOf(node),
            field: 'body (image)',
            message: 'an image inside a paragraph cannot be laid out in email',
            fix: 'Put the image on a line of its own: ![What it shows](https://example.com/image.jpg)',
          });
          return [];
        case 'html':
          rawHtml(node);
          return [];
        default:
          unsupported(node);
          return [];
      }
    });

  const rawHtml = (node: Nodes) =>
    problems.push({
      line: lineOf(node),
      field: 'body',
      message: 'raw HTML is not allowed in content; it would bypass the email-safe template',
      received: 'value' in node ? JSON.stringify(String(node.value).slice(0, 60)) : undefined,
      fix: 'Write it in Markdown instead (**bold**, _italic_, [link](https://…), > quote); to show a tag literally, put it in `backticks`.',
    });

  const unsupported = (node: Nodes) =>
    problems.push({
      line: lineOf(node),
      field: 'body',
      message: `Markdown ${node.type === 'code' ? 'code blocks are' : `"${node.type}" is`} not supported in a newsletter`,
      fix: 'Use paragraphs, lists, block quotes, links, emphasis and images on their own line.',
    });

  const image = (node: Extract<PhrasingContent, { type: 'image' }>): Block[] => {
    let ok = true;
    const imageProblem = urlProblem(node.url, ['https']);
    if (imageProblem) {
      ok = false;
      problems.push({
        line: lineOf(node),
        field: 'body (image)',
        message: `image URL must be an absolute https:// URL: it ${imageProblem}`,
        received: JSON.stringify(node.url),
        fix: 'Host the image on the web and use its https:// address; mail clients cannot load local or data: images.',
      });
    }
    if (!node.alt?.trim()) {
      ok = false;
      problems.push({
        line: lineOf(node),
        field: 'body (image alt)',
        message: 'image has no alt text',
        received: JSON.stringify(`![](${node.url})`),
        fix: 'Describe the image between the brackets: ![Petro holding the red cap](https://…). Many readers see the alt text instead of the image.',
      });
    }
    if (!ok) return [];
    return [{ type: 'image', src: url(node, 'body (image)').marked, alt: text(node.alt ?? ''), ...(node.title ? { title: text(node.title) } : {}) }];
  };

  const block = (node: RootContent): Block[] => {
    switch (node.type) {
      case 'paragraph': {
        const only = node.children.length === 1 ? node.children[0] : undefined;
        if (only?.type === 'image') return image(only);
        const children = inline(node.children);
        return children.length ? [{ type: 'paragraph', children }] : [];
      }
      case 'heading':
        return [{ type: 'heading', children: inline(node.children) }];
      case 'list':
        return [{ type: 'list', ordered: Boolean(node.ordered), items: node.children.map((item) => item.children.flatMap(block)) }];
      case 'blockquote':
        return [{ type: 'blockquote', children: node.children.flatMap(block) }];
      case 'thematicBreak':
        return [{ type: 'rule' }];
      case 'html':
        rawHtml(node);
        return [];
      default:
        unsupported(node);
        return [];
    }
  };

  let headline: Inline[] | undefined;
  const lead: Block[] = [];
  const sections: Section[] = [];
  for (const node of tree.children) {
    if (node.type === 'heading' && node.depth === 1) {
      if (headline) {
        problems.push({
          line: lineOf(node),
          field: 'body (headline)',
          message: 'there is more than one "# " headline',
          fix: 'Keep one "# Headline" at the top; use "## " for section headings.',
        });
      } else if (sections.length || lead.length) {
        problems.push({
          line: lineOf(node),
          field: 'body (headline)',
          message: 'the "# " headline must come first',
          fix: 'Move the "# Headline" line above the lead paragraph.',
        });
      }
      headline ??= inline(node.children);
      continue;
    }
    if (node.type === 'heading' && node.depth === 2) {
      sections.push({ heading: inline(node.children), blocks: [] });
      continue;
    }
    if (node.type === 'heading' && node.depth > 3) {
      problems.push({
        line: lineOf(node),
        field: 'body (heading)',
        message: `heading level ${node.depth} is deeper than a newsletter needs`,
        fix: 'Use "## " for sections and "### " for sub-headings inside a section.',
      });
      continue;
    }
    if (node.type === 'heading' && !sections.length) {
      problems.push({
        line: lineOf(node),
        field: 'body (heading)',
        message: '"### " sub-heading before any "## " section (heading levels must not skip)',
        fix: 'Start a section with "## Section title" first, or make this a "## " heading.',
      });
      continue;
    }
    const blocks = block(node);
    if (sections.length) sections[sections.length - 1]!.blocks.push(...blocks);
    else lead.push(...blocks);
  }
  if (!headline) {
    problems.push({
      line: bodyLine,
      field: 'body (headline)',
      message: 'the body has no "# " headline',
      fix: 'Start the body with a line like "# Trump and Petro hold an unlikely meeting".',
    });
  }
  return { body: { headline: headline ?? [], lead, sections }, problems };
}
