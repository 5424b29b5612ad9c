import { layoutText } from '../personalize/index.ts';
import { htmlToText } from './html-to-text.ts';

/**
 * The plain-text part of rendered (marked) HTML: blank-line runs squeezed, laid out within TEXT_WIDTH.
 * Not wrapped by htmlToText: it would count UTF-16 units and wrap before the
 * fields are filled; layoutText (personalize/text-layout.ts) lays the lines out.
 */
export function plainTextOf(html: string): string {
  // Skipped blocks (images, rules) leave runs of blank lines; one blank line is enough.
  return layoutText(htmlToText(html).replace(/\n{3,}/g, '\n\n').trim()) + '\n';
}
