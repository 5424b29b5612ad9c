/**
 * Issue 10 §3: TLS with a real local relay. A loopback smtp-server offering
 * STARTTLS with the fixture certificates (tests/fixtures/tls/README.txt):
 * snakeoil.pem is self-signed for relay.test, like Debian's default Postfix.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { FIXTURES } from '../helpers/content.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server.ts';
import { certificateFix } from '../../src/mail/index.ts';
import { parseSendEnv, type EnvVars } from '../../src/config/index.ts';
import { createSmtpTransport } from '../../src/mail/transport.ts';
import { addressOf, CLEAN_ENV, cliEnv, CONTENT, ISSUE, writeList } from '../send/helpers.ts';

const TLS = join(FIXTURES, 'tls');
const pem = (name: string) => readFileSync(join(TLS, name), 'utf8');
const SNAKEOIL = { key: pem('snakeoil-key.pem'), cert: pem('snakeoil.pem') };
const SIGNED = { key: pem('server-key.pem'), cert: pem('server.pem') };
const WARNING = /SMTP_TLS_VERIFY=false.*not checked[^\n]*SMTP_TLS_CA_FILE/;

let server: SmtpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function send(dir: string, port: number, vars: Record<string, string>, extra: string[] = []) {
  const list = join(dir, 'list.csv');
  return runCli(['send', ISSUE, '--content', CONTENT, '--to', list, '--state', join(dir, 'state'), ...extra], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(port), ...vars }, killAfterMs: 60_000 });
}

describe('STARTTLS with a self-signed relay certificate (Debian "snakeoil")', () => {
  it('by default stops (exit 3) before sending, nobody failed, the fix names SMTP_TLS_CA_FILE; trusting the certificate then delivers everyone once over TLS', async () => {
    server = await startSmtpTestServer({ tls: SNAKEOIL });
    const dir = await tempDir();
    await writeList(dir, 5);
    const refused = await send(dir, server.port, {});
    expect(refused.code).toBe(3);
    expect(refused.stdout + refused.stderr).toMatch(/self[- ]signed certificate/);
    expect(refused.stdout + refused.stderr).toMatch(/fix: .*SMTP_TLS_CA_FILE/);
    expect(server.total()).toBe(0);

    const ok = await send(dir, server.port, { SMTP_TLS_CA_FILE: join(TLS, 'snakeoil.pem'), SMTP_TLS_SERVERNAME: 'relay.test' });
    expect(ok.stderr).not.toMatch(/Internal error/);
    expect(ok.code).toBe(0);
    // Pending, not failed: the same command reaches all five once the certificate is trusted.
    for (let i = 0; i < 5; i++) expect(server.count(addressOf(i))).toBe(1);
    expect(server.received.every((m) => m.secure)).toBe(true);
  });

  it('SMTP_TLS_CA_FILE resolves against the working directory, like DKIM_PRIVATE_KEY_FILE', async () => {
    server = await startSmtpTestServer({ tls: SNAKEOIL });
    const dir = await tempDir();
    await writeList(dir, 1);
    await writeFile(join(dir, 'relay.pem'), SNAKEOIL.cert);
    const r = await send(dir, server.port, { SMTP_TLS_CA_FILE: 'relay.pem', SMTP_TLS_SERVERNAME: 'relay.test' });
    expect(r.code).toBe(0);
    expect(server.received.map((m) => m.secure)).toEqual([true]);
  });

  it('a trusted certificate for another name than SMTP_HOST: the fix names SMTP_TLS_SERVERNAME and the name on the certificate', async () => {
    server = await startSmtpTestServer({ tls: SNAKEOIL });
    const dir = await tempDir();
    await writeList(dir, 2);
    const r = await send(dir, server.port, { SMTP_TLS_CA_FILE: join(TLS, 'snakeoil.pem') });
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/fix: .*Set SMTP_TLS_SERVERNAME to the name on the certificate \(it says: DNS:relay\.test\)/);
    expect(server.total()).toBe(0);
  });

  it('a certificate signed by a private CA is trusted through SMTP_TLS_CA_FILE=ca.pem (its 127.0.0.1 name matches)', async () => {
    server = await startSmtpTestServer({ tls: SIGNED });
    const dir = await tempDir();
    await writeList(dir, 2);
    const r = await send(dir, server.port, { SMTP_TLS_CA_FILE: join(TLS, 'ca.pem') });
    expect(r.code).toBe(0);
    expect(server.received.map((m) => m.secure)).toEqual([true, true]);
  });

  it('SMTP_TLS_VERIFY=false delivers, and warns on every run that uses SMTP (send and --test), never on --dry-run', async () => {
    server = await startSmtpTestServer({ tls: SNAKEOIL });
    const dir = await tempDir();
    await writeList(dir, 2);
    const first = await send(dir, server.port, { SMTP_TLS_VERIFY: 'false' });
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(WARNING);
    expect(server.total()).toBe(2);
    const again = await send(dir, server.port, { SMTP_TLS_VERIFY: 'false' });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(WARNING);
    const test = await send(dir, server.port, { SMTP_TLS_VERIFY: 'false' }, ['--test', 'me@example.com']);
    expect(test.code).toBe(0);
    expect(test.stderr).toMatch(WARNING);
    expect(server.total()).toBe(3);
    expect(server.received.every((m) => m.secure)).toBe(true);
    const dry = await send(dir, server.port, { SMTP_TLS_VERIFY: 'false' }, ['--dry-run', '--out', join(dir, 'out')]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).not.toMatch(WARNING);
  });

  it('--test with a certificate error: exit 3, the fix names SMTP_TLS_CA_FILE (not "try another address")', async () => {
    server = await startSmtpTestServer({ tls: SNAKEOIL });
    const dir = await tempDir();
    await writeList(dir, 1);
    const r = await send(dir, server.port, {}, ['--test', 'me@example.com']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/fix: .*SMTP_TLS_CA_FILE/);
    expect(r.stderr).not.toMatch(/another address/);
    expect(server.total()).toBe(0);
  });
});

describe('SMTP_REQUIRE_TLS', () => {
  it('=true is honoured on loopback: a server without STARTTLS gets nothing (exit 3), and the fix says so', async () => {
    server = await startSmtpTestServer();
    const dir = await tempDir();
    await writeList(dir, 2);
    const r = await send(dir, server.port, { SMTP_REQUIRE_TLS: 'true' });
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/fix: .*STARTTLS.*SMTP_REQUIRE_TLS/);
    expect(server.total()).toBe(0);
  });

  it('=true on loopback with --test: refused, nothing received, the fix names the setting', async () => {
    server = await startSmtpTestServer();
    const dir = await tempDir();
    await writeList(dir, 1);
    const r = await send(dir, server.port, { SMTP_REQUIRE_TLS: 'true' }, ['--test', 'me@example.com']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/fix: .*STARTTLS.*SMTP_REQUIRE_TLS/);
    expect(server.total()).toBe(0);
  });
});

describe('a bad SMTP_TLS_CA_FILE is a config error (exit 1) naming it, nothing sent', () => {
  it.each([
    ['missing', () => '/nonexistent/relay.pem', 'SMTP_TLS_CA_FILE cannot be read'],
    ['a private key, not a certificate', () => join(TLS, 'snakeoil-key.pem'), 'SMTP_TLS_CA_FILE has no certificate'],
  ])('%s', async (_name, path, message) => {
    server = await startSmtpTestServer({ tls: SNAKEOIL });
    const dir = await tempDir();
    await writeList(dir, 1);
    const r = await send(dir, server.port, { SMTP_TLS_CA_FILE: path() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toMatch(/fix: .*PEM/);
    expect(r.stderr).not.toContain('PRIVATE KEY');
    expect(server.total()).toBe(0);
  });
});

describe('certificateFix: the setting that solves each real TLS failure (nodemailer against the test server)', () => {
  /** The error our own transport gets from the server, or undefined when the handshake succeeds. */
  async function failure(plan: Parameters<typeof startSmtpTestServer>[0], vars: EnvVars): Promise<unknown> {
    server = await startSmtpTestServer(plan);
    const smtp = parseSendEnv({ SMTP_URL: `smtp://127.0.0.1:${server.port}`, ...vars }).smtp!;
    const transport = createSmtpTransport(smtp, { concurrency: 1 });
    try {
      await transport.verify();
      return undefined;
    } catch (error) {
      return error;
    } finally {
      transport.close();
    }
  }

  it.each<[string, Parameters<typeof startSmtpTestServer>[0], EnvVars, RegExp]>([
    ['self-signed', { tls: SNAKEOIL }, {}, /^Set SMTP_TLS_CA_FILE to the relay's certificate \(PEM\).*SMTP_TLS_VERIFY=false.*only for a throwaway test/],
    ['signed by an unknown CA', { tls: SIGNED }, {}, /^Set SMTP_TLS_CA_FILE/],
    ['another name', { tls: SNAKEOIL }, { SMTP_TLS_CA_FILE: join(TLS, 'snakeoil.pem') }, /^Set SMTP_TLS_SERVERNAME to the name on the certificate \(it says: DNS:relay\.test\)/],
    ['expired', { tls: { key: pem('server-key.pem'), cert: pem('expired.pem') } }, { SMTP_TLS_CA_FILE: join(TLS, 'ca.pem') }, /outside its validity dates: renew it on the server/],
    ['no STARTTLS while required', {}, { SMTP_REQUIRE_TLS: 'true' }, /^The server does not offer STARTTLS.*SMTP_REQUIRE_TLS=false only for a trusted relay on this machine/],
  ])('%s', async (_name, plan, vars, fix) => {
    expect(certificateFix(await failure(plan, vars))).toMatch(fix);
    expect(server!.total()).toBe(0);
  });

  it('smtps:// to a port that talks plain SMTP first: use smtp://', async () => {
    server = await startSmtpTestServer();
    const smtp = parseSendEnv({ SMTP_URL: `smtps://127.0.0.1:${server.port}` }).smtp!;
    const transport = createSmtpTransport(smtp, { concurrency: 1 });
    const error = await transport.verify().then(() => undefined, (e: unknown) => e);
    transport.close();
    expect(certificateFix(error)).toMatch(/use smtp:\/\/ \(STARTTLS/);
  });

  it('is undefined for what TLS settings cannot fix (nothing listening, a refused login)', async () => {
    expect(certificateFix(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' }))).toBeUndefined();
    server = await startSmtpTestServer({ rejectAuth: true });
    const transport = createSmtpTransport(parseSendEnv({ SMTP_URL: `smtp://u:p@127.0.0.1:${server.port}` }).smtp!, { concurrency: 1 });
    const error = await transport.verify().then(() => undefined, (e: unknown) => e);
    transport.close();
    expect(error).toMatchObject({ responseCode: 535 });
    expect(certificateFix(error)).toBeUndefined();
  });
});
