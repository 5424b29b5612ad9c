import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { render } from '@react-email/render';
import { createElement, type FunctionComponent } from 'react';
import { describe, expect, it } from 'vitest';
import { Newsletter } from '../../emails/newsletter.tsx';
import { loadIssue, placeholder } from '../../src/content/index.ts';
import { fillMarked, PREVIEW_ENTRY } from '../../src/render/index.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { ROOT } from '../helpers/content.ts';

const PRIVATE_MARKS = /[\uE000-\uE004]/;

/** A hash of every tracked file, to see that a command changed none of them. */
function trackedFiles(): Map<string, string> {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  return new Map(files.map((f) => [f, hash(join(ROOT, f))]));
}

function hash(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return 'missing';
  }
}

describe('newsletter preview-props (npm run dev)', () => {
  it('writes React Email’s entry into a git-ignored file and changes no tracked file', async () => {
    const before = trackedFiles();
    const result = await runCli(['preview-props']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`✔ ${PREVIEW_ENTRY} now previews content/issues/`);
    // Before: emails/preview-props.generated.ts, a tracked file, was rewritten for every issue.
    expect(spawnSync('git', ['check-ignore', '-q', PREVIEW_ENTRY], { cwd: ROOT }).status, `${PREVIEW_ENTRY} is git-ignored`).toBe(0);
    const changed = [...trackedFiles()].filter(([file, sum]) => before.get(file) !== sum).map(([file]) => file);
    expect(changed).toEqual([]);
  });

  it('fills the merge fields with check’s sample subscriber (Hi Ada,), so React Email shows no {{firstName}}', async () => {
    expect((await runCli(['preview-props'])).code).toBe(0);
    const source = readFileSync(join(ROOT, PREVIEW_ENTRY), 'utf8');
    expect(source).toContain('"greeting": "Hi Ada,"');
    expect(source).not.toContain('{{');
    expect(source).not.toMatch(PRIVATE_MARKS);
    // The entry React Email renders: the whole issue for Ada, her address and a fake token in the footer.
    const entry = (await import(pathToFileURL(join(ROOT, PREVIEW_ENTRY)).href)) as { default: FunctionComponent & { PreviewProps: object } };
    const html = await render(createElement(entry.default, entry.default.PreviewProps));
    expect(html).toContain('Hi Ada,');
    expect(html).toContain('ada.lovelace@example.com');
    expect(html).toContain('href="https://hemispherebrief.example.com/unsubscribe?token=preview-sample-token"');
    expect(html).not.toContain('{{');
    expect(html).not.toMatch(PRIVATE_MARKS);
  });
});

describe('the committed fallback (emails/preview-props.ts)', () => {
  it('gives the template PreviewProps with every field filled, while the real render keeps its marks', async () => {
    const preview = await render(createElement(Newsletter, Newsletter.PreviewProps));
    expect(preview).toContain('Hi Ada,');
    expect(preview).toContain('href="https://hemispherebrief.example.com/unsubscribe?token=preview-sample-token"');
    expect(preview).not.toContain('{{');
    expect(preview).not.toMatch(PRIVATE_MARKS);
    const { props } = await loadIssue({ cwd: ROOT });
    const real = await render(createElement(Newsletter, props));
    expect(real).toContain(placeholder('unsubscribeUrl'));
  });

  it('type-checks with the template and the generated entry (tsc), as on a fresh clone', { timeout: 120_000 }, async () => {
    expect((await runCli(['preview-props'])).code).toBe(0);
    const dir = await tempDir();
    const config = join(dir, 'tsconfig.json');
    const files = ['emails/newsletter.tsx', 'emails/preview-props.ts', PREVIEW_ENTRY].map((f) => join(ROOT, f));
    writeFileSync(config, JSON.stringify({ extends: join(ROOT, 'tsconfig.json'), compilerOptions: { typeRoots: [join(ROOT, 'node_modules', '@types')] }, files }));
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', config], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});

it('fillMarked fills each field with the sample value', () => {
  const values = { firstName: 'Ana María', lastName: 'R', email: 'a+b@example.com', unsubscribeUrl: 'https://u.example/x', webVersionUrl: 'https://w.example/y' };
  expect(fillMarked(`Hi ${placeholder('firstName')},`, values)).toBe('Hi Ana María,');
  expect(fillMarked('no fields', values)).toBe('no fields');
});

it('fillMarked fills as personalize does: percent-encoded inside a URL, a missing value an error rather than "undefined"', () => {
  const values = { firstName: 'Ana María', lastName: 'R', email: 'a+b@example.com', unsubscribeUrl: 'https://u.example/x', webVersionUrl: 'https://w.example/y' };
  // A field inside a URL, as content/merge-fields.ts marks it (markUrl).
  const urlField = '\uE003\uE003email\uE001\uE001';
  expect(fillMarked(`https://r.example/?to=${urlField}&n=${placeholder('firstName')}`, values)).toBe('https://r.example/?to=a%2Bb%40example.com&n=Ana María');
  const { firstName: _omitted, ...missing } = values;
  expect(() => fillMarked(`Hi ${placeholder('firstName')},`, missing as typeof values)).toThrow('no value for {{firstName}}');
});

it('the React Email preview links UNSUBSCRIBE_URL when it is set, as `preview`, check and send do', async () => {
  try {
    const result = await runCli(['preview-props'], { env: { UNSUBSCRIBE_URL: 'https://lists.example.org/leave' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readFileSync(join(ROOT, PREVIEW_ENTRY), 'utf8')).toContain('"unsubscribeUrl": "https://lists.example.org/leave?token=preview-sample-token"');
  } finally {
    // Leave the entry as `npm run dev` writes it without the setting.
    await runCli(['preview-props']);
  }
});

it('shows an issue’s own images in the React Email preview as data: URLs (they are not uploaded yet)', async () => {
  try {
    const result = await runCli(['preview-props', 'examples/site/issues/2026-02-19-after-the-oval-office.md', '--content', 'examples/site']);
    expect(result.code).toBe(0);
    const source = readFileSync(join(ROOT, PREVIEW_ENTRY), 'utf8');
    expect(source).toMatch(/"src": "data:image\/png;base64,iVBORw0KGgo[A-Za-z0-9+/=]+"/);
    expect(source).not.toContain('images/timeline.png');
    expect(source).not.toContain('hemispherebrief.example.com/issues/assets/');
  } finally {
    await runCli(['preview-props']);
  }
});
