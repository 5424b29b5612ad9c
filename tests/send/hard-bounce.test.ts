import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sendIssue } from '../../src/send/index.ts';
import { classifySmtpError, isHardBounce } from '../../src/send/classify.ts';
import { loadSuppression } from '../../src/audience/suppression.ts';
import { tempDir } from '../helpers/cli.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server.ts';
import { addressOf, envFor, fixtureIssue, writeList } from './helpers.ts';

let server: SmtpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The refusal as nodemailer reports it for RCPT TO (or another command), classified. */
const failure = (responseCode: number, response: string, command = 'RCPT TO') =>
  classifySmtpError(Object.assign(new Error(`Recipient command failed: ${response}`), { code: 'EENVELOPE', command, responseCode, response }));

describe('hard bounces', () => {
  it.each([
    [550, '550 5.1.1 <a@example.com>: Recipient address rejected: User unknown', true],
    [550, '550 5.2.1 Mailbox disabled', true],
    [553, '553 5.1.3 Bad recipient address syntax', true],
    [550, '550 No such user here', true],
    [550, '550 5.7.1 Message rejected as spam', false],
    [552, '552 5.3.4 Message too big', false],
    [554, '554 5.7.1 Relay access denied', false],
    [552, '552 5.2.2 Mailbox full', false],
  ])('%i "%s" at RCPT TO is a hard bounce: %s', (code, message, expected) => {
    expect(isHardBounce(failure(code, message))).toBe(expected);
  });

  it('the same words at MAIL FROM are about the sender, never a hard bounce', () => {
    const f = failure(550, '550 5.1.1 <news@example.org>: Sender address rejected: User unknown', 'MAIL FROM');
    expect(f.kind).toBe('sender');
    expect(isHardBounce(f)).toBe(false);
  });

  it('a 550 5.1.1 adds the address to the suppression list, so later sends skip it', async () => {
    const bounced = new Set([addressOf(3), addressOf(7)]);
    server = await startSmtpTestServer({ permanentFail: (rcpt) => bounced.has(rcpt) });
    const dir = await tempDir();
    const list = await writeList(dir, 10);
    const stateDir = join(dir, 'state');
    const summary = await sendIssue({ built: await fixtureIssue(), listPath: list, env: envFor(server.port), stateDir, concurrency: 2 });
    expect(summary.stats.failedPermanent).toBe(2);

    const suppression = await loadSuppression(stateDir);
    expect(suppression.has(addressOf(3))).toBe(true);
    expect(suppression.has(addressOf(7))).toBe(true);
    expect(suppression.has(addressOf(4))).toBe(false);
    await suppression.close();
  });
});
