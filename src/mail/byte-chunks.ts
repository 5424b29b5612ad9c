/**
 * A message put together from pieces: literal bytes made once per run
 * (Buffers) and each recipient's values (short strings), copied once into one
 * Buffer at the end. Buffer.concat would first need every string turned into
 * a Buffer of its own; here each ASCII string is written straight into place.
 */
export class ByteChunks {
  /** Buffers, and strings that are ASCII (so one byte a character, written as latin1). */
  readonly #items: (Buffer | string)[] = [];
  #length = 0;

  /** Bytes made once (a static header block, a literal piece of a body). */
  bytes(piece: Buffer): void {
    if (!piece.length) return;
    this.#items.push(piece);
    this.#length += piece.length;
  }

  /** A value that is ASCII by construction (quoted-printable, encoded words, a Message-ID). */
  ascii(piece: string): void {
    this.#items.push(piece);
    this.#length += piece.length;
  }

  /** Any text, as UTF-8 (a header may hold an SMTPUTF8 address). */
  text(piece: string): void {
    const length = Buffer.byteLength(piece, 'utf8');
    // As many bytes as characters: every character is ASCII.
    if (length === piece.length) return this.ascii(piece);
    this.bytes(Buffer.from(piece, 'utf8'));
  }

  /** Bytes so far. */
  get length(): number {
    return this.#length;
  }

  /** The bytes, after `room` zero bytes left free in front (for a header field added later, dkim.ts). */
  toBuffer(room = 0): Buffer {
    const out = Buffer.allocUnsafe(room + this.#length);
    if (room) out.fill(0, 0, room);
    let at = room;
    for (const item of this.#items) {
      if (typeof item === 'string') at += out.write(item, at, 'latin1');
      else {
        // TypedArray set: a plain memcpy (Buffer#copy checks its arguments in JavaScript first).
        out.set(item, at);
        at += item.length;
      }
    }
    return out;
  }
}
