import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { FIXTURES, ROOT } from '../helpers/content.ts';
import { startSmtpTestServer } from '../helpers/smtp-test-server.ts';
import { CLEAN_ENV, SECRET } from '../send/helpers.ts';
import { SAMPLE_SECRET_HEADER } from '../../src/send/index.ts';

/**
 * A newcomer's first hour (issue 12 items 5 and 6): the repository's own content, the
 * README's commands, no settings at all or a copy of .env.example.
 */
const SEED = join('content', 'issues', '2026-02-05-trump-petro-oval-office.md');
const LIST = join(FIXTURES, 'subscribers', 'good.csv');
const ENV_EXAMPLE = await readFile(join(ROOT, '.env.example'), 'utf8');
// mailparser keys headers in lower case.
const HEADER = SAMPLE_SECRET_HEADER.toLowerCase();
const NOTE = 'UNSUBSCRIBE_SECRET is not set, so the unsubscribe links are signed with a sample secret';

/** A fresh copy of the repository's content/, with `.env` when given. */
async function freshCopy(dotenv?: string): Promise<string> {
  const dir = await tempDir();
  await cp(join(ROOT, 'content'), join(dir, 'content'), { recursive: true });
  if (dotenv !== undefined) await writeFile(join(dir, '.env'), dotenv);
  return dir;
}

/** .env.example with the `# NAME=…` line of each name uncommented (or already so), and that line's number. */
function uncommented(...names: string[]): { text: string; lines: Record<string, number> } {
  const lines: Record<string, number> = {};
  const text = ENV_EXAMPLE.split('\n')
    .map((line, i) => {
      const name = names.find((n) => line.startsWith(`# ${n}=`) || line.startsWith(`${n}=`));
      if (!name) return line;
      lines[name] = i + 1;
      return line.replace(/^# /, '');
    })
    .join('\n');
  expect(Object.keys(lines).sort()).toEqual([...names].sort());
  return { text, lines };
}

const send = (dir: string, args: string[], env: Record<string, string> = {}) => runCli(['send', SEED, '--to', LIST, ...args], { cwd: dir, env: { ...CLEAN_ENV, ...env } });

/** Every .eml of the dry run in `dir`, parsed. */
async function outbox(dir: string): Promise<ParsedMail[]> {
  const [slug] = await readdir(join(dir, 'out'));
  const box = join(dir, 'out', slug!, 'outbox');
  return Promise.all((await readdir(box)).map(async (name) => simpleParser(await readFile(join(box, name)))));
}

describe('send --dry-run needs no configuration (issue 12 item 6)', () => {
  it('with no .env and no secret: exit 0, a one-line note, and every .eml says it is signed with a sample secret', async () => {
    const dir = await freshCopy();
    const r = await send(dir, ['--dry-run']);
    expect(r.stderr).toContain(NOTE);
    expect(r.code).toBe(0);
    const mails = await outbox(dir);
    expect(mails.length).toBeGreaterThan(0);
    for (const mail of mails) expect(mail.headers.get(HEADER)).toMatch(/sample secret; set UNSUBSCRIBE_SECRET before a real send/);
  });

  it('with UNSUBSCRIBE_SECRET set: no note and no header', async () => {
    const dir = await freshCopy();
    const r = await send(dir, ['--dry-run'], { UNSUBSCRIBE_SECRET: SECRET });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain(NOTE);
    const mails = await outbox(dir);
    expect(mails.length).toBeGreaterThan(0);
    for (const mail of mails) expect(mail.headers.has(HEADER)).toBe(false);
  });
});

describe('.env.example cannot mislead (issue 12 item 5)', () => {
  it('copied as-is it changes nothing: the dry run works and no List-Unsubscribe carries its example mailto', async () => {
    const dir = await freshCopy(ENV_EXAMPLE);
    const r = await send(dir, ['--dry-run']);
    expect(r.code).toBe(0);
    for (const mail of await outbox(dir)) {
      const listUnsubscribe = mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line;
      expect(listUnsubscribe).toContain('https://');
      expect(listUnsubscribe).not.toContain('mailto:');
    }
  });

  it('its SMTP_URL uncommented: send stops before connecting, naming the .env line and what to write; the dry run is not stopped', async () => {
    const { text, lines } = uncommented('SMTP_URL');
    const dir = await freshCopy(text);
    const r = await send(dir, []);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SMTP_URL is still the example value from .env.example');
    expect(r.stderr).toContain(`at .env:${lines.SMTP_URL}`);
    expect(r.stderr).toMatch(/fix: Write your provider's SMTP server/);
    expect(r.stderr).toContain('nothing was sent');
    // The example password is never quoted.
    expect(r.stderr).not.toContain('user:password');
    expect((await send(dir, ['--dry-run'])).code).toBe(0);
  });

  it('its UNSUBSCRIBE_MAILTO uncommented: refused with its .env line, even with everything else set', async () => {
    const { text, lines } = uncommented('UNSUBSCRIBE_MAILTO');
    const dir = await freshCopy(text);
    const r = await send(dir, ['--dry-run'], { UNSUBSCRIBE_SECRET: SECRET });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('UNSUBSCRIBE_MAILTO is still the example value from .env.example (received "unsubscribe@hemispherebrief.example.com")');
    expect(r.stderr).toContain(`at .env:${lines.UNSUBSCRIBE_MAILTO}`);
    expect(r.stderr).toMatch(/fix: Write an address of yours that handles unsubscribe requests, or put # before the line/);
  });

  it('set in the environment instead, the error names the environment variable', async () => {
    const dir = await freshCopy();
    const r = await send(dir, ['--dry-run'], { UNSUBSCRIBE_SECRET: SECRET, UNSUBSCRIBE_MAILTO: 'unsubscribe@hemispherebrief.example.com' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('at environment variable UNSUBSCRIBE_MAILTO');
  });
});

describe('a real send from the seed newsletter.yml warns about its example domains', () => {
  it('--test with the seed From, Reply-To and unsubscribe link: each named with the setting to change; with your own: no warning; a dry run: none', async () => {
    const server = await startSmtpTestServer();
    try {
      const dir = await freshCopy();
      const env = { SMTP_URL: `smtp://127.0.0.1:${server.port}`, UNSUBSCRIBE_SECRET: SECRET };
      const seed = await send(dir, ['--test', 'me@mydomain.test'], env);
      expect(seed.code).toBe(0);
      expect(seed.stderr).toContain('the From address brief@hemispherebrief.example.com is at an example domain');
      expect(seed.stderr).toContain('Set from.email in content/newsletter.yml (or MAIL_FROM in .env)');
      expect(seed.stderr).toContain('the unsubscribe link https://hemispherebrief.example.com/unsubscribe is at an example domain');
      expect(seed.stderr).toContain('the Reply-To address editors@hemispherebrief.example.com is at an example domain');
      expect(seed.stderr).toContain('Set replyTo in content/newsletter.yml (or REPLY_TO in .env)');
      const own = await send(dir, ['--test', 'me@mydomain.test'], { ...env, MAIL_FROM: 'news@mydomain.test', REPLY_TO: 'editors@mydomain.test', UNSUBSCRIBE_URL: 'https://news.mydomain.test/unsubscribe' });
      expect(own.code).toBe(0);
      expect(own.stderr).not.toContain('example domain');
      expect(server.received).toHaveLength(2);
      expect((await send(dir, ['--dry-run'])).stderr).not.toContain('example domain');
    } finally {
      await server.close();
    }
  });

  it('REPLY_TO and UNSUBSCRIBE_MAILTO at an example domain (item 5: the mailto reaches every List-Unsubscribe): warned, naming the variable, after the line naming the issue', async () => {
    const server = await startSmtpTestServer();
    try {
      const dir = await freshCopy();
      const env = { SMTP_URL: `smtp://127.0.0.1:${server.port}`, UNSUBSCRIBE_SECRET: SECRET, MAIL_FROM: 'news@mydomain.test', UNSUBSCRIBE_URL: 'https://news.mydomain.test/unsubscribe' };
      const r = await send(dir, ['--test', 'me@mydomain.test'], { ...env, REPLY_TO: 'editors@example.org', UNSUBSCRIBE_MAILTO: 'unsubscribe@example.com' });
      expect(r.code).toBe(0);
      const [first, ...rest] = r.stderr.split('\n');
      expect(first).toMatch(/^Sending a test copy of issue 1 /);
      expect(rest.join('\n')).toContain('the Reply-To address editors@example.org is at an example domain');
      expect(rest.join('\n')).toContain('Set REPLY_TO in .env to an address at your own domain');
      expect(rest.join('\n')).toContain('the unsubscribe address unsubscribe@example.com (UNSUBSCRIBE_MAILTO, in every List-Unsubscribe) is at an example domain');
      expect(rest.join('\n')).not.toContain('From address');
      expect(server.received).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
