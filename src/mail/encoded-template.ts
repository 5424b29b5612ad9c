import { encode, wrap } from 'nodemailer/lib/qp';
import { fillSlot, type CompiledPart, type MergeValues } from '../personalize/index.ts';
import { ByteChunks } from './byte-chunks.ts';
import { isCanonicalPiece } from './dkim.ts';

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
 * is exactly what personalize() gives, with CRLF line breaks as text/* needs
 * on the wire; tests compare the two.
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
  /**
   * The same body added to a message being put together: literal pieces as
   * bytes made once, values encoded here. Returns whether every piece added
   * is already in DKIM relaxed canonical form (dkim.ts isCanonicalPiece), so
   * the body hash can skip canonicalizing (literal pieces checked once).
   */
  append(values: MergeValues, out: ByteChunks): boolean;
}

const SOFT_BREAK = '=\r\n';
/** Wrapped one short of 76 so that the soft break added after a piece keeps every line within 76. */
const LINE = 75;

/**
 * RFC 2046 §4.1.1: a line break in a text/* body is CRLF. The rendered text
 * has LF; SMTP (nodemailer's DataStream) turned it into CRLF on the wire, and
 * the bytes are now made ready for the wire here, once.
 */
const crlf = (text: string): string => text.replace(/\r\n?|\n/g, '\r\n');

function qp(text: string): string {
  return text ? wrap(encode(crlf(text)), LINE) : '';
}

/**
 * Most values (an address, a name) are printable ASCII without "=", short and
 * not ending in a space: their quoted-printable form is the value itself,
 * exactly what encode + wrap would give, without the Buffer round trip.
 */
const QP_AS_IS = /^(?:[\x20-\x3c\x3e-\x7e]*[\x21-\x3c\x3e-\x7e])?$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * A value's quoted-printable form. A printable ASCII value (every URL) only
 * needs its "=" written "=3D" and its lines cut, done here by hand: nodemailer's
 * encode + wrap (a Buffer per value, regular expressions per line) was a fifth
 * of what a message cost. Anything else goes through nodemailer.
 */
function qpValue(value: string): string {
  if (value.length <= LINE && QP_AS_IS.test(value)) return value;
  if (value.endsWith(' ') || !PRINTABLE_ASCII.test(value)) return qp(value);
  const encoded = value.includes('=') ? value.replaceAll('=', '=3D') : value;
  let out = '';
  let at = 0;
  while (encoded.length - at > LINE) {
    // LINE - 1 characters and the "=" of the soft break; never cut through an "=3D".
    let end = at + LINE - 1;
    if (encoded[end - 1] === '=') end -= 1;
    else if (encoded[end - 2] === '=') end -= 2;
    out += encoded.slice(at, end) + SOFT_BREAK;
    at = end;
  }
  return out + encoded.slice(at);
}

export function encodeTemplate(compiled: CompiledPart, escapeHtml: boolean): EncodedTemplate {
  const encodedLiterals = compiled.pieces.literals.map(qp);
  const literals = encodedLiterals.map((piece) => Buffer.from(piece, 'latin1'));
  const literalsCanonical = encodedLiterals.every(isCanonicalPiece);
  const fields = compiled.pieces.slots;
  // Each slot's last value and its encoding: the web-version URL is the same for every reader.
  const lastValue: unknown[] = fields.map(() => undefined);
  const lastEncoded: string[] = fields.map(() => '');
  const lastCanonical: boolean[] = fields.map(() => true);
  const encodeSlot = (i: number, values: MergeValues): string => {
    const slot = fields[i]!;
    const value = values[slot.field];
    if (value !== lastValue[i] || value === undefined) {
      const encoded = qpValue(fillSlot(slot, values, escapeHtml));
      lastEncoded[i] = encoded;
      lastCanonical[i] = isCanonicalPiece(encoded);
      lastValue[i] = value;
    }
    return lastEncoded[i]!;
  };
  /** One recipient's body, piece by piece; a soft break joins two non-empty pieces. */
  const append = (values: MergeValues, out: ByteChunks): boolean => {
    // A name wider than the room the text layout kept for it: this reader's text is refitted, so encode it whole.
    const refitted = compiled.refit?.(values);
    if (refitted !== undefined) {
      const whole = qp(refitted);
      out.ascii(whole);
      return isCanonicalPiece(whole);
    }
    let canonical = literalsCanonical;
    let started = literals[0]!.length > 0;
    out.bytes(literals[0]!);
    // The text between two literal pieces (values and the soft breaks around them), written as one string.
    let between = '';
    for (let i = 0; i < fields.length; i++) {
      const encoded = encodeSlot(i, values);
      canonical &&= lastCanonical[i]!;
      if (encoded) {
        between += started ? SOFT_BREAK + encoded : encoded;
        started = true;
      }
      const next = literals[i + 1]!;
      if (next.length) {
        if (started) between += SOFT_BREAK;
        if (between) out.ascii(between);
        between = '';
        out.bytes(next);
        started = true;
      }
    }
    if (between) out.ascii(between);
    return canonical;
  };
  return {
    append,
    render(values) {
      const out = new ByteChunks();
      append(values, out);
      return out.toBuffer().toString('latin1');
    },
  };
}

/** A text/* MIME node with a pre-encoded body, for nodemailer's `raw` alternative. */
export function rawTextPart(subtype: 'plain' | 'html', body: string): string {
  return `Content-Type: text/${subtype}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${body}`;
}
