import { hash, sign as rsaSign, type KeyObject } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { foldLines } from 'nodemailer/lib/mime-funcs';
import type { DkimConfig } from '../config/index.ts';
import { NewsletterError } from '../errors.ts';

/**
 * DKIM signing of the bytes messageFor makes (RFC 6376, rsa-sha256,
 * relaxed/relaxed), once per message, before they reach the transport (which
 * signs nothing: transport.ts).
 *
 * The field is the one nodemailer's DKIM signer (what its transport's `dkim`
 * option runs) writes, byte for byte: tests sign the same bytes with its DKIM
 * class and compare, and verify ours with mailauth. Written here rather than
 * calling nodemailer/lib/dkim/sign because that costs 35-45 µs a message over
 * the RSA operation (a streaming Sign object, the header list re-split into
 * Sets, four regular expressions per field), which alone kept signing under
 * 0.8× the RSA rate: its header reading, relaxed header canonicalization, tag
 * list and folding are mirrored (foldLines is its own) around one crypto.sign.
 * What is ours is the body hash: nodemailer canonicalizes the body byte by
 * byte in JavaScript (RelaxedBody.updateHash, 150-280 µs for a 24 KB body,
 * where its SHA-256 takes 15), so a message cost twice an RSA signature. Here
 * the body is hashed as it is when its maker vouches that every piece of it is
 * already canonical (BodyHint), and canonicalized by regular expressions
 * otherwise.
 */

/**
 * The signed header list. nodemailer 10's default happens to include
 * List-Unsubscribe-Post, older ones did not; RFC 8058 one-click only counts
 * when the signature covers both List-Unsubscribe headers, so say it here.
 */
export const DKIM_SIGNED_HEADERS = [
  'From', 'Sender', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'To', 'Cc',
  'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding', 'Content-ID',
  'List-Id', 'List-Unsubscribe', 'List-Unsubscribe-Post',
].join(':');

/** What the maker of a message knows about its body (raw-message.ts), so the signer can skip canonicalizing it. */
export interface BodyHint {
  /** Offset of the body in the message: just after the empty line that ends the header. */
  bodyStart: number;
  /** Every piece of the body is canonical on its own (isCanonicalPiece), so their concatenation is too, but for its end. */
  bodyCanonical: boolean;
}

/**
 * A message made with room in front for its DKIM-Signature field (so
 * signing copies no message): `buffer` holds `start` zero bytes, then the
 * message.
 */
export interface RoomyMessage extends BodyHint {
  buffer: Buffer;
  start: number;
}

/**
 * True when this text, put between other such pieces, is already in relaxed
 * canonical form (RFC 6376 §3.4.4): no tab, no run of spaces, no space before
 * a line break or at its end, no CR or LF but in CRLF pairs, no CR at its end.
 * A piece that ends in neither a space nor a CR cannot change how the next one
 * is read, so a body of such pieces canonicalizes to itself, but for trailing
 * empty lines and a missing final CRLF (checked on the whole, canonicalEnd).
 */
const NOT_CANONICAL = /\t| [ \r\n]|(?<!\r)\n|\r(?!\n)| $/;
export const isCanonicalPiece = (piece: string): boolean => !NOT_CANONICAL.test(piece);

const CR = 0x0d;
const LF = 0x0a;

/** The body ends in one CRLF after some content: no trailing empty line to drop, no CRLF to add. */
function canonicalEnd(body: Buffer): boolean {
  const n = body.length;
  return n > 2 && body[n - 2] === CR && body[n - 1] === LF && body[n - 3] !== LF;
}

/**
 * RFC 6376 §3.4.4 relaxed body canonicalization, reading line breaks as
 * nodemailer's RelaxedBody does (CRLF, or a bare LF; a lone CR is content):
 * runs of SP and HTAB become one SP, SP at a line end goes, every line ends in
 * CRLF, trailing empty lines go, and a non-empty body ends in CRLF. Each
 * expression is linear (no quantifier meets a lookahead that could fail).
 */
export function relaxedBody(body: string): string {
  let text = body.replace(/[ \t]+/g, ' ').replace(/ ?\r?\n/g, '\r\n');
  let end = text.length;
  if (text.endsWith(' ')) end--;
  while (end >= 2 && text.startsWith('\r\n', end - 2)) end -= 2;
  text = text.slice(0, end);
  return text ? `${text}\r\n` : '';
}

/** The bh= value: base64 SHA-256 of the canonical body (crypto.hash: one call, no Hash object). */
export function relaxedBodyHash(body: Buffer, canonicalPieces = false): string {
  if (canonicalPieces && canonicalEnd(body)) return hash('sha256', body, 'base64');
  return hash('sha256', Buffer.from(relaxedBody(body.toString('latin1')), 'latin1'), 'base64');
}

/** The signed field names in lower case, in DKIM_SIGNED_HEADERS order: h= lists those present, in this order. */
const SIGNED = DKIM_SIGNED_HEADERS.toLowerCase().split(':');
const SIGNED_SET: ReadonlySet<string> = new Set(SIGNED);

/** SP and HTAB only off both ends (not String#trim, which takes other spaces), as nodemailer's _trimFieldName. */
function trimFieldName(name: string): string {
  let start = 0;
  let end = name.length;
  while (start < end && (name[start] === ' ' || name[start] === '\t')) start++;
  while (end > start && (name[end - 1] === ' ' || name[end - 1] === '\t')) end--;
  return name.slice(start, end);
}

/**
 * The fields to sign, the last instance of each (RFC 6376 §5.4.2), read as
 * nodemailer's MessageParser.parseHeaders reads a header block for its
 * signer: one byte a character, lines split at CRLF or LF, a line starting
 * with SP or HTAB continuing the one before, whitespace-only lines dropped,
 * the name before ":" trimmed of SP and HTAB and lower-cased. Continuations
 * are joined without the line break (and a CR before it), which the relaxed
 * canonicalization would take out anyway (relaxedValue).
 */
function signedFields(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  let lines = block.split('\r\n');
  for (const line of lines)
    if (line.includes('\n')) {
      lines = block.split(/\r?\n/);
      break;
    }
  let field = lines[0] ?? '';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line[0] === ' ' || line[0] === '\t') field = (field.endsWith('\r') ? field.slice(0, -1) : field) + line;
    else {
      keepIfSigned(fields, field);
      field = line;
    }
  }
  keepIfSigned(fields, field);
  return fields;
}

/** Field names as written (e.g. "List-Unsubscribe") to their signed name, or '' when not signed: the same few names every message. */
const SIGNED_KEY = new Map<string, string>();

/**
 * A whole (unfolded) field into `fields` when its name is one to sign; a later
 * instance replaces an earlier one. (nodemailer drops whitespace-only lines
 * first; such a line has no name to sign, so it is never kept here either.)
 * A line without ":" has no name either (nodemailer's substr(0, -1) gives
 * ''), where slice(0, -1) would read "Subjectx" as a Subject field.
 */
function keepIfSigned(fields: Map<string, string>, field: string): void {
  const colon = field.indexOf(':');
  if (colon < 0) return;
  const name = field.slice(0, colon);
  let key = SIGNED_KEY.get(name);
  if (key === undefined) {
    const lower = trimFieldName(name).toLowerCase();
    key = SIGNED_SET.has(lower) ? lower : '';
    if (SIGNED_KEY.size < 1000) SIGNED_KEY.set(name, key);
  }
  if (key) fields.set(key, field);
}

/**
 * RFC 6376 §3.4.2 relaxed canonicalization of a field's value, as nodemailer's
 * relaxedHeaderLine: unfolded, runs of SP and HTAB as one SP, none at either
 * end (only SP and HTAB count: a no-break space in a UTF-8 header stays). Each
 * regular expression runs only when the value needs it.
 */
function relaxedValue(field: string): string {
  let value = field.slice(field.indexOf(':') + 1);
  if (value.includes('\n')) value = value.replace(/\r?\n/g, '');
  if (value.includes('\t') || value.includes('  ')) value = value.replace(/[ \t]+/g, ' ');
  const start = value.startsWith(' ') ? 1 : 0;
  const end = value.length > start && value.endsWith(' ') ? value.length - 1 : value.length;
  return value.slice(start, end);
}

/** Per signed name, the last field seen and its canonical line: most fields are the same in every message of a run. */
type FieldMemo = Map<string, { field: string; line: string }>;

/** The signed header data before the DKIM-Signature field ("name:value" lines with CRLF), and h=. */
function canonicalHeaders(block: string, memo: FieldMemo): { data: string; names: string } {
  const fields = signedFields(block);
  let data = '';
  let names = '';
  for (const name of SIGNED) {
    const field = fields.get(name);
    if (field === undefined) continue;
    let last = memo.get(name);
    if (last?.field !== field) {
      last = { field, line: `${name}:${relaxedValue(field)}\r\n` };
      memo.set(name, last);
    }
    data += last.line;
    names += names ? `:${name}` : name;
  }
  return { data, names };
}

/** The value of a tag nodemailer writes from caller input: without control characters, ";" or "=" (its cleanTagValue). */
// eslint-disable-next-line no-control-regex -- taking control characters out is this pattern's purpose
const tagValue = (value: string): string => value.replace(/[\x00-\x1f\x7f;=]/g, '');

/** b=: the signature base64, as nodemailer folds it (73 characters on the first line, 75 on each after). */
function foldSignature(signature: string): string {
  let folded = signature.slice(0, 73);
  for (let at = 73; at < signature.length; at += 75) folded += `\r\n ${signature.slice(at, at + 75)}`;
  return folded;
}

const HEADER_END = Buffer.from('\r\n\r\n');
/**
 * Stands in for bh= (44 base64 characters for SHA-256, never whitespace) where
 * the field is laid out once per h= list: a control character, which tagValue
 * takes out of every value, so it occurs nowhere else in the field.
 */
const BH_SLOT = '\x01'.repeat(44);

/** The DKIM-Signature field up to "b=", around its bh= value: as written (folded) and as signed (relaxed). */
interface HeadLayout {
  names: string;
  written: readonly [string, string];
  signed: readonly [string, string];
}

export class DkimSigner {
  readonly #key: KeyObject;
  /** The tags before bh=, the same for every message (nodemailer's order). */
  readonly #tags: string;
  /** Bytes to keep in front of a message for its field (RoomyMessage): more than any field of this key takes. */
  readonly room: number;
  readonly #fields: FieldMemo = new Map();
  #layout: HeadLayout | undefined;

  constructor(config: Pick<DkimConfig, 'domainName' | 'keySelector' | 'key'>) {
    // env.ts refuses other key types; a signer made elsewhere must not sign with one either.
    if (config.key.asymmetricKeyType !== 'rsa')
      throw new NewsletterError('ECONFIG', `DKIM_PRIVATE_KEY_FILE holds a key of type ${config.key.asymmetricKeyType ?? 'unknown'}, not RSA`, { fix: 'Point DKIM_PRIVATE_KEY_FILE at a PEM RSA private key (openssl genrsa -out dkim-private.pem 2048).' });
    // The key parsed once (a KeyObject): OpenSSL 3 decodes PEM text slowly, 0.8 ms a signature.
    this.#key = config.key;
    // d= as nodemailer's normalizeDomain writes an ASCII domain (env.ts accepts no other): A-labels, lower case.
    const domain = tagValue(config.domainName);
    this.#tags = ['v=1', 'a=rsa-sha256', 'c=relaxed/relaxed', `d=${domainToASCII(domain) || domain.toLowerCase()}`, 'q=dns/txt', `s=${tagValue(config.keySelector)}`].join('; ');
    // A field over a message with every signed header has the longest h=; its folding can add a few line breaks more.
    const probe = Buffer.from(`${SIGNED.map((name) => `${name}: x`).join('\r\n')}\r\n\r\n`);
    this.room = Buffer.byteLength(this.#field(probe)) + 64;
  }

  /**
   * The message with its DKIM-Signature field in front, as nodemailer's DKIM
   * stream writes it. `hint` (from the message's maker) lets a canonical body
   * be hashed as it is; without it the body is canonicalized.
   */
  sign(message: Buffer, hint?: BodyHint): Buffer {
    return Buffer.concat([Buffer.from(this.#field(message, hint)), message]);
  }

  /** The same, with the field written into the room in front of the message (no copy of the message). */
  signInPlace(made: RoomyMessage): Buffer {
    const message = made.buffer.subarray(made.start);
    const field = this.#field(message, made);
    const length = Buffer.byteLength(field);
    if (length > made.start) return Buffer.concat([Buffer.from(field), message]);
    const at = made.start - length;
    made.buffer.write(field, at);
    return made.buffer.subarray(at);
  }

  /** The DKIM-Signature field with its CRLF, for the message as it is (written as UTF-8, as nodemailer does). */
  #field(message: Buffer, hint?: BodyHint): string {
    const end = message.indexOf(HEADER_END);
    // As nodemailer reads a message without an empty line: all header, no body.
    const headerEnd = end < 0 ? message.length : end + 2;
    const bodyStart = end < 0 ? message.length : end + 4;
    const bodyHash = relaxedBodyHash(message.subarray(bodyStart), hint?.bodyStart === bodyStart && hint.bodyCanonical);
    const signed = canonicalHeaders(message.toString('latin1', 0, headerEnd), this.#fields);
    const layout = this.#headLayout(signed.names);
    const head = layout.written[0] + bodyHash + layout.written[1];
    // The signed data ends with this field, b= empty, canonicalized the same way (RFC 6376 §3.7).
    const data = `${signed.data}dkim-signature:${layout.signed[0]}${bodyHash}${layout.signed[1]}`;
    const signature = rsaSign('sha256', Buffer.from(data, 'latin1'), this.#key).toString('base64');
    return `${head}${foldSignature(signature)}\r\n`;
  }

  /**
   * The field up to "b=" as nodemailer lays it out: the tags, folded at 76 by
   * its foldLines, then ";" CRLF " b=". foldLines breaks only at whitespace,
   * and bh= is always 44 characters without any, so the layout is the same
   * for every body hash: made once per h= list, around a stand-in.
   */
  #headLayout(names: string): HeadLayout {
    if (this.#layout?.names === names) return this.#layout;
    // h= holds names from DKIM_SIGNED_HEADERS only: nothing for nodemailer's cleanTagValue to take out.
    const head = `${foldLines(`DKIM-Signature: ${this.#tags}; bh=${BH_SLOT}; h=${names}`, 76)};\r\n b=`;
    const split = (text: string): readonly [string, string] => {
      const parts = text.split(BH_SLOT);
      if (parts.length !== 2) throw new Error(`Bug: the DKIM-Signature layout lost its bh= slot: ${text}`);
      return [parts[0]!, parts[1]!];
    };
    this.#layout = { names, written: split(head), signed: split(relaxedValue(head)) };
    return this.#layout;
  }
}
