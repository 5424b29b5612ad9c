import type { HtmlToTextOptions } from 'html-to-text';

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

/** html-to-text options for a plain-text part that reads like a newsletter. */
export const PLAIN_TEXT_OPTIONS: HtmlToTextOptions = {
  wordwrap: 76,
  formatters: {
    // A heading followed by a line of = or -, so it stands out in a text-only client.
    underlinedHeading(elem, _walk, builder, options) {
      const text = textOf(elem).replace(/\s+/g, ' ').trim();
      const width = [...new Intl.Segmenter().segment(text)].length;
      builder.openBlock({ leadingLineBreaks: options.leadingLineBreaks ?? 2 });
      builder.addLiteral(text);
      builder.closeBlock({ trailingLineBreaks: 1 });
      builder.openBlock({ leadingLineBreaks: 1 });
      builder.addLiteral(String((options as { underline?: string }).underline ?? '-').repeat(Math.min(width, 76)));
      builder.closeBlock({ trailingLineBreaks: options.trailingLineBreaks ?? 1 });
    },
  },
  selectors: [
    heading('h1', '='),
    heading('h2', '-'),
    heading('h3', undefined),
    // Links as "text (url)"; a URL-as-text link is printed once, not twice.
    { selector: 'a', options: { linkBrackets: ['(', ')'], hideLinkHrefIfSameAsText: true } },
    { selector: 'p', options: { leadingLineBreaks: 2, trailingLineBreaks: 2 } },
  ],
};
