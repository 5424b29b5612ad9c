/**
 * An mbox file (mboxrd or mboxo, https://www.loc.gov/preservation/digital/formats/fdd/fdd000383.shtml,
 * RFC 4155): messages one after another, each starting with a "From " line, read as a stream so
 * only the current message is held.
 *
 * The mboxo ambiguity, and the choice made here: a "From " line is a separator only at the start
 * of the file or right after a blank line (the blank line that ends the previous message is
 * dropped). A "From " line in a body without a blank line before it is body text: writers that
 * forget to escape it usually put it mid-paragraph, and splitting there would cut a message in two.
 * Escapes are undone the mboxrd way (one ">" removed from ">From ", ">>From ", …), which for
 * mboxo files also restores ">From " lines. LF or CRLF line ends are kept as they are.
 * Hand-written: mailparser and nodemailer read single messages, not mailbox files.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { NewsletterError } from '../../errors.ts';
import { MAX_MESSAGE_BYTES, tooBig, type BounceSource, type SkippedMessage, type SourceMessage } from './source.ts';

/** How much of a line start is enough to decide what it is ("From ", ">…>From ", blank). */
const LINE_HEAD = 1024;
const FROM = Buffer.from('From ');

/** A piece of one line: a whole line, or (for a line longer than LINE_HEAD) its start then continuations. */
interface Piece {
  bytes: Buffer;
  /** Byte offset of the piece in the file. */
  offset: number;
  /** The piece starts a line (and holds at least LINE_HEAD bytes of it, or all of it). */
  start: boolean;
}

/** Cuts the stream into line pieces without ever holding more than a chunk and LINE_HEAD bytes. */
export async function* linePieces(chunks: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Piece> {
  let pending = Buffer.alloc(0);
  let pendingOffset = 0;
  let atLineStart = true;
  for await (const chunk of chunks) {
    const buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const base = pendingOffset;
    let pos = 0;
    pending = Buffer.alloc(0);
    while (pos < buf.length) {
      const lf = buf.indexOf(0x0a, pos);
      const end = lf === -1 ? buf.length : lf + 1;
      if (!atLineStart || lf !== -1 || end - pos >= LINE_HEAD) {
        yield { bytes: buf.subarray(pos, end), offset: base + pos, start: atLineStart };
        atLineStart = lf !== -1;
        pos = end;
      } else {
        // A line start too short to judge yet: kept for the next chunk.
        pending = Buffer.from(buf.subarray(pos));
        break;
      }
    }
    pendingOffset = base + buf.length - pending.length;
  }
  if (pending.length > 0) yield { bytes: pending, offset: pendingOffset, start: true };
}

const isBlank = (b: Buffer) => (b.length === 1 && b[0] === 0x0a) || (b.length === 2 && b[0] === 0x0d && b[1] === 0x0a);

/** ">From ", ">>From ", …: one level of quoting to remove (mboxrd). */
function isQuotedFrom(b: Buffer): boolean {
  let i = 0;
  while (i < b.length && b[i] === 0x3e) i++;
  return i > 0 && b.subarray(i, i + FROM.length).equals(FROM);
}

export type MboxEntry = { ordinal: number; offset: number } & ({ raw: Buffer } | { oversize: number });

class MessageBuilder {
  private parts: Buffer[] = [];
  private size = 0;
  constructor(readonly ordinal: number, readonly offset: number) {}
  append(bytes: Buffer): void {
    this.size += bytes.length;
    if (this.size > MAX_MESSAGE_BYTES) this.parts = [];
    else this.parts.push(bytes);
  }
  finish(): MboxEntry {
    const at = { ordinal: this.ordinal, offset: this.offset };
    return this.size > MAX_MESSAGE_BYTES ? { ...at, oversize: this.size } : { ...at, raw: Buffer.concat(this.parts, this.size) };
  }
}

/** The messages of an mbox stream, in order, each numbered from 1 with the offset of its "From " line. */
export async function* splitMbox(chunks: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<MboxEntry> {
  let current: MessageBuilder | undefined;
  let ordinal = 0;
  let previousBlank = true; // the start of the file counts as "after a blank line"
  let heldBlank: Buffer | undefined; // a blank line that is the separator's if a "From " line follows
  let inSeparator = false;
  for await (const piece of linePieces(chunks)) {
    if (!piece.start) {
      if (!inSeparator) current?.append(piece.bytes);
      continue;
    }
    if (previousBlank && piece.bytes.subarray(0, FROM.length).equals(FROM)) {
      if (current) yield current.finish();
      current = new MessageBuilder(++ordinal, piece.offset);
      heldBlank = undefined;
      inSeparator = true;
      previousBlank = false;
      continue;
    }
    inSeparator = false;
    if (heldBlank) current?.append(heldBlank);
    heldBlank = undefined;
    previousBlank = isBlank(piece.bytes);
    if (previousBlank) heldBlank = piece.bytes;
    else current?.append(isQuotedFrom(piece.bytes) ? piece.bytes.subarray(1) : piece.bytes);
  }
  if (current) yield current.finish();
}

function unreadable(file: string, error: unknown): NewsletterError {
  const code = (error as NodeJS.ErrnoException).code;
  return new NewsletterError('EUSAGE', `--mbox ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (error as Error).message})`}.`, {
    where: file,
    fix: 'Give --mbox a readable mbox file (the one your mail server appends bounces to), or --maildir DIR for a Maildir.',
    cause: error,
  });
}

/** Checks the file is a readable regular file that starts like an mbox, before any message is read. */
async function inspect(file: string): Promise<number> {
  const handle = await open(file, 'r').catch((error: unknown) => {
    throw unreadable(file, error);
  });
  try {
    const info = await handle.stat();
    const fix = 'Give --mbox a file in mbox format (each message starts with a "From " line), or use --maildir / --eml for other sources.';
    if (!info.isFile()) throw new NewsletterError('EUSAGE', `--mbox ${file} is not a file.`, { where: file, fix });
    const head = Buffer.alloc(FROM.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (info.size > 0 && !(bytesRead === FROM.length && head.equals(FROM))) {
      throw new NewsletterError('EUSAGE', `--mbox ${file} is not an mbox file: it does not start with "From ".`, { where: file, fix });
    }
    return info.size;
  } finally {
    await handle.close();
  }
}

export async function openMbox(fileArg: string): Promise<BounceSource> {
  const file = resolve(fileArg);
  const size = await inspect(file);
  const skipped: SkippedMessage[] = [];
  const ref = (e: MboxEntry) => `mbox ${file}#${e.ordinal} (byte ${e.offset})`;
  return {
    describe: `mbox ${file} (${size} bytes)`,
    skipped,
    async *messages(): AsyncGenerator<SourceMessage> {
      const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
      try {
        for await (const entry of splitMbox(stream as AsyncIterable<Buffer>)) {
          if ('raw' in entry) yield { ref: ref(entry), raw: entry.raw };
          else skipped.push({ ref: ref(entry), reason: tooBig(entry.oversize) });
        }
      } catch (error) {
        throw isErrno(error) ? unreadable(file, error) : error;
      } finally {
        stream.destroy();
      }
    },
    // Read-only: the file is shared with the mail server that appends to it; a rerun is made safe by the record of Message-IDs.
    markProcessed: async () => {},
    close: async () => {},
  };
}

const isErrno = (error: unknown): error is NodeJS.ErrnoException => error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
