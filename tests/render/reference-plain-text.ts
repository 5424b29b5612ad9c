/**
 * The plain text as src/render/plain-text.ts made it before issue 13: html-to-text
 * (through React Email's toPlainText, with its selectors) and our options. Kept here,
 * out of src, as the reference the hand-written walk (src/render/html-to-text.ts) must match.
 */
import { toPlainText } from '@react-email/render';
import type { HtmlToTextOptions } from 'html-to-text';
import { displayWidth, layoutText, TEXT_WIDTH } from '../../src/personalize/index.ts';

interface DomNode {
  type?: string;
  data?: string;
  children?: DomNode[];
}

function textOf(node: DomNode): string {
  return node.type === 'text' ? (node.data ?? '') : (node.children ?? []).map(textOf).join('');
}

const heading = (tag: string, underline: string | undefined) => ({
  selector: tag,
  format: underline ? 'underlinedHeading' : 'heading',
  options: { uppercase: false, leadingLineBreaks: 2, trailingLineBreaks: 1, underline },
});

const PLAIN_TEXT_OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  formatters: {
    underlinedHeading(elem, _walk, builder, options) {
      const text = textOf(elem).replace(/\s+/g, ' ').trim();
      const width = displayWidth(text);
      builder.openBlock({ leadingLineBreaks: options.leadingLineBreaks ?? 2 });
      builder.addLiteral(text);
      builder.closeBlock({ trailingLineBreaks: 1 });
      builder.openBlock({ leadingLineBreaks: 1 });
      builder.addLiteral(String((options as { underline?: string }).underline ?? '-').repeat(Math.min(width, TEXT_WIDTH)));
      builder.closeBlock({ trailingLineBreaks: options.trailingLineBreaks ?? 1 });
    },
  },
  selectors: [
    heading('h1', '='),
    heading('h2', '-'),
    heading('h3', undefined),
    { selector: 'a', options: { linkBrackets: ['<', '>'], hideLinkHrefIfSameAsText: true } },
    { selector: 'p', options: { leadingLineBreaks: 2, trailingLineBreaks: 2 } },
  ],
};

/** html-to-text's output, before the squeeze and the layout. */
export const referenceHtmlToText = (html: string): string => toPlainText(html, PLAIN_TEXT_OPTIONS);

/** The old plainTextOf. */
export const referencePlainTextOf = (html: string): string => layoutText(referenceHtmlToText(html).replace(/\n{3,}/g, '\n\n').trim()) + '\n';
