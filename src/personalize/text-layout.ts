import stringWidth from 'string-width';
import { placeholder, type MergeField } from '../content/index.ts';

/*
 * Line layout of the plain-text part, done once at render time on marked text
 * so that filling stays a plain splice (send pre-encodes the literal pieces).
 * Nothing but a lone URL (or a lone long value) may pass TEXT_LIMIT once a
 * reader's values are in:
 * - every URL, and every field whose value can be long, gets a line of its own;
 * - short fields (names) are counted at FIELD_ROOM columns; a wider value
 *   makes personalize refit that reader's overlong lines (refitLines).
 * Widths are display columns (string-width): an emoji or a CJK character is two.
 */

/** RFC 5322 §2.1.1: a line SHOULD be at most 78 characters. */
const TEXT_LIMIT = 78;
/** Where the layout wraps: two short of the limit, as before, so a name a little over its room still fits. */
export const TEXT_WIDTH = 76;

/** Columns kept for a short field's value. 20 covers nearly every first or last name; a wider one is refitted. */
export const FIELD_ROOM: Partial<Record<MergeField, number>> = { firstName: 20, lastName: 20 };

/** Fields whose value can be long: each sits on its own line. */
const OWN_LINE_FIELDS: MergeField[] = ['email', 'unsubscribeUrl', 'webVersionUrl'];
const OWN_LINE_MARKS = OWN_LINE_FIELDS.map(placeholder);
const ROOM_MARKS = Object.entries(FIELD_ROOM).map(([field, room]) => [placeholder(field as MergeField), 'x'.repeat(room)] as const);

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Display columns; printable ASCII (most lines) is one column a character without string-width's segmenting. */
export const displayWidth = (text: string): number => (PRINTABLE_ASCII.test(text) ? text.length : stringWidth(text));

const URL_START = /^(?:https?:\/\/|\uE000\uE000(?:unsubscribeUrl|webVersionUrl)\uE001\uE001)/i;
/** `<url>` as html-to-text writes a link's href, with the punctuation that followed the link. */
const BRACKETED = /^<(\S+)>([.,;:!?)\]”’"']*)$/;
/** List bullets and quote marks of html-to-text: continuation lines are indented under the text. */
const PREFIX = /^((?:> ?)*)( *(?:(?:[*-]|\d{1,3}\.) )?)/;
/** A separator between links, pointless once each link has its own line. */
const SEPARATOR = /^[·|•]$/;
/** Break before a Chinese or Japanese character (no spaces between words), but not before closing punctuation. */
const CJK_BREAK = /(?=(?![、。，．！？：；）」』】〕〉》ー…])[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}])/u;
const graphemes = new Intl.Segmenter();

interface Atom {
  text: string;
  width: number;
  /** Joined to the previous atom with a space (false between CJK characters). */
  spaced: boolean;
  ownLine: boolean;
}

const isOwnLine = (token: string) => URL_START.test(token) || OWN_LINE_MARKS.some((mark) => token.includes(mark));

function wordWidth(word: string): number {
  if (!word.includes('\uE000')) return displayWidth(word);
  let measured = word;
  for (const [mark, room] of ROOM_MARKS) measured = measured.replaceAll(mark, room);
  return displayWidth(measured);
}

/** A word too wide for any line, cut at grapheme boundaries (never a URL, an address or a field). */
function cutWide(word: string, room: number): string[] {
  if (word.length <= room / 2 || word.includes('@') || /[\uE000-\uE004]/.test(word) || displayWidth(word) <= room) return [word];
  const pieces = [''];
  for (const { segment } of graphemes.segment(word)) {
    if (displayWidth(pieces.at(-1)! + segment) > room) pieces.push('');
    pieces[pieces.length - 1] += segment;
  }
  return pieces;
}

/** Cheap test before the Unicode-property split: CJK blocks (and the surrogates of planes 2–3). */
const MAYBE_CJK = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[\ud840-\ud8bf]/;

function wordAtoms(token: string, room: number): Atom[] {
  // Most words: printable ASCII that fits, one atom as it is (the layout runs once per render, on every word).
  if (token.length <= room && PRINTABLE_ASCII.test(token)) return [{ text: token, width: token.length, spaced: true, ownLine: false }];
  return (MAYBE_CJK.test(token) ? token.split(CJK_BREAK) : [token]).flatMap((part, i) =>
    cutWide(part, room).map((text, j) => ({ text, width: wordWidth(text), spaced: i === 0 && j === 0, ownLine: false })),
  );
}

function atomsOf(content: string, room: number): Atom[] {
  const atoms: Atom[] = [];
  for (const token of content.split(/ +/).filter(Boolean)) {
    const bracketed = BRACKETED.exec(token);
    if (bracketed && isOwnLine(bracketed[1]!)) {
      // "text <url>." reads "text." then the URL: the punctuation stays with the words.
      atoms.push({ text: bracketed[1]!, width: 0, spaced: true, ownLine: true });
      if (bracketed[2]) atoms.splice(atoms.length - 1, 0, { text: bracketed[2], width: displayWidth(bracketed[2]), spaced: false, ownLine: false });
    } else if (isOwnLine(token)) atoms.push({ text: token, width: 0, spaced: true, ownLine: true });
    else if (!(SEPARATOR.test(token) && atoms.at(-1)?.ownLine)) atoms.push(...wordAtoms(token, room));
  }
  return atoms;
}

/** One line of unwrapped text (a paragraph, list item or quote line) laid out within TEXT_WIDTH. */
export function layoutLine(line: string): string[] {
  const [prefix = '', quote = '', bullet = ''] = PREFIX.exec(line)!;
  const rest = quote + ' '.repeat(bullet.length);
  const room = TEXT_WIDTH - displayWidth(rest);
  const out: string[] = [];
  let current = '';
  let width = 0;
  const flush = () => {
    if (current) out.push((out.length ? rest : prefix) + current);
    current = '';
    width = 0;
  };
  for (const atom of atomsOf(line.slice(prefix.length), room)) {
    if (atom.ownLine) {
      flush();
      out.push((out.length ? rest : prefix) + atom.text);
      continue;
    }
    // Punctuation glued to a link's words never starts a line; a word or a CJK character may.
    const breakable = atom.spaced || /\p{L}|\p{N}/u.test(atom.text);
    if (current && breakable && width + (atom.spaced ? 1 : 0) + atom.width > room) flush();
    const space = current && atom.spaced ? ' ' : '';
    current += space + atom.text;
    width += space.length + atom.width;
  }
  flush();
  return out.length ? out : [line.trimEnd()];
}

/** Unwrapped text (one line per paragraph) laid out line by line. */
export function layoutText(text: string): string {
  return text
    .split('\n')
    .flatMap((line) => (line.trim() ? layoutLine(line) : ['']))
    .join('\n');
}

const LONE_TOKEN = /^[\s>]*\S+$/;

/**
 * A filled text whose short fields outgrew their room: re-lay the lines that
 * hold one of those values and now pass TEXT_LIMIT; no other line can have grown.
 */
export function refitLines(text: string, wide: readonly string[]): string {
  return text
    .split('\n')
    .flatMap((line) => (!wide.some((value) => line.includes(value)) || displayWidth(line) <= TEXT_LIMIT || LONE_TOKEN.test(line) ? [line] : layoutLine(line)))
    .join('\n');
}

/** True when a value is wider than the room the layout kept for its field (the slow, refitting path). */
export function outgrowsRoom(field: MergeField, value: string): boolean {
  const room = FIELD_ROOM[field];
  // Two columns per UTF-16 unit at most: short values skip the measurement.
  return room !== undefined && value.length * 2 > room && displayWidth(value) > room;
}
