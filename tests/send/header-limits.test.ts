import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server.ts';
import { CLEAN_ENV, cliEnv, CONTENT, ISSUE } from './helpers.ts';

let server: SmtpTestServer;
beforeEach(async () => {
  server = await startSmtpTestServer();
});
afterEach(async () => {
  await server.close();
});

const LONG = 'A'.repeat(3000);

async function hostileList(dir: string): Promise<string> {
  const path = join(dir, 'list.csv');
  await writeFile(path, `email,first_name,last_name\nlong@example.com,${LONG},Lovelace\nplain@example.com,Ann,Lee\n`);
  return path;
}

function expectShortLines(raw: string, label: string): void {
  for (const line of Buffer.from(raw, 'utf8').toString('latin1').split('\r\n')) expect(line.length, `${label}: ${line.slice(0, 60)}…`).toBeLessThanOrEqual(998);
}

function expectDecoded(parsed: ParsedMail): void {
  expect(parsed.subject).toBe(`${LONG}, your issue 3 is here`);
  expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0] : undefined).toEqual({ address: 'long@example.com', name: `${LONG} Lovelace` });
}

describe('no message line over 998 octets, whatever the list holds', () => {
  it('send --dry-run: the .eml of a 3,000-character first name folds every header and decodes back', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', await hostileList(dir), '--state', join(dir, 'state'), '--dry-run', '--out', out], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port) } });
    expect(r.stderr).not.toMatch(/Internal error/);
    expect(r.code).toBe(0);
    const outbox = join(out, '2026-03-01-send-fixture', 'outbox');
    const files = (await readdir(outbox)).sort();
    expect(files).toHaveLength(2);
    const raw = await readFile(join(outbox, files.find((f) => f.includes('long@'))!), 'utf8');
    expectShortLines(raw, 'dry-run');
    expectDecoded(await simpleParser(raw));
  });

  it('send: what the SMTP server receives folds every header and decodes back', async () => {
    const dir = await tempDir();
    const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', await hostileList(dir), '--state', join(dir, 'state')], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port) } });
    expect(r.stderr).not.toMatch(/Internal error/);
    expect(r.code).toBe(0);
    expect(server.total()).toBe(2);
    const long = server.received.find((m) => m.envelopeTo.includes('long@example.com'))!;
    expectShortLines(long.raw, 'smtp');
    expectDecoded(long.parsed);
  });
});

describe('a link that cannot fit on one List-Unsubscribe line', () => {
  it('skips that recipient as invalid, with the reason in the journal, and sends the rest', async () => {
    const dir = await tempDir();
    // 600 characters of UNSUBSCRIBE_URL (the most allowed) plus an address of 240 "+" (each %2B in the link).
    const base = `https://example.com/${'u'.repeat(580)}`;
    const odd = `${'+'.repeat(240)}@example.com`;
    const list = join(dir, 'list.csv');
    await writeFile(list, `email,first_name\n${odd},Odd\nplain@example.com,Ann\n`);
    const state = join(dir, 'state');
    const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', list, '--state', state], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port), UNSUBSCRIBE_URL: base } });
    expect(r.stderr).not.toMatch(/Internal error/);
    expect(r.code).toBe(0);
    expect(server.total()).toBe(1);
    expect(server.count('plain@example.com')).toBe(1);
    expect(r.stdout).toMatch(/skipped +1 \(1 unsafe value/);
    const journal = (await readdir(state)).find((f) => f.endsWith('.journal.jsonl'))!;
    expect(await readFile(join(state, journal), 'utf8')).toMatch(/"s":"skipped".*unsubscribe URL for \+{240}@example\.com is \d+ characters/);
  });
});

describe('SMTP_URL with a broken percent-escape', () => {
  it('is a config error (exit 1) naming SMTP_URL, with the fix, never printing the password', async () => {
    const dir = await tempDir();
    const list = await hostileList(dir);
    const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', list, '--state', join(dir, 'state')], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(undefined), SMTP_URL: `smtp://u:hunter%ZZsecret@127.0.0.1:${server.port}` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SMTP_URL has an invalid percent-escape');
    expect(r.stderr).toMatch(/URL-encode special characters in the password/);
    expect(r.stdout + r.stderr).not.toContain('hunter');
    expect(server.total()).toBe(0);
  });
});
