/*
 * The text builder behind src/render/html-to-text.ts: html-to-text 10's
 * BlockStackItem / InlineTextBuilder / addText, without a line width (we never
 * let html-to-text wrap). Blocks nest; a closed block's text joins its parent
 * after at least as many line breaks as either side asks for.
 */

/** Words of the block being built, line by line (html-to-text's InlineTextBuilder without a width). */
export class Lines {
  private done: string[] = [];
  private line = '';
  private words = 0;
  /** Whitespace ended the last text, so the next word starts a new word. */
  stashedSpace = false;

  isEmpty(): boolean {
    return this.done.length === 0 && this.words === 0;
  }

  push(word: string): void {
    this.line = this.words ? `${this.line} ${word}` : word;
    this.words++;
  }

  /** Glue to the last word (no whitespace between two texts). */
  concat(word: string): void {
    if (this.words) this.line += word;
    else this.push(word);
  }

  newLine(count = 1): void {
    this.done.push(this.line);
    for (let i = 1; i < count; i++) this.done.push('');
    this.line = '';
    this.words = 0;
  }

  clear(): void {
    this.done = [];
    this.line = '';
    this.words = 0;
  }

  toString(): string {
    return this.done.length ? `${this.done.join('\n')}\n${this.line}` : this.line;
  }
}

export interface Block {
  leading: number;
  lines: Lines;
  raw: string;
  stashedBreaks: number;
  /** Lists: the widest item prefix. List items: their own prefix. */
  prefix?: string;
  prefixWidth?: number;
}

export const newBlock = (leading: number): Block => ({ leading, lines: new Lines(), raw: '', stashedBreaks: 0 });
export const textOfBlock = (block: Block) => (block.lines.isEmpty() ? block.raw : block.raw + block.lines.toString());

/** Add a finished child's text to a block (html-to-text's addText). */
export function addText(block: Block, text: string, leading: number, trailing: number): void {
  const before = textOfBlock(block);
  const breaks = Math.max(block.stashedBreaks, leading);
  block.lines.clear();
  if (before) block.raw = before + '\n'.repeat(breaks) + text;
  else {
    block.raw = text;
    block.leading = breaks;
  }
  block.stashedBreaks = trailing;
}
