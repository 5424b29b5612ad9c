import { encode, wrap } from 'nodemailer/lib/qp';
import { fillSlot, type CompiledPart, type MergeValues } from '../personalize/index.ts';

/**
 * A message part, quoted-printable encoded once per run, with the merge
 * values spliced in per recipient.
 *
 * Encoding a 15 KB HTML part to quoted-printable is most of what building a
 * message costs (nodemailer does it byte by byte, then wraps the lines with
 * regular expressions). Only the merge values differ between recipients, so
 * the literal text between them is encoded here once, and each recipient's
 * part is those pieces plus their own encoded values, joined by soft line
 * breaks ("=" at the end of a line, which decoders remove). The decoded text
 * is exactly what personalize() gives; tests compare the two.
 *
 * The literal pieces and fields come from the compiled part itself (read by
 * Handlebars' parser), and each value is filled by the same fillSlot as
 * personalize(): percent-encoded inside URLs, HTML-escaped in HTML.
 *
 * Not every reader's part is spliced: in the plain text, a name wider than the
 * room the layout kept for it makes the part refit that reader's lines
 * (CompiledPart.refit), and the refitted text is then encoded whole.
 */
export interface EncodedTemplate {
  /** The quoted-printable body of this part for one recipient. */
  render(values: MergeValues): string;
}

const SOFT_BREAK = '=\r\n';
/** Wrapped one short of 76 so that the soft break added after a piece keeps every line within 76. */
const LINE = 75;

function qp(text: string): string {
  return text ? wrap(encode(text), LINE) : '';
}

export function encodeTemplate(compiled: CompiledPart, escapeHtml: boolean): EncodedTemplate {
  const literals = compiled.pieces.literals.map(qp);
  const fields = compiled.pieces.slots;
  return {
    render(values) {
      // A name wider than the room the text layout kept for it: this reader's text is refitted, so encode it whole.
      const refitted = compiled.refit?.(values);
      if (refitted !== undefined) return qp(refitted);
      let out = literals[0]!;
      for (let i = 0; i < fields.length; i++) {
        const value = qp(fillSlot(fields[i]!, values, escapeHtml));
        if (value) out = out ? out + SOFT_BREAK + value : value;
        const next = literals[i + 1]!;
        if (next) out = out ? out + SOFT_BREAK + next : next;
      }
      return out;
    },
  };
}

/** A text/* MIME node with a pre-encoded body, for nodemailer's `raw` alternative. */
export function rawTextPart(subtype: 'plain' | 'html', body: string): string {
  return `Content-Type: text/${subtype}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${body}`;
}
