import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, MISSING_SECRET, readEnvWithOrigins, SAMPLE_SECRET } from '../../src/config/index.ts';
import { tempDir } from '../helpers/cli.ts';

const SECRET = 'settings-test-secret-0123456789abcdef0123';

describe('loadSettings', () => {
  it('hands each command its part: the sender settings, and SMTP only when asked for', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '.env'), `MAIL_FROM="Desk <desk@example.org>"\nUNSUBSCRIBE_MAILTO=u@example.org\nUNSUBSCRIBE_SECRET=${SECRET}\n`);
    const settings = loadSettings({ cwd: dir, env: { UNSUBSCRIBE_URL: 'https://example.org/u' } });
    expect(settings.sender()).toEqual({ from: { name: 'Desk', address: 'desk@example.org' }, replyTo: undefined, unsubscribeUrl: 'https://example.org/u', unsubscribeMailto: 'u@example.org' });
    expect(settings.unsubscribeSecret()).toBe(SECRET);
    expect(settings.secretOrSample()).toEqual({ secret: SECRET, sample: false });
    expect(() => settings.smtp()).toThrow(/No SMTP server is configured/);
  });

  it('without a secret, unsubscribeSecret() throws the one missing-secret message (ECONFIG, exit 1)', () => {
    const settings = loadSettings({ cwd: '/nonexistent', env: {} });
    expect(settings.secretOrSample()).toEqual({ secret: SAMPLE_SECRET, sample: true });
    expect(() => settings.unsubscribeSecret()).toThrow(expect.objectContaining({ code: 'ECONFIG', exitCode: 1, where: 'UNSUBSCRIBE_SECRET', message: MISSING_SECRET.message, fix: MISSING_SECRET.fix }));
  });

  it('names the .env line of each value taken from the file (the last assignment, as Node reads it), or the environment variable', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '.env'), '# settings\nSMTP_PORT=1\nexport SMTP_PORT = abc\nREPLY_TO=x@example.org\n');
    const { vars, origins } = readEnvWithOrigins(dir, { REPLY_TO: 'env@example.org' });
    expect(vars).toEqual({ SMTP_PORT: 'abc', REPLY_TO: 'env@example.org' });
    const file = relative(process.cwd(), join(dir, '.env'));
    expect(origins).toEqual({ SMTP_PORT: `${file}:3`, REPLY_TO: 'environment variable REPLY_TO' });
    expect(() => loadSettings({ cwd: dir, env: {} })).toThrow(expect.objectContaining({ where: `${file}:3`, message: expect.stringContaining(`SMTP_PORT must be a number (received "abc")\n    at ${file}:3\n    fix:`) }));
  });
});
