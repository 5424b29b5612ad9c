import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { placeholder, validateIssue } from '../../src/content/index.ts';
import { compileIssue, compileRendered, personalize, templatePieces, toHandlebars, valuesFor } from '../../src/personalize/index.ts';
import { buildIssue } from '../../src/render/build.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { fixtureConfig, FIXTURES } from '../helpers/content.ts';
import { parseDocument } from '../helpers/render.ts';
import { cliEnv, SEND_FIXTURES } from '../send/helpers.ts';

const FRONT = (subject = 'Braces, {{firstName}}') =>
  `---\nnumber: 1\ndate: 2026-03-01\nsubject: "${subject}"\npreheader: A preheader long enough to keep the length warning quiet here.\n---\n\n# Headline\n\n`;

/** Build an issue whose body is `body`, in a temp content folder with the fixture newsletter.yml. */
async function build(body: string, front = FRONT()) {
  const dir = await tempDir();
  await mkdir(join(dir, 'issues'));
  await copyFile(join(FIXTURES, 'content', 'newsletter.yml'), join(dir, 'newsletter.yml'));
  const file = join(dir, 'issues', 'x.md');
  await writeFile(file, front + body + '\n');
  return buildIssue({ cwd: dir, contentDir: dir, file });
}

function validate(body: string, front = FRONT()) {
  return validateIssue(front + body + '\n', { file: 'issues/x.md', config: fixtureConfig() });
}

/** Every mustache Handlebars finds in a template: only known fields (possibly wrapped in urlEncode) may appear. */
function mustaches(template: string): string[] {
  const found: string[] = [];
  const visit = (node: hbs.AST.Node) => {
    if (node.type === 'ContentStatement' || node.type === 'CommentStatement') return;
    if (node.type !== 'MustacheStatement') return void found.push(node.type);
    const m = node as hbs.AST.MustacheStatement;
    const params = m.params.map((p) => (p as hbs.AST.PathExpression).original);
    found.push([(m.path as hbs.AST.PathExpression).original, ...params].join(' ') + (m.escaped ? '' : ' (unescaped)'));
  };
  Handlebars.parse(template).body.forEach(visit);
  return found;
}
const KNOWN = /^(urlEncode )?(firstName|lastName|email|unsubscribeUrl|webVersionUrl)$/;

const ANA = { email: 'ana@example.com', firstName: 'Ana' };

describe('braces in content: one tokenizer, nothing evaluated', () => {
  it.each([
    ['\\\\{{#each this}}[\\\\{{@key}}]\\\\{{/each}}', '\\{{#each this}}[\\{{@key}}]\\{{/each}}'],
    ['\\\\{{log 1}}', '\\{{log 1}}'],
    ['\\\\{{> x}}', '\\{{> x}}'],
    ['\\{{firstName}}', '{{firstName}}'],
    ['\\\\\\{{x}}', '\\\\{{x}}'],
    ['\\\\{{firstName}}', '\\{{firstName}}'],
    ['\\{{{{raw}}}} and \\{{{firstName}}}', '{{{{raw}}}} and {{{firstName}}}'],
    ['{**{{firstName}}**} and a\\\\**{{firstName}}**}', '{Ana} and a\\Ana}'],
  ])('%s builds, reaches Handlebars with no mustache but known fields, and reads %s', async (written, reads) => {
    const built = await build(`Text: ${written} end.`);
    const compiled = compileRendered(built.props, built);
    for (const t of [built.html, built.text]) expect(mustaches(t).filter((m) => !KNOWN.test(m))).toEqual([]);
    const out = personalize(compiled, valuesFor(built.props, ANA, 'https://news.example.com/u'));
    const para = [...parseDocument(out.html).querySelectorAll('p')].map((p) => p.textContent).find((t) => t?.startsWith('Text:'));
    expect(para).toBe(`Text: ${reads} end.`);
    // The text part: the same characters (a word joiner may keep a literal "{" off a field's braces).
    expect(out.text.replaceAll('\u2060', '')).toContain(`Text: ${reads} end.`);
  });

  it.each([
    ['{{!comment}}', 'unknown merge field {{!comment}}'],
    ['{{{{raw}}}}', 'braces'],
    ['{{log 1}}', 'unknown merge field {{log 1}}'],
    ['{{> x}}', 'unknown merge field {{> x}}'],
    ['{{firstName}', 'never closed'],
  ])('%s is refused with a validation error', (written, message) => {
    const r = validate(`Text: ${written} end.`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.message).join('\n')).toContain(message);
    expect(r.errors[0]!.line).toBe(10);
  });

  it('triple braces are refused in the body and the subject, with the fix "write {{firstName}}"', () => {
    for (const r of [validate('Hi {{{firstName}}}.'), validate('Hi.', FRONT('Hi {{{firstName}}}'))]) {
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.errors[0]!.message).toMatch(/triple braces/);
      expect(r.errors[0]!.fix).toContain('Write {{firstName}}');
    }
  });

  it('build, export and send --dry-run all refuse {{{firstName}}} (exit 1, same message); no template can hold an unescaped field', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'issues'));
    await copyFile(join(SEND_FIXTURES, 'content', 'newsletter.yml'), join(dir, 'newsletter.yml'));
    const file = join(dir, 'issues', '2026-03-01-x.md');
    await writeFile(file, FRONT() + 'Hi {{{firstName}}}.\n');
    const list = join(dir, 'list.csv');
    await writeFile(list, 'email,first_name\na@example.com,<b>x</b>\n');
    const env = cliEnv(undefined, { SMTP_URL: 'smtp://127.0.0.1:9' });
    for (const args of [['build'], ['export', '--platform', 'eml'], ['send', '--to', list, '--state', join(dir, 'state'), '--dry-run']]) {
      const r = await runCli([...args, file, '--content', dir, '--out', join(dir, 'out')], { cwd: dir, env });
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr).toContain('triple braces {{{firstName}}} are not a merge field');
    }
    expect(() => compileIssue({ html: '{{{firstName}}}', text: '', subject: '', preheader: '' })).toThrow(/never writes/);
  });

  it('the final templates (HTML, text, subject) parse with Handlebars into known fields only, even for hostile front matter', async () => {
    const built = await build('Body.', FRONT('\\\\\\\\{{log 1}} {{firstName}}\\\\\\\\'));
    const c = compileRendered(built.props, built);
    expect(c.subject(valuesFor(built.props, ANA, 'https://u.example.com'))).toBe('\\{{log 1}} Ana\\\\');
    expect(built.meta.subject).toBe('\\{{log 1}} {{firstName}}\\\\');
    expect(mustaches(built.html).filter((m) => !KNOWN.test(m))).toEqual([]);
  });
});

const HOSTILE = [
  { email: 'a@example.com', firstName: 'evil.com/' },
  { email: 'b@example.com', firstName: 'x&admin=1#' },
  { email: 'tag+news@example.com', firstName: '<b>x</b>' },
];
const LINK = 'https://example.com/u/{{firstName}}?n={{firstName}}&e={{email}}';

function expectIntendedLink(href: string, who: (typeof HOSTILE)[number]) {
  const url = new URL(href);
  expect(url.host).toBe('example.com');
  expect(url.pathname).toBe(`/u/${encodeURIComponent(who.firstName)}`);
  expect([...url.searchParams.keys()]).toEqual(['n', 'e']);
  expect(url.searchParams.get('n')).toBe(who.firstName);
  expect(url.searchParams.get('e')).toBe(who.email);
  expect(url.hash).toBe('');
}

describe('merge fields inside link URLs', () => {
  it('a field in the host (or scheme, userinfo, port) is refused at build time with file:line and a fix', () => {
    for (const url of ['https://{{firstName}}.example.com/', 'https://example.com:{{firstName}}/', 'https://{{firstName}}@example.com/']) {
      const r = validate(`A [link](${url}).`);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.errors[0]).toMatchObject({ file: 'issues/x.md', line: 10 });
      expect(r.errors[0]!.fix).toContain('put the field in the path or query');
    }
    const cta = validateIssue(FRONT().replace('---\n\n#', 'cta: { label: Go, url: "https://{{firstName}}.example.com" }\n---\n\n#') + 'Body.\n', { file: 'issues/x.md', config: fixtureConfig() });
    expect(cta.ok).toBe(false);
    if (!cta.ok) expect(cta.errors[0]).toMatchObject({ line: 6, field: 'cta.url' });
  });

  it.each(HOSTILE)('values are percent-encoded for their place in the URL, in HTML and text ($firstName)', async (who) => {
    const built = await build(`A [link](${LINK}) here.`);
    const c = compileRendered(built.props, built);
    const values = valuesFor(built.props, who, 'https://news.example.com/u');
    const out = personalize(c, values);
    const a = [...parseDocument(out.html).querySelectorAll('a')].find((el) => el.textContent === 'link')!;
    expectIntendedLink(a.getAttribute('href')!, who);
    expect(out.html).not.toContain('<b>x</b>');
    expectIntendedLink(/link (https:\/\/example\.com\/u\/\S*)/.exec(out.text.replace(/\s+/g, ' '))![1]!, who);
  });

  it('send --dry-run: each reader’s .eml links to the intended host with exactly the intended parameters; nothing evaluated', async () => {
    const dir = await tempDir();
    const content = join(dir, 'content');
    await mkdir(join(content, 'issues'), { recursive: true });
    await copyFile(join(SEND_FIXTURES, 'content', 'newsletter.yml'), join(content, 'newsletter.yml'));
    const issue = join(content, 'issues', '2026-03-01-braces.md');
    await writeFile(issue, FRONT() + `A [link](${LINK}) here. \\\\{{log 1}} \\\\{{> x}} \\\\{{#each this}}[\\\\{{@key}}]\\\\{{/each}}\n`);
    const list = join(dir, 'list.csv');
    await writeFile(list, 'email,first_name\n' + HOSTILE.map((h) => `${h.email},"${h.firstName}"`).join('\n') + '\n');
    const r = await runCli(['send', issue, '--content', content, '--to', list, '--state', join(dir, 'state'), '--dry-run', '--out', join(dir, 'out')], { cwd: dir, env: cliEnv(undefined, { SMTP_URL: 'smtp://127.0.0.1:9' }) });
    expect(r.stderr).not.toMatch(/Internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/^1$/m);
    const outbox = join(dir, 'out', '2026-03-01-braces', 'outbox');
    const files = (await readdir(outbox)).sort();
    expect(files).toHaveLength(3);
    for (const [i, f] of files.entries()) {
      const mail = await simpleParser(await readFile(join(outbox, f)));
      const who = HOSTILE[i]!;
      const doc = parseDocument(String(mail.html));
      expectIntendedLink([...doc.querySelectorAll('a')].find((a) => a.textContent === 'link')!.getAttribute('href')!, who);
      expectIntendedLink(/link (https:\/\/example\.com\/u\/\S*)/.exec(String(mail.text).replace(/\s+/g, ' '))![1]!, who);
      expect(String(mail.html)).not.toContain('<b>x</b>');
      expect(doc.body.textContent).toContain('\\{{log 1}} \\{{> x}} \\{{#each this}}[\\{{@key}}]\\{{/each}}');
      expect(mail.text).toContain('\\{{log 1}} \\{{> x}}');
    }
  });
});

describe('toHandlebars: every literal character survives Handlebars’ lexer', () => {
  it.each(['text', 'html'] as const)('%s: 2,000 random strings of braces, backslashes and fields read back exactly', (mode) => {
    const alphabet = ['{', '}', '\\', 'a', ' ', '\n', placeholder('firstName')];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % alphabet.length;
    for (let n = 0; n < 2000; n++) {
      const marked = Array.from({ length: 1 + (n % 12) }, () => alphabet[next()]).join('');
      const pieces = templatePieces(toHandlebars(marked, mode));
      const decode = (s: string) => (mode === 'html' ? s.replace(/&#(\d+);/g, (_m, c: string) => String.fromCodePoint(Number(c))) : s.replaceAll('\u2060', ''));
      const read = pieces.literals.map(decode).reduce((acc, lit, i) => acc + (i ? placeholder(pieces.slots[i - 1]!.field) : '') + lit, '');
      expect(read, JSON.stringify(marked)).toBe(marked);
    }
  });
});
