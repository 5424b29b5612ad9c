import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildIssue } from '../../src/render/build.ts';
import { mergeValues, personalize } from '../../src/personalize/index.ts';
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
