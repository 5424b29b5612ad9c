import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from '../helpers/cli.ts';
import { fetchText } from '../preview/http.ts';
import { CLEAN_ENV, CONTENT, ISSUE } from '../send/helpers.ts';

/**
 * Settings only in `.env` in the working directory: every command reads them
 * through src/config/, so the preview's headers, `check` and `send` agree.
 */
const DOTENV = [
  'MAIL_FROM="Brief Desk <desk@example.org>"',
  'REPLY_TO=editors@example.org',
  // http:// on localhost is allowed, and check must flag it as send would write it (no https URL).
  'UNSUBSCRIBE_URL=http://localhost:3040/unsubscribe',
  'UNSUBSCRIBE_MAILTO=unsubscribe@example.org',
  'UNSUBSCRIBE_SECRET=dotenv-secret-0123456789abcdef0123456789',
].join('\n');
// The preview's named sample and check's typical reader, as subscribers of the list.
const LIST = 'email,first_name,last_name\nana.maria@example.com,Ana María,Rodríguez\nada.lovelace@example.com,Ada,Lovelace\n';
// No spamassassin: these tests read headers, not the score (and it takes seconds).
const ENV = { ...CLEAN_ENV, SPAMASSASSIN_PATH: '/nonexistent/spamassassin' };

let preview: ChildProcess | undefined;
afterEach(async () => {
  if (preview && preview.exitCode === null) {
    preview.kill('SIGINT');
    await once(preview, 'exit');
  }
  preview = undefined;
});

/** A working directory with the given `.env` and the two-subscriber list. */
async function workdir(dotenv: string): Promise<string> {
  const dir = await tempDir();
  await writeFile(join(dir, '.env'), `${dotenv}\n`);
  await writeFile(join(dir, 'list.csv'), LIST);
  return dir;
}

/** The .eml `send --dry-run` writes for each subscriber, parsed, by address. */
async function dryRunMessages(dir: string): Promise<Map<string, ParsedMail>> {
  const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', 'list.csv', '--dry-run', '--state', 'state', '--out', 'out'], { cwd: dir, env: ENV });
  expect(r.stderr).not.toMatch(/✖/);
  expect(r.code).toBe(0);
  const outbox = join(dir, 'out', '2026-03-01-send-fixture', 'outbox');
  const out = new Map<string, ParsedMail>();
  for (const name of await readdir(outbox)) {
    const parsed = await simpleParser(await readFile(join(outbox, name)));
    out.set(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]!.address! : name, parsed);
  }
  return out;
}

/** Start `newsletter preview` in `dir` and return the headers view for the named sample. */
async function previewHeaders(dir: string): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'preview', ISSUE, '--content', CONTENT, '--port', '0'], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  preview = child;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  for (;;) {
    const url = /Preview at (http:\/\/\S+)/.exec(stdout)?.[1];
    if (url) return (await fetchText(new URL('/headers?who=named', url).href)).body;
    if (child.exitCode !== null) throw new Error(`preview exited ${child.exitCode}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Header lines as one-line values by lower-case name (folded lines joined). */
async function headersOf(block: string): Promise<Map<string, string>> {
  const head = block.split('\n--- part')[0]!;
  const parsed = await simpleParser(`${head}\n\n`);
  return new Map(parsed.headerLines.map((h) => [h.key, h.line.slice(h.line.indexOf(':') + 1).replace(/\s+/g, ' ').trim()]));
}

const header = (mail: ParsedMail, key: string) => {
  const line = mail.headerLines.find((h) => h.key === key)?.line ?? '';
  return line.slice(line.indexOf(':') + 1).replace(/\s+/g, ' ').trim();
};
/** The preview signs nothing (a visible fake token); send signs each link: compare without the query. */
const withoutQuery = (value: string) => value.replace(/(<https?:[^?>]*)\?[^>]*>/, '$1>');

async function checkJson(dir: string): Promise<{ findings: { id: string; message: string; fix?: string }[] }> {
  const r = await runCli(['check', ISSUE, '--content', CONTENT, '--json'], { cwd: dir, env: ENV });
  expect(r.stderr).not.toMatch(/✖/);
  return JSON.parse(r.stdout) as { findings: { id: string; message: string; fix?: string }[] };
}

describe('settings in .env reach every command alike', () => {
  it('the preview shows the headers send --dry-run writes, and check checks the same headers', async () => {
    const dir = await workdir(DOTENV);
    const sent = await dryRunMessages(dir);
    const ana = sent.get('ana.maria@example.com')!;
    const ada = sent.get('ada.lovelace@example.com')!;
    expect(header(ana, 'from')).toBe('Brief Desk <desk@example.org>');

    const shown = await headersOf(await previewHeaders(dir));
    for (const key of ['from', 'reply-to', 'to', 'subject', 'list-id', 'list-unsubscribe-post']) expect([key, shown.get(key)]).toEqual([key, header(ana, key)]);
    expect(withoutQuery(shown.get('list-unsubscribe')!)).toBe(withoutQuery(header(ana, 'list-unsubscribe')));

    // check signs its sample reader's link with the secret from .env: the very header send writes for that reader.
    const report = await checkJson(dir);
    expect(report.findings.map((f) => f.id)).not.toContain('compliance.sample-secret');
    expect(report.findings.find((f) => f.id === 'compliance.list-unsubscribe')?.message).toBe(`List-Unsubscribe has no https URL: ${header(ada, 'list-unsubscribe')}`);
  });

  it('an invalid value in .env stops send, check and preview with the same error, naming the variable, the .env line and the fix', async () => {
    const dir = await workdir(`${DOTENV}\nSMTP_PORT=not-a-port`);
    const send = await runCli(['send', ISSUE, '--content', CONTENT, '--to', 'list.csv', '--dry-run'], { cwd: dir, env: ENV });
    const check = await runCli(['check', ISSUE, '--content', CONTENT], { cwd: dir, env: ENV });
    const previewRun = await runCli(['preview', ISSUE, '--content', CONTENT, '--port', '0'], { cwd: dir, env: ENV, killAfterMs: 20_000 });
    expect(send.code).toBe(1);
    expect(send.stderr).toContain('SMTP_PORT must be a number (received "not-a-port")');
    expect(send.stderr).toContain('.env:6');
    expect(send.stderr).toContain('fix: SMTP_PORT must be a number (465 or 587 usually)');
    expect({ code: check.code, stderr: check.stderr, stdout: check.stdout }).toEqual({ code: 1, stderr: send.stderr, stdout: '' });
    expect({ code: previewRun.code, stderr: previewRun.stderr, stdout: previewRun.stdout }).toEqual({ code: 1, stderr: send.stderr, stdout: '' });
  });
});

describe('a missing UNSUBSCRIBE_SECRET', () => {
  it('gets one message, where to put it and how to make one, from send and unsubscribe-server; check shows it too', async () => {
    // A server that is never reached: the missing secret stops the send first. (A dry run signs with the sample secret: tests/config/first-run.test.ts.)
    const dir = await workdir(`${DOTENV.replace(/^UNSUBSCRIBE_SECRET=.*$/m, '')}\nSMTP_URL=smtp://127.0.0.1:9`);
    const send = await runCli(['send', ISSUE, '--content', CONTENT, '--to', 'list.csv'], { cwd: dir, env: ENV });
    const server = await runCli(['unsubscribe-server', '--content', CONTENT, '--port', '0'], { cwd: dir, env: ENV, killAfterMs: 60_000 });
    expect([send.code, server.code]).toEqual([1, 1]);
    expect(server.stderr).toBe(send.stderr);
    expect(send.stderr).toContain('UNSUBSCRIBE_SECRET is not set');
    expect(send.stderr).toContain('.env');
    expect(send.stderr).toContain('openssl rand -hex 32');

    const [message, fix] = send.stderr.replace(/^✖ /, '').split(/\n\s+(?:at UNSUBSCRIBE_SECRET\n\s+)?fix: /);
    const sample = (await checkJson(dir)).findings.find((f) => f.id === 'compliance.sample-secret');
    expect(sample?.message.startsWith(message!.trim())).toBe(true);
    expect(sample?.fix).toBe(fix!.trim());
  });
});
