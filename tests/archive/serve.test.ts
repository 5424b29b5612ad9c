/**
 * `newsletter archive` as the CLI runs it: the build's report, the marker refusal, and --serve over
 * real HTTP on 127.0.0.1 (index, pages, both feeds with their content types, 404, traversal refused),
 * stopped by SIGINT with exit 0.
 */
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.ts';
import { trackChild } from '../helpers/children.ts';
import { fetchText } from '../preview/http.ts';
import { archiveContent } from './content.ts';

let content: Awaited<ReturnType<typeof archiveContent>>;
beforeEach(async () => {
  content = await archiveContent();
});
afterEach(() => content.remove());

/** A raw request line, so the path reaches the server exactly as written (no client normalizes the ".."). */
function rawGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.end(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

/** Start `newsletter archive --serve --port 0` and wait for the URL it prints. */
function startServe(cwd: string, extra: string[] = []) {
  const child = spawn(process.execPath, [BIN, 'archive', '--serve', '--port', '0', ...extra], { cwd, env: { ...process.env, NO_COLOR: '1' } });
  trackChild(child, 'archive');
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      // The URL block is complete once its last line (the JSON Feed) is out: stdout may come in pieces.
      const m = /^ {2}index: +(http:\/\/127\.0\.0\.1:\d+\/\S*)$/m.exec(stdout);
      if (m && /JSON Feed: .*\n/.test(stdout)) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`archive --serve exited (${code}) before serving:\n${stdout}\n${stderr}`)));
  });
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}

describe('newsletter archive (CLI)', () => {
  it('writes out/site/, reports "N written, M unchanged", then only what changed', async () => {
    const first = await runCli(['archive'], { cwd: content.dir });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('✔ Archive of 3 issues for https://hemispherebrief.example.com/issues/');
    expect(first.stdout).toContain('out/site/: 8 written, 0 unchanged');
    const again = await runCli(['archive'], { cwd: content.dir });
    expect(again.stdout).toContain('out/site/: 0 written, 8 unchanged');
    expect(again.stdout).not.toContain('    + ');
  });

  it('a port out of range, or --port without --serve, is a usage error (exit 1) before anything is written', async () => {
    for (const args of [['--serve', '--port', '99999'], ['--port', '4000']]) {
      const r = await runCli(['archive', ...args], { cwd: content.dir });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/--port (must be at most 65535|is for --serve)/);
      expect(r.stderr).not.toContain('Internal error');
      expect(existsSync(join(content.dir, 'out', 'site'))).toBe(false);
    }
  });

  it('refuses --out on a folder it did not write (exit 2, EOUTPUT), and never wipes it', async () => {
    await mkdir(join(content.dir, 'notes'));
    await writeFile(join(content.dir, 'notes', 'keep.md'), 'mine');
    const r = await runCli(['archive', '--out', '.'], { cwd: content.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('was not written by `newsletter archive`');
    expect(r.stderr).toContain('fix: Pass a new or empty folder');
  });

  it('--serve serves the site at the path of siteUrl over HTTP, with the right content types, until SIGINT (exit 0)', async () => {
    const serve = startServe(content.dir);
    try {
      const url = await serve.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/issues\/$/);
      const { port } = new URL(url);
      expect(serve.output().stdout).toContain(`Atom feed: ${url}feed.xml`);
      expect(serve.output().stdout).toContain(`JSON Feed: ${url}feed.json`);

      const index = await fetchText(url);
      expect(index).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
      expect(index.body).toContain('<h1>The Hemisphere Brief</h1>');
      const page = await fetchText(`${url}2026-02-05-trump-petro-oval-office/`);
      expect(page).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
      expect(page.body).toContain('Trump and Colombia’s Petro Hold Unlikely Oval Office Meeting');
      expect(await fetchText(`${url}feed.xml`)).toMatchObject({ status: 200, type: 'application/atom+xml' });
      expect(await fetchText(`${url}feed.json`)).toMatchObject({ status: 200, type: 'application/feed+json' });
      expect(await fetchText(`${url}sitemap.xml`)).toMatchObject({ status: 200, type: 'application/xml' });
      // The folder without its slash redirects, so the page's relative links resolve; / goes to the archive.
      expect((await fetchText(`${url}week-of-summits`)).headers?.location).toBe('/issues/week-of-summits/');
      expect(await fetchText(`http://127.0.0.1:${port}/`)).toMatchObject({ status: 302, headers: expect.objectContaining({ location: '/issues/' }) });
      const missing = await fetchText(`${url}no-such-issue/`);
      expect(missing).toMatchObject({ status: 404, type: 'text/html; charset=utf-8' });
      expect(missing.body).toContain('Not found');
      for (const path of ['/issues/../../etc/passwd', '/issues/%2e%2e/%2e%2e/etc/passwd', '/issues/..%2f..%2fpackage.json'])
        expect(await rawGet(Number(port), path), path).toMatch(/^HTTP\/1\.1 (403|404) /);
      expect(await rawGet(Number(port), '/issues/%2e%2e/%2e%2e/etc/passwd')).toMatch(/^HTTP\/1\.1 403 /);
    } finally {
      serve.child.kill('SIGINT');
    }
    expect(await serve.exited).toBe(0);
  });

  it('--serve on a port in use: a clear error with the fix', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runCli(['archive', '--serve', '--port', String(port)], { cwd: content.dir, killAfterMs: 30_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(r.stderr).toContain('--port 0');
    } finally {
      blocker.close();
    }
  });
});
