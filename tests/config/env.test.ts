import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isNewsletterError, type NewsletterError } from '../../src/errors.ts';
import { parseSendEnv, readEnv, requireSecret, requireSmtp, type EnvVars } from '../../src/config/index.ts';
import { poolOptions } from '../../src/mail/index.ts';
import { testSend } from '../../src/send/index.ts';
import { FIXTURES } from '../helpers/content.ts';
import { tempDir } from '../helpers/cli.ts';
import { startSmtpTestServer } from '../helpers/smtp-test-server.ts';
import { envFor, fixtureIssue } from '../send/helpers.ts';

function problem(vars: EnvVars): NewsletterError {
  try {
    parseSendEnv(vars);
  } catch (error) {
    if (isNewsletterError(error)) return error;
    throw error;
  }
  throw new Error('expected a config error');
}

describe('sending config from the environment', () => {
  it.each<[EnvVars, string, string | undefined]>([
    [{ SMTP_HOST: 'smtp.example.com', SMTP_PORT: 'abc' }, 'SMTP_PORT must be a number (received "abc")', undefined],
    [{ SMTP_HOST: 'smtp.example.com', SMTP_PORT: '70000' }, 'SMTP_PORT must be between 1 and 65535', undefined],
    [{ SMTP_URL: 'http://user:hunter2-secret@example.com' }, 'SMTP_URL must be an smtp:// or smtps:// URL', 'hunter2-secret'],
    [{ SMTP_URL: 'smtp://user@example.com' }, 'SMTP_URL has a user but no password', undefined],
    [{ SMTP_HOST: 'smtp.example.com', SMTP_USER: 'me' }, 'SMTP_PASSWORD is missing', undefined],
    [{ SMTP_HOST: 'smtp.example.com', SMTP_PASSWORD: 'pw-hunter3' }, 'SMTP_USER is missing', 'pw-hunter3'],
    [{ SMTP_PORT: '587' }, 'SMTP_HOST is missing', undefined],
    [{ UNSUBSCRIBE_SECRET: 'tooshort-secret-value' }, 'UNSUBSCRIBE_SECRET must be at least 32 characters', 'tooshort-secret-value'],
    [{ UNSUBSCRIBE_SECRET: 'change-me-to-a-long-random-string' }, 'UNSUBSCRIBE_SECRET is still the placeholder from .env.example', 'change-me-to-a-long-random-string'],
    [{ MAIL_FROM: 'not an address' }, 'MAIL_FROM must be one address', undefined],
    [{ REPLY_TO: 'a@example.com, b@example.com' }, 'REPLY_TO must be one address', undefined],
    [{ UNSUBSCRIBE_URL: 'http://example.com/u' }, 'UNSUBSCRIBE_URL must be an https:// URL', undefined],
    [{ UNSUBSCRIBE_MAILTO: 'nope' }, 'UNSUBSCRIBE_MAILTO must be an email address', undefined],
    [{ SMTP_REQUIRE_TLS: 'maybe' }, 'SMTP_REQUIRE_TLS must be true or false', undefined],
    [{ DKIM_DOMAIN: 'example.com' }, 'DKIM_SELECTOR is missing', undefined],
    [{ DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY_FILE: '/nonexistent/key.pem' }, 'DKIM_PRIVATE_KEY_FILE cannot be read', undefined],
  ])('%j: names the variable and the fix; never echoes a secret', (vars, message, secret) => {
    const error = problem(vars);
    expect(error.code).toBe('ECONFIG');
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain(message);
    expect(error.message).toMatch(/fix: /);
    if (secret) expect(error.message + (error.fix ?? '') + (error.where ?? '')).not.toContain(secret);
  });

  it('requires STARTTLS except on loopback or when explicitly turned off; parses SMTP_URL credentials', () => {
    expect(parseSendEnv({ SMTP_URL: 'smtp://u:p%40ss@smtp.example.com:587' }).smtp).toMatchObject({ host: 'smtp.example.com', port: 587, secure: false, requireTLS: true, auth: { user: 'u', pass: 'p@ss' }, display: 'smtp.example.com:587' });
    expect(parseSendEnv({ SMTP_URL: 'smtps://smtp.example.com' }).smtp).toMatchObject({ port: 465, secure: true, requireTLS: false });
    expect(parseSendEnv({ SMTP_HOST: 'smtp.example.com', SMTP_PORT: '465' }).smtp).toMatchObject({ secure: true });
    expect(parseSendEnv({ SMTP_URL: 'smtp://127.0.0.1:2525' }).smtp?.requireTLS).toBe(false);
    expect(parseSendEnv({ SMTP_URL: 'smtp://localhost:2525' }).smtp?.requireTLS).toBe(false);
    expect(parseSendEnv({ SMTP_URL: 'smtp://relay.internal:25', SMTP_REQUIRE_TLS: 'false' }).smtp?.requireTLS).toBe(false);
    // The display form never carries credentials.
    expect(JSON.stringify(parseSendEnv({ SMTP_URL: 'smtp://u:pw-value@smtp.example.com' }).smtp?.display)).not.toContain('pw-value');
  });

  it('with nothing configured, requireSmtp names the variables and requireSecret names UNSUBSCRIBE_SECRET', () => {
    const env = parseSendEnv({});
    expect(() => requireSmtp(env)).toThrow(/No SMTP server is configured/);
    try {
      requireSmtp(env);
    } catch (error) {
      expect((error as NewsletterError).fix).toMatch(/SMTP_URL.*SMTP_HOST, SMTP_PORT, SMTP_USER and SMTP_PASSWORD.*\.env\.example/);
    }
    expect(() => requireSecret(env)).toThrow(/UNSUBSCRIBE_SECRET/);
  });

  it('reads .env; the real environment wins and empty values count as unset', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '.env'), 'SMTP_HOST=from-file.example.com\nMAIL_FROM="News <news@example.com>"\nREPLY_TO=file@example.com\n');
    const vars = readEnv(dir, { SMTP_HOST: 'from-env.example.com', REPLY_TO: '' });
    expect(vars).toMatchObject({ SMTP_HOST: 'from-env.example.com', MAIL_FROM: 'News <news@example.com>', REPLY_TO: 'file@example.com' });
    expect(readEnv(join(dir, 'nowhere'), {})).toEqual({});
  });

  it('loads a DKIM key from its file (and keeps it out of the error text when invalid)', async () => {
    const dir = await tempDir();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    await writeFile(join(dir, 'dkim.pem'), privateKey);
    await writeFile(join(dir, 'bad.pem'), 'not a key at all, secret-looking-text');
    const env = parseSendEnv({ DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY_FILE: 'dkim.pem' }, dir);
    expect(env.dkim).toMatchObject({ domainName: 'example.com', keySelector: 'mail' });
    // The key parsed once, and only that copy kept: the PEM text is not carried along.
    expect(env.dkim?.key.export({ type: 'pkcs8', format: 'pem' })).toBe(privateKey);
    expect(env.dkim).not.toHaveProperty('privateKey');
    const error = problem({ DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY_FILE: join(dir, 'bad.pem') });
    expect(error.message).toContain('DKIM_PRIVATE_KEY_FILE is not a PEM private key');
    expect(error.message).not.toContain('secret-looking-text');
  });

  it('refuses an RSA key under 1024 bits, which receivers ignore (RFC 8301), and says how to make one that counts', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'short.pem'), generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const error = problem({ DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY_FILE: join(dir, 'short.pem') });
    expect(error.message).toContain('DKIM_PRIVATE_KEY_FILE holds a 512-bit RSA key');
    expect(error.message).toContain('RFC 8301');
    expect(error.message).toContain('openssl genrsa -out dkim-private.pem 2048');
  });

  it.each([
    ['PKCS#8', { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'a passphrase' }],
    ['traditional (Proc-Type: 4,ENCRYPTED)', { type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'a passphrase' }],
  ] as const)('names a passphrase-encrypted key (%s) and how to write it unencrypted', async (_kind, encoding) => {
    const dir = await tempDir();
    await writeFile(join(dir, 'encrypted.pem'), generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export(encoding));
    const error = problem({ DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY_FILE: join(dir, 'encrypted.pem') });
    expect(error.message).toContain('DKIM_PRIVATE_KEY_FILE holds a passphrase-encrypted key');
    expect(error.message).toContain('openssl pkey -in encrypted.pem -out dkim-private.pem');
    expect(error.message).not.toContain('is not a PEM private key');
  });
});

describe('TLS settings (issue 10 §3)', () => {
  const TLS = join(FIXTURES, 'tls');

  it('SMTP_REQUIRE_TLS=true is honoured on loopback too; unset, STARTTLS is required except on loopback', () => {
    expect(parseSendEnv({ SMTP_URL: 'smtp://127.0.0.1:2525', SMTP_REQUIRE_TLS: 'true' }).smtp?.requireTLS).toBe(true);
    expect(parseSendEnv({ SMTP_URL: 'smtp://localhost:2525', SMTP_REQUIRE_TLS: 'yes' }).smtp?.requireTLS).toBe(true);
    expect(parseSendEnv({ SMTP_HOST: '::1', SMTP_REQUIRE_TLS: '1' }).smtp?.requireTLS).toBe(true);
    expect(parseSendEnv({ SMTP_URL: 'smtp://127.0.0.1:2525' }).smtp?.requireTLS).toBe(false);
    expect(parseSendEnv({ SMTP_URL: 'smtp://smtp.example.com' }).smtp?.requireTLS).toBe(true);
    // TLS from the first byte needs no STARTTLS.
    expect(parseSendEnv({ SMTP_URL: 'smtps://127.0.0.1', SMTP_REQUIRE_TLS: 'true' }).smtp?.requireTLS).toBe(false);
  });

  it('reads SMTP_TLS_CA_FILE (relative to the working directory), SMTP_TLS_SERVERNAME and SMTP_TLS_VERIFY; no TLS options when none is set', async () => {
    const dir = await tempDir();
    const cert = readFileSync(join(TLS, 'snakeoil.pem'), 'utf8');
    await writeFile(join(dir, 'relay.pem'), cert);
    const smtp = parseSendEnv({ SMTP_URL: 'smtp://127.0.0.1:25', SMTP_TLS_CA_FILE: 'relay.pem', SMTP_TLS_SERVERNAME: 'relay.test' }, dir).smtp!;
    expect(smtp.tls).toEqual({ ca: cert, servername: 'relay.test', verify: true });
    expect(poolOptions(smtp, { concurrency: 1 }).tls).toEqual({ ca: cert, servername: 'relay.test', rejectUnauthorized: true });
    expect(parseSendEnv({ SMTP_URL: 'smtp://relay.internal', SMTP_TLS_VERIFY: 'false' }).smtp?.tls).toEqual({ verify: false });
    expect(poolOptions(parseSendEnv({ SMTP_URL: 'smtp://relay.internal', SMTP_TLS_VERIFY: 'false' }).smtp!, { concurrency: 1 }).tls).toEqual({ rejectUnauthorized: false });
    const plain = parseSendEnv({ SMTP_URL: 'smtp://smtp.example.com', SMTP_TLS_VERIFY: 'true' }).smtp!;
    expect(plain.tls).toBeUndefined();
    expect(poolOptions(plain, { concurrency: 1 }).tls).toBeUndefined();
    // Test overrides still win.
    expect(poolOptions(smtp, { concurrency: 1, overrides: { tls: { rejectUnauthorized: false } } }).tls).toEqual({ rejectUnauthorized: false });
  });

  it('only the certificates of the CA file are kept (a key in the same file is not passed on)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'both.pem'), readFileSync(join(TLS, 'snakeoil-key.pem'), 'utf8') + readFileSync(join(TLS, 'snakeoil.pem'), 'utf8'));
    const ca = parseSendEnv({ SMTP_URL: 'smtp://127.0.0.1', SMTP_TLS_CA_FILE: 'both.pem' }, dir).smtp?.tls?.ca;
    expect(ca).toContain('BEGIN CERTIFICATE');
    expect(ca).not.toContain('PRIVATE KEY');
  });

  it.each<[EnvVars, string]>([
    [{ SMTP_URL: 'smtp://127.0.0.1', SMTP_TLS_CA_FILE: '/nonexistent/ca.pem' }, 'SMTP_TLS_CA_FILE cannot be read: ENOENT'],
    [{ SMTP_URL: 'smtp://127.0.0.1', SMTP_TLS_CA_FILE: join(FIXTURES, 'tls', 'README.txt') }, 'SMTP_TLS_CA_FILE has no certificate'],
    [{ SMTP_URL: 'smtp://127.0.0.1', SMTP_TLS_SERVERNAME: '127.0.0.1' }, 'SMTP_TLS_SERVERNAME must be a host name'],
    [{ SMTP_URL: 'smtp://127.0.0.1', SMTP_TLS_SERVERNAME: 'relay test' }, 'SMTP_TLS_SERVERNAME must be a host name'],
    [{ SMTP_URL: 'smtp://127.0.0.1', SMTP_TLS_VERIFY: 'off' }, 'SMTP_TLS_VERIFY must be true or false'],
  ])('%j is a config error naming the variable and its fix', (vars, message) => {
    const error = problem(vars);
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain(message);
    expect(error.message).toMatch(/fix: /);
  });
});

describe('MAIL_FROM and REPLY_TO: exactly one mailbox each', () => {
  it.each<[string, EnvVars, string]>([
    ['U+2028 turning Reply-To into a group', { REPLY_TO: 'x@example.com\u2028Bcc: y@evil.com' }, 'REPLY_TO must not contain control characters or line separators'],
    ['U+2029', { REPLY_TO: 'x@example.com\u2029y@evil.com' }, 'REPLY_TO must not contain control characters or line separators'],
    ['U+0085', { MAIL_FROM: 'News\u0085 <news@example.com>' }, 'MAIL_FROM must not contain control characters or line separators'],
    ['a tab', { MAIL_FROM: 'News\t<news@example.com>' }, 'MAIL_FROM must not contain control characters or line separators'],
    ['DEL', { MAIL_FROM: 'News\x7f <news@example.com>' }, 'MAIL_FROM must not contain control characters or line separators'],
    ['a group', { MAIL_FROM: 'Team: news@example.com;' }, 'MAIL_FROM must be one mailbox, not a group'],
    ['a group of two', { REPLY_TO: 'Friends: a@example.com, y@evil.com;' }, 'REPLY_TO must be one mailbox, not a group'],
    ['an IDN domain', { MAIL_FROM: 'News <news@exämple.com>' }, 'MAIL_FROM must be an ASCII address'],
    ['a UTF-8 local part', { REPLY_TO: 'jörg@example.com' }, 'REPLY_TO must be an ASCII address'],
  ])('%s is refused with the variable named and a fix', (_what, vars, message) => {
    const error = problem(vars);
    expect(error.code).toBe('ECONFIG');
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain(message);
    expect(error.message).toMatch(/fix: /);
  });

  it('a non-ASCII display name is RFC 2047-encoded and arrives decoded', async () => {
    const server = await startSmtpTestServer();
    try {
      const env = envFor(server.port, { MAIL_FROM: 'Zoë Café – Desk <desk@example.com>', REPLY_TO: 'Équipe «rédaction» <replies@example.com>' });
      await testSend({ built: await fixtureIssue(), to: 'ada@example.com', env });
      const { parsed, raw, envelopeFrom } = server.received[0]!;
      expect(parsed.from?.value).toEqual([{ name: 'Zoë Café – Desk', address: 'desk@example.com' }]);
      expect(parsed.replyTo?.value).toEqual([{ name: 'Équipe «rédaction»', address: 'replies@example.com' }]);
      expect(envelopeFrom).toBe('desk@example.com');
      // Encoded words on the wire, not raw UTF-8 (the server did not announce SMTPUTF8).
      expect(raw.slice(0, raw.indexOf('\r\n\r\n'))).toMatch(/^From: =\?UTF-8\?/m);
    } finally {
      await server.close();
    }
  });
});

describe('UNSUBSCRIBE_URL and SMTP_URL', () => {
  it('refuses an UNSUBSCRIBE_URL too long for the List-Unsubscribe header line', () => {
    const error = problem({ UNSUBSCRIBE_URL: `https://example.com/${'u'.repeat(1500)}` });
    expect(error.message).toContain('UNSUBSCRIBE_URL is too long');
    expect(error.exitCode).toBe(1);
  });

  it.each(['smtp://u:hunter%ZZsecret@smtp.example.com', 'smtp://hunter%ZZsecret:pw@smtp.example.com'])('%s: a bad percent-escape is a config error naming SMTP_URL, never echoing it', (url) => {
    const error = problem({ SMTP_URL: url });
    expect(error.code).toBe('ECONFIG');
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain('SMTP_URL has an invalid percent-escape');
    expect(error.message).toMatch(/URL-encode/);
    expect(error.message + (error.fix ?? '') + (error.where ?? '')).not.toContain('hunter');
  });
});
