import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { EXPORT_TARGETS } from '../../src/export/index.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { ROOT } from '../helpers/content.ts';

const SLUG = '2026-02-05-trump-petro-oval-office';
const PLATFORM_FILES = ['IMPORT.md', 'email.html', 'email.txt', 'preheader.txt', 'subject.txt'];

async function project(): Promise<string> {
  const dir = await tempDir();
  await cp(join(ROOT, 'content'), join(dir, 'content'), { recursive: true });
  return dir;
}

describe('newsletter export', () => {
  it('--platform all writes every platform’s folder for the seed issue and says where', async () => {
    const dir = await project();
    const result = await runCli(['export', '--platform', 'all'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readdirSync(join(dir, 'out', SLUG)).sort()).toEqual([...EXPORT_TARGETS].sort());
    for (const target of EXPORT_TARGETS) {
      expect(result.stdout).toContain(`out/${SLUG}/${target}/`);
      const files = readdirSync(join(dir, 'out', SLUG, target)).sort();
      expect(files).toEqual(target === 'eml' ? ['IMPORT.md', 'email.eml'] : PLATFORM_FILES);
    }
    expect(readFileSync(join(dir, 'out', SLUG, 'mailchimp', 'email.html'), 'utf8')).toContain('href="*|UNSUB|*"');
    expect(readFileSync(join(dir, 'out', SLUG, 'sendgrid-api', 'subject.txt'), 'utf8')).toBe('Trump and Petro’s unlikely Oval Office meeting\n');
    expect(readFileSync(join(dir, 'out', SLUG, 'sendgrid-campaigns', 'email.html'), 'utf8')).toContain('href="{{{unsubscribe}}}"');
  });

  it('keeps --platform sendgrid working, as the Email API target (sendgrid-api)', async () => {
    const dir = await project();
    const result = await runCli(['export', '--platform', 'sendgrid'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(readdirSync(join(dir, 'out', SLUG))).toEqual(['sendgrid-api']);
    expect(result.stdout).toContain(`out/${SLUG}/sendgrid-api/`);
    expect(readFileSync(join(dir, 'out', SLUG, 'sendgrid-api', 'IMPORT.md'), 'utf8')).toContain('dynamic_template_data');
  });

  it('--platform sendgrid-campaigns writes a Single Send with SendGrid’s unsubscribe and sender address tags, and steps that need no code', async () => {
    const dir = await project();
    expect((await runCli(['export', '--platform', 'sendgrid-campaigns'], { cwd: dir })).code).toBe(0);
    const folder = join(dir, 'out', SLUG, 'sendgrid-campaigns');
    const html = readFileSync(join(folder, 'email.html'), 'utf8');
    expect(html).toContain('{{Sender_Name}}, {{Sender_Address}}, {{Sender_City}}, {{Sender_State}} {{Sender_Zip}}');
    expect(html).not.toContain('1200 Example Avenue');
    const guide = readFileSync(join(folder, 'IMPORT.md'), 'utf8');
    expect(guide).toContain('Single Sends');
    expect(guide).not.toMatch(/Mail Send API:|dynamic_template_data|API key/);
  });

  it('refuses an unknown --platform with exit 1, the list of names and nothing written', async () => {
    const dir = await project();
    const result = await runCli(['export', '--platform', 'hubspot'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Unknown --platform "hubspot"');
    for (const name of EXPORT_TARGETS) expect(result.stderr).toContain(name);
    expect(result.stderr).toContain('sendgrid (= sendgrid-api)');
    expect(result.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('exports a given file for several platforms into --out', async () => {
    const dir = await project();
    const result = await runCli(['export', join('content', 'issues', `${SLUG}.md`), '--platform', 'postmark,kit', '--out', 'dist'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(readdirSync(join(dir, 'dist', SLUG)).sort()).toEqual(['kit', 'postmark']);
  });

  it('--platform html writes the web version: neutral values, real links, braces as written', async () => {
    const dir = await project();
    expect((await runCli(['export', '--platform', 'html'], { cwd: dir })).code).toBe(0);
    const html = readFileSync(join(dir, 'out', SLUG, 'html', 'email.html'), 'utf8');
    const { document } = parseHTML(html);
    expect(document.body.textContent).toContain('Hi there,');
    expect(document.body.textContent).toContain('because you subscribed at');
    const href = (text: string) => [...document.querySelectorAll('a')].find((a) => a.textContent?.trim() === text)?.getAttribute('href');
    expect(href('Unsubscribe')).toBe('https://hemispherebrief.example.com/unsubscribe');
    expect(href('View in browser')).toBe(`https://hemispherebrief.example.com/issues/${SLUG}/`);
    expect(html).not.toContain('{{');
  });

  it('--platform eml writes an RFC 5322 message a mail client opens as the issue for a sample subscriber', async () => {
    const dir = await project();
    expect((await runCli(['export', '--platform', 'eml'], { cwd: dir })).code).toBe(0);
    const raw = readFileSync(join(dir, 'out', SLUG, 'eml', 'email.eml'));
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe('Trump and Petro’s unlikely Oval Office meeting');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : undefined).toBe('ana@example.com');
    expect(mail.text).toContain('Hi Ana,');
    expect(String(mail.html)).toContain('Hi Ana,');
    expect(String(mail.html)).not.toMatch(/\{\{/);
    const headers = raw.toString('utf8').split(/\r?\n\r?\n/)[0]!;
    expect(headers).toMatch(/^List-Unsubscribe: <https:\/\/hemispherebrief\.example\.com\/unsubscribe>$/m);
    expect(headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
  });

  it('--platform eml composes with the sender settings in .env, as send does (MAIL_FROM, REPLY_TO, UNSUBSCRIBE_URL / _MAILTO)', async () => {
    const dir = await project();
    await writeFile(join(dir, '.env'), [
      'MAIL_FROM="Desk <desk@news.example.org>"',
      'REPLY_TO=editors@news.example.org',
      'UNSUBSCRIBE_URL=https://news.example.org/u',
      'UNSUBSCRIBE_MAILTO=leave@news.example.org',
      '',
    ].join('\n'));
    expect((await runCli(['export', '--platform', 'eml'], { cwd: dir })).code).toBe(0);
    const raw = readFileSync(join(dir, 'out', SLUG, 'eml', 'email.eml'));
    const mail = await simpleParser(raw);
    expect(mail.from?.value[0]).toEqual({ name: 'Desk', address: 'desk@news.example.org' });
    expect(mail.replyTo?.value[0]?.address).toBe('editors@news.example.org');
    const headers = raw.toString('utf8').split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
    expect(headers).toMatch(/^List-Unsubscribe: <https:\/\/news\.example\.org\/u>, <mailto:leave@news\.example\.org\?subject=unsubscribe>$/m);
  });
});
