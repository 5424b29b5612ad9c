import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unsubscribeUrl } from '../../src/audience/index.ts';
import { messageFor, prepareIssue, toRfc822 } from '../../src/mail/index.ts';
import { buildIssue, type BuiltIssue } from '../../src/render/index.ts';
import { ROOT } from '../helpers/content.ts';
import { SECRET } from '../send/helpers.ts';

/** RFC 5322 §2.1.1: at most 78 characters; only a line that is one URL (a link's own line) may be longer. */
const LIMIT = 78;
const LONE_URL = /^[\s>]*https?:\/\/\S+$/;

/** 40 characters, as a real subscriber's address can be. */
const ADDRESS = 'ada.lovelace.byron.king-noel@example.org';

/** The personalized text part as sent: the real message bytes, parsed by mailparser. */
async function sentText(built: BuiltIssue, recipient: { email: string; firstName?: string; lastName?: string }): Promise<string> {
  const prepared = prepareIssue(built, {}, SECRET);
  const parsed = await simpleParser(await toRfc822(messageFor(prepared, recipient)));
  return (parsed.text ?? '').replace(/\r\n/g, '\n');
}

function overlong(text: string): string[] {
  return text.split('\n').filter((line) => stringWidth(line) > LIMIT && !LONE_URL.test(line));
}

describe('plain text within 78 columns once the fields are filled', () => {
  let seed: BuiltIssue;
  beforeAll(async () => {
    seed = await buildIssue({ contentDir: join(ROOT, 'content') });
  });

  it.each([
    ['a first name', { firstName: 'Ada', lastName: 'Lovelace' }],
    ['no name (the greeting fallback)', {}],
    ['a first name wider than its room', { firstName: 'Maximiliane-Alexandrina Bartholomew', lastName: 'Smith' }],
    ['a CJK name', { firstName: '山田太郎', lastName: '山田' }],
  ])('the seed issue for a 40-character address and %s: no line over 78 but a lone URL', async (_name, names) => {
    expect(ADDRESS).toHaveLength(40);
    const text = await sentText(seed, { email: ADDRESS, ...names });
    expect(overlong(text).map((line) => `${stringWidth(line)}: ${line}`)).toEqual([]);
    const { newsletter } = seed.props;
    const unsubscribe = unsubscribeUrl(newsletter.unsubscribeUrl, ADDRESS, newsletter.listId, SECRET);
    // The work was done: the real values are in, each URL on a line of its own.
    expect(text).toContain(`\n${ADDRESS}\n`);
    expect(text.split('\n')).toContain(unsubscribe);
    expect(text.split('\n')).toContain(seed.props.issue.webVersionUrl);
  });

  it('underlines a heading that starts with an emoji to its display width', () => {
    const lines = seed.text.split('\n');
    const underlined = lines.flatMap((line, i) => (/^(=+|-+)$/.test(lines[i + 1] ?? '') && line ? [[line, lines[i + 1]!] as const] : []));
    // The seed's headline and every ## heading start with an emoji.
    expect(underlined.length).toBeGreaterThanOrEqual(5);
    expect(underlined[0]![0]).toMatch(/^🤝🇺🇸🇨🇴 /);
    for (const [heading, underline] of underlined) expect(underline.length, heading).toBe(stringWidth(heading));
  });
});

describe('plain text of prose links, lists, quotes and CJK', () => {
  let dir: string;
  let built: BuiltIssue;
  const link = 'https://example.com/a/rather/long/path/to/an/article?with=query&and=more';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plain-text-width-'));
    await mkdir(join(dir, 'issues'));
    await copyFile(join(ROOT, 'content', 'newsletter.yml'), join(dir, 'newsletter.yml'));
    const cjk = '日本語の段落は単語の間に空白がないので、表示幅で折り返す必要があります。'.repeat(4);
    await writeFile(
      join(dir, 'issues', '2026-04-01-width.md'),
      [
        '---',
        'number: 2',
        'date: 2026-04-01',
        'subject: Widths',
        'preheader: Lines that fit',
        '---',
        '',
        '# Widths',
        '',
        `Dear {{firstName}} {{lastName}}, the statement from [the White House](${link}) says the talks went well, and [the embassy](${link}&b=2), which agreed, said more.`,
        '',
        `- A list item that is long enough to wrap onto a second line, with [a link](${link}) inside it and more words after.`,
        '',
        `> A quotation long enough to wrap onto a second line of the plain text, quoting {{firstName}} by name.`,
        '',
        cjk,
        '',
      ].join('\n'),
    );
    built = await buildIssue({ contentDir: dir });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps every line within 78 columns, a long name included, CJK measured two columns a character', async () => {
    for (const firstName of ['Ada', 'Maximiliane-Alexandrina Bartholomew', '山田太郎']) {
      const text = await sentText(built, { email: ADDRESS, firstName, lastName: 'Featherstonehaugh-Cholmondeley' });
      expect(overlong(text), firstName).toEqual([]);
      expect(text, firstName).toContain(firstName);
    }
    // The CJK paragraph (76 characters a line before) now breaks within 76 columns.
    const cjkLines = built.text.split('\n').filter((line) => /^[\p{scx=Han}\p{scx=Hiragana}]/u.test(line));
    expect(cjkLines.length).toBeGreaterThan(1);
    for (const line of cjkLines) expect(stringWidth(line), line).toBeLessThanOrEqual(76);
  });

  it('puts a link’s URL on its own line right under the link’s words, punctuation kept with the words', () => {
    const lines = built.text.split('\n');
    const under = (words: RegExp) => lines[lines.findIndex((l) => words.test(l)) + 1];
    expect(under(/(the White )?House$/)).toMatch(/^https:\/\/example\.com\/a\/rather\/long\/path\/to\/an\/article\?with=query&and=more&utm_source=/);
    expect(under(/the embassy,$/)).toMatch(/^https:\/\/example\.com\/a\/rather\S+&b=2&utm_source=/);
    expect(under(/^which agreed, said more\.$/)).toBe('');
    // In a list item the URL is indented under the item's text; the item continues after it.
    const item = lines.findIndex((l) => l.startsWith(' * A list item'));
    expect(lines.slice(item, item + 3).join('\n')).toMatch(/^ \* A list item[^\n]*a link\n {3}https:\/\/example\.com\/a\/rather\S+\n {3}inside it and more words after\./);
  });
});
