import type { ChildNode, Element } from 'domhandler';
import { ElementType, parseDocument } from 'htmlparser2';
import { displayWidth, TEXT_WIDTH } from '../personalize/index.ts';
import { addText, newBlock, textOfBlock, type Block } from './text-blocks.ts';

/*
 * The unwrapped plain text of our rendered HTML: the output of html-to-text 10
 * with the options plain-text.ts used to pass it (React Email's toPlainText
 * selectors, plus ours: headings underlined, links as "text <url>", no
 * wrapping), reproduced character for character by one walk over the same
 * htmlparser2 document. Written by hand only because html-to-text's generic
 * machinery was the cost (~2 ms a render: it compiles its selectors into a
 * decision tree on every call, then matches every element against it), not its
 * formatting; the walk below is that formatting, ported from its
 * BlockTextBuilder and formatters with wrapping left out (wordwrap: false makes
 * every line unbounded). tests/render/plain-text-equivalence.test.ts compares
 * it with html-to-text itself on every issue the tests can load and on crafted
 * snippets.
 *
 * React Email's own fast converter (@react-email/render's unstableToPlainText)
 * was tried and lays the blocks out differently (3,528 vs 3,743 characters on
 * the seed issue), so it cannot replace html-to-text's output unchanged.
 *
 * The template never writes <pre>, h4-h6, data tables or lettered/roman lists;
 * they throw here rather than come out differently.
 */

/** html-to-text's HTML whitespace (not U+00A0: a no-break space stays inside its word). */
const WORD = /[^ \t\r\n\f\u200b]+/g;
const LEADING_SPACE = /^[ \t\r\n\f\u200b]/;
const TRAILING_SPACE = /[ \t\r\n\f\u200b]$/;
const HAS_WORD = /[^ \t\r\n\f\u200b]/;
const LITERAL_PIECE = /\n|[^\n]+/g;
/** html-to-text truncates its input here (limits.maxInputLength). */
const MAX_INPUT = 1 << 24;
/** What html-to-text writes for a <hr> when not wrapping. */
const RULE_LENGTH = 40;

type WordTransform = (word: string) => string;

/** All text under a node, markup ignored (what our underlined headings print). */
function rawText(node: ChildNode): string {
  if (node.type === ElementType.Text) return node.data;
  return 'children' in node ? node.children.map(rawText).join('') : '';
}

const isElement = (node: ChildNode): node is Element => node.type === ElementType.Tag;

function unsupported(what: string): never {
  throw new Error(`plain text: the template wrote ${what}, which the plain-text walk does not format (add it to src/render/html-to-text.ts)`);
}

/** The body (html-to-text's baseElements: every <body> outside a <body>), or the whole document without one. */
function bases(nodes: ChildNode[], found: Element[] = []): Element[] {
  for (const node of nodes) {
    if (!isElement(node)) continue;
    if (node.name === 'body') found.push(node);
    else bases(node.children, found);
  }
  return found;
}

class TextWalk {
  private readonly stack: Block[] = [newBlock(1)];
  private readonly transforms: WordTransform[] = [];

  result(): string {
    return textOfBlock(this.stack[0]!);
  }

  walk(nodes: readonly ChildNode[]): void {
    for (const node of nodes) {
      if (node.type === ElementType.Text) this.addInline(node.data);
      else if (isElement(node)) this.element(node);
      // Comments, <script>, <style>, CDATA, directives: nothing, as in html-to-text.
    }
  }

  private get top(): Block {
    return this.stack[this.stack.length - 1]!;
  }

  private element(el: Element): void {
    const attribs = el.attribs;
    // React Email's selectors: [data-skip-in-text=true] outranks every tag selector.
    if (attribs['data-skip-in-text'] === 'true') return;
    if (attribs['data-text-format'] === 'dataTable') unsupported('a data table (data-text-format="dataTable")');
    switch (el.name) {
      case 'img':
        return; // React Email: images are skipped
      case 'a':
        return this.anchor(el);
      case 'h1':
        return this.underlinedHeading(el, '=');
      case 'h2':
        return this.underlinedHeading(el, '-');
      case 'h3':
        return this.block(el, 2, 1);
      case 'h4':
      case 'h5':
      case 'h6':
        // html-to-text upper-cases these, which would turn {{firstName}} into an unknown field;
        // content validation refuses headings below ###, and the template writes none.
        return unsupported(`<${el.name}>`);
      case 'p':
      case 'table':
        return this.block(el, 2, 2);
      case 'td':
      case 'th':
      case 'article':
      case 'aside':
      case 'div':
      case 'footer':
      case 'form':
      case 'header':
      case 'main':
      case 'nav':
      case 'section':
        return this.block(el, 1, 1);
      case 'blockquote':
        return this.blockquote(el);
      case 'br':
        this.top.lines.newLine();
        return;
      case 'hr':
        this.openBlock(2);
        this.addInline('-'.repeat(RULE_LENGTH));
        this.closeBlock(2);
        return;
      case 'ul':
      case 'ol':
        return this.list(el);
      case 'pre':
        return unsupported('<pre>');
      case 'wbr':
        return; // a break opportunity only matters when wrapping
      default:
        this.walk(el.children); // inline
    }
  }

  private block(el: Element, leading: number, trailing: number): void {
    this.openBlock(leading);
    this.walk(el.children);
    this.closeBlock(trailing);
  }


  /** A heading followed by a line of = or -, as wide in display columns as the heading (emoji and CJK count two). */
  private underlinedHeading(el: Element, underline: string): void {
    const text = rawText(el).replace(/\s+/g, ' ').trim();
    this.openBlock(2);
    this.addLiteral(text);
    this.closeBlock(1);
    this.openBlock(1);
    this.addLiteral(underline.repeat(Math.min(displayWidth(text), TEXT_WIDTH)));
    this.closeBlock(1);
  }

  private blockquote(el: Element): void {
    this.openBlock(2);
    this.walk(el.children);
    this.closeBlock(2, (text) => trimNewlines(text).split('\n').map((line) => `> ${line}`).join('\n'));
  }

  /** "text <url>"; the URL alone when there is no text, nothing more when the text is the URL; `#` links as plain text. */
  private anchor(el: Element): void {
    const href = (el.attribs.href ?? '').replace(/^mailto:/, '');
    if (!href || href.startsWith('#')) return this.walk(el.children);
    let text = '';
    this.transforms.push((word) => ((text += word), word));
    this.walk(el.children);
    this.transforms.pop();
    if (href !== text) this.addInline(text ? ` <${href}>` : href, false);
  }

  private list(el: Element): void {
    const nested = (el.parent as Element | null)?.name === 'li';
    const nextPrefix = el.name === 'ul' ? () => ' * ' : orderedPrefixes(el);
    let width = 0;
    const items = el.children
      .filter((child) => child.type !== ElementType.Text || !/^\s*$/.test(child.data))
      .map((node) => {
        const prefix = !isElement(node) || node.name !== 'li' ? '' : nested ? nextPrefix().trimStart() : nextPrefix();
        width = Math.max(width, prefix.length);
        return { node, prefix };
      });
    if (!items.length) return;
    this.stack.push({ ...newBlock(nested ? 1 : 2), prefixWidth: width });
    for (const { node, prefix } of items) {
      this.stack.push({ ...newBlock(1), prefix });
      this.walk([node]);
      this.closeListItem();
    }
    const list = this.stack.pop()!;
    const text = textOfBlock(list);
    if (text) addText(this.top, text, list.leading, nested ? 1 : 2);
  }

  private closeListItem(): void {
    const item = this.stack.pop()!;
    const list = this.top;
    const prefix = item.prefix ?? '';
    const width = Math.max(prefix.length, list.prefixWidth ?? 0);
    const text = prefix.padEnd(width) + textOfBlock(item).replace(/\n/g, `\n${' '.repeat(width)}`);
    addText(list, text, item.leading, Math.max(item.stashedBreaks, 1));
  }

  private openBlock(leading: number): void {
    this.stack.push(newBlock(leading));
  }

  private closeBlock(trailing: number, transform?: (text: string) => string): void {
    const block = this.stack.pop()!;
    const text = textOfBlock(block);
    addText(this.top, transform ? transform(text) : text, block.leading, Math.max(block.stashedBreaks, trailing));
  }

  /** Text from the document: whitespace runs become one space, words go through the word transforms. */
  private addInline(text: string, transformed = true): void {
    const block = this.top;
    if (!text || (block.stashedBreaks && !HAS_WORD.test(text))) return;
    if (block.stashedBreaks) block.lines.newLine(block.stashedBreaks);
    const lines = block.lines;
    const spaced = lines.stashedSpace;
    const transforms = transformed ? this.transforms : [];
    let first = true;
    for (const [match] of text.matchAll(WORD)) {
      const word = applyTransforms(match, transforms);
      if (!first) lines.push(word);
      else if (spaced || LEADING_SPACE.test(text)) lines.push(word);
      else lines.concat(word);
      first = false;
    }
    lines.stashedSpace = (spaced && first) || TRAILING_SPACE.test(text);
    block.stashedBreaks = 0;
  }

  /** Text written as it is (our headings): only newlines break it. */
  private addLiteral(text: string): void {
    const block = this.top;
    if (!text) return;
    if (block.stashedBreaks) block.lines.newLine(block.stashedBreaks);
    const lines = block.lines;
    const spaced = lines.stashedSpace;
    let first = true;
    for (const [piece] of text.matchAll(LITERAL_PIECE)) {
      if (piece === '\n') lines.newLine();
      else if (first && !spaced) lines.concat(piece);
      else lines.push(piece);
      first = false;
    }
    lines.stashedSpace = spaced && first;
    block.stashedBreaks = 0;
  }
}

/** The innermost transform first, as html-to-text's transformer stack applies them. */
function applyTransforms(word: string, transforms: readonly WordTransform[]): string {
  let out = word;
  for (let i = transforms.length - 1; i >= 0; i--) out = transforms[i]!(out);
  return out;
}

function orderedPrefixes(el: Element): () => string {
  const type = el.attribs.type;
  if (type === 'a' || type === 'A' || type === 'i' || type === 'I') unsupported(`<ol type="${type}">`);
  let next = Number(el.attribs.start || '1');
  return () => ` ${next++}. `;
}

function trimNewlines(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text[start] === '\n') start++;
  while (end > start && text[end - 1] === '\n') end--;
  return text.slice(start, end);
}

/** html-to-text's output for our options: blocks separated by blank lines, nothing wrapped. */
export function htmlToText(html: string): string {
  const document = parseDocument(html.length > MAX_INPUT ? html.slice(0, MAX_INPUT) : html, { decodeEntities: true });
  const body = bases(document.children);
  const walk = new TextWalk();
  walk.walk(body.length ? body : document.children);
  return walk.result();
}
