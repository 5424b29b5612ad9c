import { createRequire } from 'node:module';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildIssue } from '../../src/render/build.ts';
import { fillSlot, mergeValues, personalize, templatePieces, URL_HELPER, type CompiledPart, type MergeValues } from '../../src/personalize/index.ts';
import { encodeTemplate } from '../../src/mail/encoded-template.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { messageFor, prepareIssue, toRfc822 } from '../../src/mail/index.ts';
import { unsubscribeUrl } from '../../src/audience/token.ts';
import { ROOT } from '../helpers/content.ts';
import { fixtureIssue, SECRET } from '../send/helpers.ts';

const RECIPIENTS = [
  { email: 'plain@example.com', firstName: 'Ann', lastName: 'Lee' },
  { email: 'amp@example.com', firstName: 'Tom & Jerry <b>', lastName: `O'Brien "the" =3D \`x\`` },
  { email: 'unicode@example.com', firstName: 'José 🎉 Zoë', lastName: '日本語の名前' },
  { email: 'spaces@example.com', firstName: '  Padded  ', lastName: 'Trailing   ' },
  { email: 'nofirst@example.com' },
  { email: 'long@example.com', firstName: 'A'.repeat(180), lastName: '=='.repeat(60) },
];

describe('pre-encoded message parts', () => {
  it.each([
    ['the fixture issue', () => fixtureIssue()],
    ['the seed issue', () => buildIssue({ contentDir: `${ROOT}/content` })],
  ])('decode to exactly what personalize() gives, with every line within 76 characters (%s)', async (_name, load) => {
    const built = await load();
    const prepared = prepareIssue(built, {}, SECRET);
    const { newsletter, issue } = built.props;
    for (const r of RECIPIENTS) {
      const url = unsubscribeUrl(newsletter.unsubscribeUrl, r.email, newsletter.listId, SECRET);
      const expected = personalize(prepared.compiled, mergeValues(r, { unsubscribeUrl: url, webVersionUrl: issue.webVersionUrl }, newsletter.greetingFallback));
      const raw = await toRfc822(messageFor(prepared, r));
      const parsed = await simpleParser(raw);
      expect(parsed.html, r.email).toBe(expected.html);
      expect(parsed.text?.replace(/\r\n/g, '\n'), r.email).toBe(expected.text.replace(/\r\n/g, '\n'));
      expect(parsed.subject).toBe(expected.subject);
      for (const line of raw.toString('latin1').split(/\r?\n/)) expect(line.length, line).toBeLessThanOrEqual(998);
      const body = raw.toString('latin1').split('\r\n\r\n').slice(1).join('\r\n\r\n');
      for (const line of body.split(/\r?\n/)) if (!line.startsWith('--')) expect(line.length, line).toBeLessThanOrEqual(76);
    }
  });
});

/** mailparser's own quoted-printable decoder (libqp), an implementation independent of nodemailer's encoder. */
const libqp = createRequire(import.meta.url)('libqp') as { decode(text: string): Buffer };

/** A part compiled from template text, as personalize compiles one (no text refit: every value is spliced). */
function part(template: string, escapeHtml: boolean): CompiledPart {
  const pieces = templatePieces(template);
  const fill = (values: MergeValues): string => pieces.literals.reduce((out, literal, i) => out + (i ? fillSlot(pieces.slots[i - 1]!, values, escapeHtml) : '') + literal, '');
  return Object.assign(fill, { pieces });
}

describe('hand-written quoted-printable (encoded-template.ts) on random values', () => {
  it.each([
    ['a value alone, text', '{{firstName}}', false],
    ['values between literals, text', 'Hello {{firstName}} {{lastName}} and bye =3D ' + 'x'.repeat(70) + ' \nnext line {{firstName}}', false],
    ['values in HTML and in a URL', `<p>Hi {{firstName}}</p><a href="https://news.example.org/u?n={{${URL_HELPER} firstName}}&amp;l={{${URL_HELPER} lastName}}">{{lastName}}</a>`, true],
  ] as const)('decodes to the filled part, lines within 76, no =XX cut by a soft break: 2,000 cases (%s)', (_name, template, escapeHtml) => {
    const compiled = part(template, escapeHtml);
    const encoded = encodeTemplate(compiled, escapeHtml);
    const random = seededRandom(2045);
    // Long printable runs take the hand-written path; "=" and "3D" next to cut points try to split an escape; é, 😀 and tabs go through nodemailer.
    const alphabet = ['a', '=', '==', ' ', '3D', 'D', '%', '.', '~', '&', 'é', '😀', '\t', 'x'.repeat(40)];
    const value = (): string => {
      let text = '';
      const length = Math.floor(random() * 300);
      while (text.length < length) text += alphabet[Math.floor(random() * alphabet.length)];
      return random() < 0.3 ? text.trimEnd() : text;
    };
    for (let i = 0; i < 2000; i++) {
      const values = { firstName: value(), lastName: value() } as MergeValues;
      const body = encoded.render(values);
      const where = JSON.stringify(values);
      expect(libqp.decode(body).toString('utf8'), where).toBe(compiled(values).replace(/\r\n?|\n/g, '\r\n'));
      for (const line of body.split('\r\n')) expect(line.length, where).toBeLessThanOrEqual(76);
      // Every "=" starts an escape of two hex digits or is a soft break at a line's end.
      expect(body, where).not.toMatch(/=(?![0-9A-F]{2}|\r\n|$)/);
    }
  });
});
