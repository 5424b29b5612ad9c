import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ENV_EXAMPLE, ENV_FIX, ENV_VARS, isReservedExampleHost, parseSendEnv, requireSmtp, SAMPLE_SECRET, type EnvVars } from '../../src/config/index.ts';
import type { NewsletterError } from '../../src/errors.ts';
import { tempDir } from '../helpers/cli.ts';
import { thrownError } from '../helpers/errors.ts';
import { ROOT } from '../helpers/content.ts';

const ENV_EXAMPLE_TEXT = readFileSync(join(ROOT, '.env.example'), 'utf8');

/** The example assignments of .env.example: `# NAME=value` lines, read as Node reads an uncommented one. */
function exampleValues(): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of ENV_EXAMPLE_TEXT.split('\n')) {
    const m = /^# ?([A-Z][A-Z0-9_]*=.*)$/.exec(line);
    if (m) Object.assign(values, parseEnv(m[1]!));
  }
  return values;
}


describe('.env.example', () => {
  it('sets nothing: a copy as-is changes no setting', () => {
    expect(parseEnv(ENV_EXAMPLE_TEXT)).toEqual({});
  });

  it('shows exactly the example values src/config knows (no drift), one for every variable', () => {
    const known = Object.fromEntries(Object.entries(ENV_EXAMPLE).map(([name, v]) => [name, v.value]));
    expect(exampleValues()).toEqual(known);
    expect(Object.keys(known).sort()).toEqual([...ENV_VARS].sort());
  });
});

describe('example values are refused, with the fix', () => {
  // Refused whenever the settings load: they would end up in every message check, preview and send show.
  it.each(Object.entries(ENV_EXAMPLE).filter(([name, v]) => v.placeholder && ['MAIL_FROM', 'REPLY_TO', 'UNSUBSCRIBE_URL', 'UNSUBSCRIBE_MAILTO', 'UNSUBSCRIBE_SECRET'].includes(name)))(
    '%s from .env.example: refused on load',
    (name, { value }) => {
      const error = thrownError(() => parseSendEnv({ [name]: value }));
      expect(error.code).toBe('ECONFIG');
      expect(error.message).toMatch(new RegExp(`${name} is still the (example value|placeholder) from \\.env\\.example`));
      expect(error.message).toMatch(/fix: (Write|Generate)/);
    },
  );

  // Refused only when sending: check and preview do not connect to a server.
  it.each<[string, EnvVars]>([
    ['the example SMTP_URL', { SMTP_URL: ENV_EXAMPLE.SMTP_URL.value }],
    ['an SMTP_URL on example.com', { SMTP_URL: 'smtps://me:pw@mail.example.com' }],
    ['SMTP_HOST on example.net', { SMTP_HOST: 'smtp.example.net' }],
    ['SMTP_HOST under .invalid', { SMTP_HOST: 'relay.invalid' }],
    ['the example SMTP_USER/PASSWORD with an example host', { SMTP_HOST: 'smtp.example.com', SMTP_USER: 'user', SMTP_PASSWORD: 'password' }],
    ['the example SMTP_TLS_SERVERNAME', { SMTP_URL: 'smtp://127.0.0.1:25', SMTP_TLS_SERVERNAME: 'relay.example.com' }],
  ])('%s: loads, but requireSmtp refuses it before any connection', (_what, vars) => {
    const env = parseSendEnv(vars);
    const error = thrownError(() => requireSmtp(env));
    expect(error.code).toBe('ECONFIG');
    expect(error.message).toMatch(/(example value from \.env\.example|reserved for examples \(RFC 2606\))/);
    expect(error.message).toContain('nothing was sent');
    expect(error.message).toMatch(/fix: Write/);
    // The password is never quoted.
    expect(error.message).not.toMatch(/:pw@|password@/);
  });

  it('a secret that is a placeholder or the public sample secret is refused', () => {
    expect(thrownError(() => parseSendEnv({ UNSUBSCRIBE_SECRET: 'changeme-0123456789abcdef0123456789abcdef' })).message).toContain('UNSUBSCRIBE_SECRET is still the placeholder');
    expect(thrownError(() => parseSendEnv({ UNSUBSCRIBE_SECRET: SAMPLE_SECRET })).message).toContain('UNSUBSCRIBE_SECRET is the public sample secret');
  });

  it('keeps example values that are sensible choices, and test or local relays', () => {
    const env = parseSendEnv({ SMTP_HOST: 'relay.test', SMTP_PORT: ENV_EXAMPLE.SMTP_PORT.value, SMTP_REQUIRE_TLS: ENV_EXAMPLE.SMTP_REQUIRE_TLS.value, SMTP_TLS_VERIFY: ENV_EXAMPLE.SMTP_TLS_VERIFY.value });
    expect(requireSmtp(env).display).toBe('relay.test:587');
    expect(requireSmtp(parseSendEnv({ SMTP_URL: 'smtp://localhost:2525', SMTP_TLS_SERVERNAME: 'relay.test' })).host).toBe('localhost');
  });

  it('keeps the example login against a real relay: the server judges a login, and a test relay may take user/password', () => {
    const env = parseSendEnv({ SMTP_HOST: 'smtp.real-provider.net', SMTP_USER: ENV_EXAMPLE.SMTP_USER.value, SMTP_PASSWORD: ENV_EXAMPLE.SMTP_PASSWORD.value });
    expect(requireSmtp(env).auth).toEqual({ user: 'user', pass: 'password' });
  });

  it.each<[string, boolean]>([
    ['example.com', true],
    ['smtp.example.com', true],
    ['SMTP.Example.ORG.', true],
    ['mail.example.net', true],
    ['relay.example', true],
    ['nowhere.invalid', true],
    ['example.com.evil.net', false],
    ['myexample.com', false],
    ['relay.test', false],
    ['localhost', false],
    ['127.0.0.1', false],
    ['smtp.sendgrid.net', false],
  ])('isReservedExampleHost(%s) is %s', (host, reserved) => {
    expect(isReservedExampleHost(host)).toBe(reserved);
  });
});

describe('one fix per variable', () => {
  /** The fix line printed under `variable` in a config error. */
  const fixOf = (error: NewsletterError, variable: string) => new RegExp(`  ${variable} [^\\n]*\\n(?:    at [^\\n]*\\n)?    fix: ([^\\n]*)`).exec(error.message)?.[1];

  // Each pair: a value in the wrong form, and the example value left in place; both print the same fix.
  it.each<[string, EnvVars, EnvVars]>([
    ['SMTP_URL', { SMTP_URL: 'http://mail.provider.net' }, { SMTP_URL: ENV_EXAMPLE.SMTP_URL.value }],
    ['SMTP_HOST', { SMTP_HOST: 'smtp provider' }, { SMTP_HOST: ENV_EXAMPLE.SMTP_HOST.value }],
    ['SMTP_TLS_SERVERNAME', { SMTP_URL: 'smtp://127.0.0.1:25', SMTP_TLS_SERVERNAME: '127.0.0.1' }, { SMTP_URL: 'smtp://127.0.0.1:25', SMTP_TLS_SERVERNAME: ENV_EXAMPLE.SMTP_TLS_SERVERNAME.value }],
    ['MAIL_FROM', { MAIL_FROM: 'a@b.net, c@d.net' }, { MAIL_FROM: ENV_EXAMPLE.MAIL_FROM.value }],
    ['REPLY_TO', { REPLY_TO: 'nobody' }, { REPLY_TO: ENV_EXAMPLE.REPLY_TO.value }],
    ['UNSUBSCRIBE_URL', { UNSUBSCRIBE_URL: 'http://news.net/u' }, { UNSUBSCRIBE_URL: ENV_EXAMPLE.UNSUBSCRIBE_URL.value }],
    ['UNSUBSCRIBE_MAILTO', { UNSUBSCRIBE_MAILTO: 'nobody' }, { UNSUBSCRIBE_MAILTO: ENV_EXAMPLE.UNSUBSCRIBE_MAILTO.value }],
    ['UNSUBSCRIBE_SECRET', { UNSUBSCRIBE_SECRET: 'short' }, { UNSUBSCRIBE_SECRET: ENV_EXAMPLE.UNSUBSCRIBE_SECRET.value }],
    ['DKIM_DOMAIN', { DKIM_DOMAIN: 'nodot', DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY_FILE: 'k.pem' }, { DKIM_DOMAIN: ENV_EXAMPLE.DKIM_DOMAIN.value, DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY_FILE: 'dkim.pem' }],
  ])('%s: a value in the wrong form and the example value get the same fix, ENV_FIX', async (variable, wrongForm, example) => {
    const dir = await tempDir();
    // An RSA key: DKIM signs rsa-sha256, and env.ts refuses other key types.
    await writeFile(join(dir, 'dkim.pem'), generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const formError = thrownError(() => requireSmtp(parseSendEnv(wrongForm, dir)));
    const placeholderError = thrownError(() => requireSmtp(parseSendEnv(example, dir)));
    expect(formError.message).not.toMatch(/example value|placeholder|reserved for examples/);
    expect(placeholderError.message).toMatch(/example value from \.env\.example|placeholder from \.env\.example|reserved for examples/);
    expect(fixOf(formError, variable)).toBe(ENV_FIX[variable as keyof typeof ENV_FIX]);
    expect(fixOf(placeholderError, variable)).toBe(ENV_FIX[variable as keyof typeof ENV_FIX]);
  });

  /** Every host or mail domain a text names (the part after "@" or "//", or a bare dotted name). */
  const domainsIn = (text: string) => [...text.matchAll(/(?<![\w.])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:com|net|org|example|invalid|test)\b/g)].map((m) => m[0]);

  it('no fix (nor the no-SMTP fix) suggests a value the placeholder check refuses or send warns about', () => {
    const noSmtp = thrownError(() => requireSmtp(parseSendEnv({}))).fix ?? '';
    for (const text of [...Object.values(ENV_FIX), noSmtp]) {
      const domains = domainsIn(text);
      expect(domains.filter(isReservedExampleHost), text).toEqual([]);
      for (const { value } of Object.values(ENV_EXAMPLE).filter((v) => v.placeholder)) expect(text).not.toContain(value);
    }
    expect(domainsIn(noSmtp)).toContain('smtp.your-provider.net');
  });
});
