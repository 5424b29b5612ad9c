import { mkdir, readdir, readFile, writeFile, copyFile, access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server.ts';
import { CLEAN_ENV, cliEnv, CONTENT, ISSUE, SEND_FIXTURES, stateWithSuppression } from './helpers.ts';

let server: SmtpTestServer;
beforeEach(async () => {
  server = await startSmtpTestServer();
});
afterEach(async () => {
  await server.close();
});

const STATUSES = join(SEND_FIXTURES, 'statuses.csv');

describe('newsletter send (CLI)', () => {
  it('with no SMTP configured fails with exit 1, names the variables to set, and sends nothing', async () => {
    const dir = await tempDir();
    const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', STATUSES, '--state', join(dir, 'state')], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(undefined) } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('No SMTP server is configured');
    expect(r.stderr).toContain('SMTP_URL');
    expect(r.stderr).toContain('SMTP_HOST');
    expect(r.stderr).toContain('.env.example');
    expect(server.total()).toBe(0);
  });

  it('reads .env from the working directory; the real environment wins', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '.env'), `SMTP_URL=smtp://127.0.0.1:${server.port}\nUNSUBSCRIBE_SECRET=from-dotenv-0123456789abcdef0123456789\nSMTP_PORT=not-a-port-but-unused\n`);
    const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', STATUSES, '--state', await stateWithSuppression(dir)], { cwd: dir, env: { ...CLEAN_ENV, SMTP_PORT: '2525' } });
    expect(r.stderr).not.toMatch(/SMTP_PORT/);
    expect(r.code).toBe(0);
    expect(server.total()).toBe(2);
  });

  it('a bad variable is exit 1, named with its fix, and a secret value is never echoed', async () => {
    const dir = await tempDir();
    const vars = { SMTP_URL: 'smtp://127.0.0.1:2525', UNSUBSCRIBE_SECRET: 'tooshort-secret-value', SMTP_REQUIRE_TLS: 'maybe' };
    const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', STATUSES, '--state', join(dir, 'state')], { cwd: dir, env: { ...CLEAN_ENV, ...vars } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('UNSUBSCRIBE_SECRET must be at least 32 characters');
    expect(r.stderr).toContain('SMTP_REQUIRE_TLS must be true or false (received "maybe")');
    expect(r.stderr).toMatch(/fix: Generate one with `openssl rand -hex 32`/);
    expect(r.stderr + r.stdout).not.toContain('tooshort-secret-value');
    expect(server.total()).toBe(0);
  });

  it('--dry-run writes one .eml per sendable recipient to out/<slug>/outbox/ and sends nothing', async () => {
    const dir = await tempDir();
    const state = await stateWithSuppression(dir);
    const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', STATUSES, '--state', state, '--dry-run', '--out', join(dir, 'out')], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port) } });
    expect(r.stderr).not.toMatch(/Internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Dry run: nothing was sent');
    expect(server.total()).toBe(0);
    const outbox = join(dir, 'out', '2026-03-01-send-fixture', 'outbox');
    const files = (await readdir(outbox)).sort();
    expect(files).toEqual(['0000002-one@example.com.eml', '0000006-five@example.com.eml']);
    const parsed = await simpleParser(await readFile(join(outbox, files[0]!)));
    expect(parsed.subject).toBe('One, your issue 3 is here');
    expect(parsed.headerLines.map((h) => h.key)).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'list-id', 'message-id', 'date']));
    // A dry run keeps no journal: the real send afterwards starts from scratch.
    expect((await readdir(state)).filter((n) => n.endsWith('.journal.jsonl'))).toEqual([]);
  });

  it('--test ADDR sends one personalized copy to ADDR only and records nothing for the list', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state');
    const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', STATUSES, '--state', state, '--test', 'FIVE@example.com'], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port) } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Sent a test copy');
    expect(server.total()).toBe(1);
    expect(server.received[0]!.envelopeTo).toEqual(['FIVE@example.com']);
    expect(server.received[0]!.parsed.subject).toBe('Five, your issue 3 is here');
    await expect(access(state)).rejects.toThrow();
  });

  it('refuses a subject with CR/LF before sending anything (exit 1)', async () => {
    const dir = await tempDir();
    const content = join(dir, 'content');
    await mkdir(join(content, 'issues'), { recursive: true });
    await copyFile(join(CONTENT, 'newsletter.yml'), join(content, 'newsletter.yml'));
    const issue = (await readFile(ISSUE, 'utf8')).replace(/^subject: .*$/m, 'subject: "Hello\\r\\nBcc: victim@example.com"');
    await writeFile(join(content, 'issues', 'bad.md'), issue);
    const r = await runCli(['send', '--content', content, '--to', STATUSES, '--state', join(dir, 'state')], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port) } });
    expect(r.code).toBe(1);
    // Content validation names the character now (issue 9 §6); either wording names the problem.
    expect(r.stderr).toMatch(/line break|carriage return/);
    expect(server.total()).toBe(0);
  });

  it('an auth failure exits 3 and says how to resume', async () => {
    await server.close();
    server = await startSmtpTestServer({ rejectAuth: true });
    const dir = await tempDir();
    const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', STATUSES, '--state', join(dir, 'state')], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port, { SMTP_URL: `smtp://me:sekrit-pass@127.0.0.1:${server.port}` }) } });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/Stopped early: The SMTP server .* refused the login/);
    expect(r.stdout).toMatch(/resume: newsletter send /);
    expect(r.stdout + r.stderr).not.toContain('sekrit-pass');
    expect(server.total()).toBe(0);
  });
  // Issue 9 §3: the operator sees which file is about to go out, before it goes, and again in the summary.
  describe('names the issue it sends: number, subject and file', () => {
    const named = (text: string) => {
      expect(text).toContain('issue 3');
      expect(text).toContain('your issue 3 is here');
      expect(text).toContain(`(${ISSUE})`);
    };

    it('a real send: on stderr before sending, and in the summary on stdout', async () => {
      const dir = await tempDir();
      const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', STATUSES, '--state', await stateWithSuppression(dir)], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port) } });
      expect(r.code).toBe(0);
      named(r.stderr.split('\n')[0]!);
      named(r.stdout);
    });

    it('a dry run: on stderr before rendering, and in the summary on stdout', async () => {
      const dir = await tempDir();
      const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', STATUSES, '--state', await stateWithSuppression(dir), '--dry-run', '--out', join(dir, 'out')], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port) } });
      expect(r.code).toBe(0);
      named(r.stderr.split('\n')[0]!);
      named(r.stdout);
    });

    it('a test copy: on stderr before sending, and in the confirmation on stdout', async () => {
      const dir = await tempDir();
      const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', STATUSES, '--state', join(dir, 'state'), '--test', 'me@example.com'], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port) } });
      expect(r.code).toBe(0);
      named(r.stderr.split('\n')[0]!);
      named(r.stdout);
    });
  });

  // Issue 9 §7: a run with nothing left to send has no reason to log in anywhere.
  it('a second run of a completed send does not connect to the SMTP server (exit 0)', async () => {
    const dir = await tempDir();
    const state = await stateWithSuppression(dir);
    const args = ['send', ISSUE, '--content', CONTENT, '--to', STATUSES, '--state', state];
    const first = await runCli(args, { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port) } });
    expect(first.code).toBe(0);
    expect(server.total()).toBe(2);
    // A plain TCP listener that counts and drops every connection: any SMTP use at all shows up here.
    let connections = 0;
    const counter = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => counter.listen(0, '127.0.0.1', resolve));
    try {
      const port = (counter.address() as { port: number }).port;
      const second = await runCli(args, { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(port) } });
      expect(second.stderr).not.toMatch(/Internal error/);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/sent\s+0 \(\+2 in earlier runs\)/);
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => counter.close(resolve));
    }
  });
});
