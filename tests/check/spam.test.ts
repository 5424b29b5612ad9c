import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeMessage, toRfc822 } from '../../src/mail/message.ts';
import { parseSpamReport, spamassassinPath, spamFindings, spamScore } from '../../src/check/index.ts';
import { buildIssue } from '../../src/render/build.ts';
import { personalizeBuilt, SAMPLE_URLS } from '../helpers/render.ts';
import { ROOT } from '../helpers/content.ts';
import { CHECK_FIXTURES } from './fixtures.ts';

const executable = spamassassinPath();
if (!executable) console.warn(`spam score test skipped: spamassassin is not installed (sudo apt-get install spamassassin)${process.env.CI === 'true' ? ' — CI must have it' : ''}`);

describe('spam score', () => {
  it('parses the score and every rule, wrapped descriptions included, from a saved report', () => {
    const result = parseSpamReport(readFileSync(join(CHECK_FIXTURES, 'spamassassin-report.txt'), 'utf8'));
    expect(result?.score).toBe(15.1);
    expect(result?.required).toBe(5);
    expect(result?.rules).toContainEqual({ name: 'DEAR_FRIEND', score: 2.7, description: "BODY: Dear Friend? That's not very dear!" });
    expect(result?.rules).toContainEqual({ name: 'ADVANCE_FEE_4_NEW_MONEY', score: 1, description: 'Advance Fee fraud and lots of money' });
    expect(result?.rules).toHaveLength(13);
    const [score] = spamFindings(result!);
    expect([score?.id, score?.severity]).toEqual(['spam.score', 'error']);
  });

  it('gives no result for output without a score', () => {
    expect(parseSpamReport('nothing here')).toBeUndefined();
  });

  it('reports a spamassassin that fails, with its exit code', async () => {
    await expect(spamScore(Buffer.from('Subject: x\r\n\r\nx'), '/bin/false')).rejects.toThrow(/spamassassin exited with 1/);
  });

  it('fails in CI when spamassassin is missing', () => {
    expect(process.env.CI === 'true' && !executable).toBe(false);
  });

  it.skipIf(!executable)('scores the seed issue as sent, with the rules that hit', async () => {
    const built = await buildIssue({ cwd: ROOT });
    const recipient = { email: 'ada.lovelace@example.com', firstName: 'Ada' };
    const message = await toRfc822(composeMessage({ props: built.props, personalized: personalizeBuilt(built, recipient), recipient, unsubscribe: { url: SAMPLE_URLS.unsubscribeUrl } }));
    const result = await spamScore(message, executable!);
    expect(typeof result.score).toBe('number');
    expect(Number.isFinite(result.score)).toBe(true);
    expect(result.required).toBe(5);
    expect(result.rules.length).toBeGreaterThan(0);
    for (const rule of result.rules) {
      expect(rule.name).toMatch(/^[A-Z0-9_]+$/);
      expect(typeof rule.score).toBe('number');
      expect(rule.description).not.toBe('');
    }
    expect(result.score).toBeLessThan(result.required);
  });
});
