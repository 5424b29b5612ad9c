import { toPlainText } from '@react-email/render';
import type { HtmlToTextOptions } from 'html-to-text';
import { displayWidth, layoutText, TEXT_WIDTH } from '../personalize/index.ts';

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
  // Upper-casing would turn {{firstName}} into {{FIRSTNAME}}, an unknown field.
  options: { uppercase: false, leadingLineBreaks: 2, trailingLineBreaks: 1, underline },
});

/**
 * html-to-text options for a plain-text part that reads like a newsletter.
 * Not wrapped here: html-to-text counts UTF-16 units and wraps before the
 * fields are filled; layoutText (personalize/text-layout.ts) lays the lines out.
 */
const PLAIN_TEXT_OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  formatters: {
    // A heading followed by a line of = or -, so it stands out in a text-only client.
    underlinedHeading(elem, _walk, builder, options) {
      const text = textOf(elem).replace(/\s+/g, ' ').trim();
      // Display columns: an emoji or CJK character takes two, so the underline reaches the end.
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
    /*
     * Links as "text <url>"; layoutText then ends the line after the link's
     * words and gives the URL a line of its own. Right under its words, a URL
     * stays paired with them when a paragraph (or the footer) has several, and
     * every client turns a bare URL line into a link. A URL-as-text link is printed once.
     */
    { selector: 'a', options: { linkBrackets: ['<', '>'], hideLinkHrefIfSameAsText: true } },
    { selector: 'p', options: { leadingLineBreaks: 2, trailingLineBreaks: 2 } },
  ],
};

/** The plain-text part of rendered (marked) HTML: blank-line runs squeezed, laid out within TEXT_WIDTH. */
export function plainTextOf(html: string): string {
  // Skipped blocks (images, rules) leave runs of blank lines; one blank line is enough.
  return layoutText(toPlainText(html, PLAIN_TEXT_OPTIONS).replace(/\n{3,}/g, '\n\n').trim()) + '\n';
}
