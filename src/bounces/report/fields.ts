/**
 * The header-like field blocks of message/delivery-status (RFC 3464 §2.1) and
 * message/feedback-report (RFC 5965 §3.1): RFC 5322 field syntax, blocks separated by
 * blank lines, long values folded onto indented lines.
 *
 * Hand-written rather than mailparser's header parser: mailparser reads one header block
 * per MIME part and would stop at the first blank line, dropping every recipient block
 * after the per-message one; the syntax is a few lines and its bounds are ours to set.
 */

/** Field names lowercased; each value unfolded to one line and trimmed; repeated fields keep every value. */
export type FieldBlock = Map<string, string[]>;

/** RFC 5322 §3.6.8 field-name: printable US-ASCII except colon. */
const FIELD_LINE = /^([!-9;-~]+)[ \t]*:(.*)$/;

export interface FieldBlocks {
  blocks: FieldBlock[];
  /** More blocks were there than `maxBlocks`; the rest were not read. */
  truncated: boolean;
}

/**
 * Splits `text` into field blocks. A second Final-Recipient inside one block starts a new
 * block (some MTAs leave out the blank line between recipients). Lines that are neither a
 * field nor a continuation are skipped: hostile or broken input never throws.
 */
export function parseFieldBlocks(text: string, maxBlocks: number): FieldBlocks {
  const blocks: FieldBlock[] = [];
  let block: FieldBlock | undefined;
  let last: { values: string[]; index: number } | undefined;
  const close = () => {
    if (block && block.size > 0) blocks.push(block);
    block = undefined;
    last = undefined;
  };
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      close();
      if (blocks.length > maxBlocks) return { blocks: blocks.slice(0, maxBlocks), truncated: true };
      continue;
    }
    if (/^[ \t]/.test(line)) {
      // RFC 5322 §2.2.3 unfolding: the continuation belongs to the field above.
      if (last) last.values[last.index] = `${last.values[last.index]} ${line.trim()}`.trim();
      continue;
    }
    const field = FIELD_LINE.exec(line);
    if (!field) {
      last = undefined;
      continue;
    }
    const name = field[1]!.toLowerCase();
    if (name === 'final-recipient' && block?.has('final-recipient')) close();
    block ??= new Map();
    const values = block.get(name) ?? [];
    values.push(field[2]!.trim());
    block.set(name, values);
    last = { values, index: values.length - 1 };
  }
  close();
  if (blocks.length > maxBlocks) return { blocks: blocks.slice(0, maxBlocks), truncated: true };
  return { blocks, truncated: false };
}

/** The first value of a field, or undefined when absent or empty. */
export function field(block: FieldBlock, name: string): string | undefined {
  const value = block.get(name)?.[0];
  return value === undefined || value === '' ? undefined : value;
}
