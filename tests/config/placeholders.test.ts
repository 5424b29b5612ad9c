import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ENV_EXAMPLE, ENV_VARS, isReservedExampleHost, parseSendEnv, requireSmtp, SAMPLE_SECRET, type EnvVars } from '../../src/config/index.ts';
import { isNewsletterError, type NewsletterError } from '../../src/errors.ts';
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

function thrown(run: () => unknown): NewsletterError {
  try {
    run();
  } catch (error) {
    if (isNewsletterError(error)) return error;
    throw error;
  }
  throw new Error('expected a config error');
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
      const error = thrown(() => parseSendEnv({ [name]: value }));
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
    ['the example SMTP_USER/PASSWORD', { SMTP_HOST: 'smtp.real-provider.net', SMTP_USER: 'user', SMTP_PASSWORD: 'password' }],
    ['the example SMTP_TLS_SERVERNAME', { SMTP_URL: 'smtp://127.0.0.1:25', SMTP_TLS_SERVERNAME: 'relay.example.com' }],
  ])('%s: loads, but requireSmtp refuses it before any connection', (_what, vars) => {
    const env = parseSendEnv(vars);
    const error = thrown(() => requireSmtp(env));
    expect(error.code).toBe('ECONFIG');
    expect(error.message).toMatch(/(example value from \.env\.example|reserved for examples \(RFC 2606\))/);
    expect(error.message).toContain('nothing was sent');
    expect(error.message).toMatch(/fix: Write/);
    // The password is never quoted.
    expect(error.message).not.toMatch(/:pw@|password@/);
  });

  it('a secret that is a placeholder or the public sample secret is refused', () => {
    expect(thrown(() => parseSendEnv({ UNSUBSCRIBE_SECRET: 'changeme-0123456789abcdef0123456789abcdef' })).message).toContain('UNSUBSCRIBE_SECRET is still the placeholder');
    expect(thrown(() => parseSendEnv({ UNSUBSCRIBE_SECRET: SAMPLE_SECRET })).message).toContain('UNSUBSCRIBE_SECRET is the public sample secret');
  });

  it('keeps example values that are sensible choices, and test or local relays', () => {
    const env = parseSendEnv({ SMTP_HOST: 'relay.test', SMTP_PORT: ENV_EXAMPLE.SMTP_PORT.value, SMTP_REQUIRE_TLS: ENV_EXAMPLE.SMTP_REQUIRE_TLS.value, SMTP_TLS_VERIFY: ENV_EXAMPLE.SMTP_TLS_VERIFY.value });
    expect(requireSmtp(env).display).toBe('relay.test:587');
    expect(requireSmtp(parseSendEnv({ SMTP_URL: 'smtp://localhost:2525', SMTP_TLS_SERVERNAME: 'relay.test' })).host).toBe('localhost');
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
