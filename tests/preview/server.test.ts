import { once } from 'node:events';
import { copyFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPreviewServer, type PreviewServer } from '../../src/preview/index.ts';
import { tempDir } from '../helpers/cli.ts';
import { FIXTURES, ROOT } from '../helpers/content.ts';
import { fetchText, openEvents, type Answer } from './http.ts';

describe('newsletter preview serves the seed issue over HTTP', () => {
  let server: PreviewServer;
  // The check report takes longest (a render process and SpamAssassin): asked for as soon as the
  // server is up, so it is made while the other tests run; its test awaits it.
  let checkPage: Promise<Answer>;
  beforeAll(async () => {
    server = await startPreviewServer({ cwd: ROOT, contentDir: 'content', port: 0 });
    checkPage = fetchText(new URL('/check', server.url).href);
    checkPage.catch(() => {}); // a failure is reported by the test that awaits it, not as unhandled
  });
  afterAll(() => server.close());

  it('listens on 127.0.0.1 and serves the page with every view and both sample subscribers', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetchText(server.url);
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    for (const view of ['desktop', 'mobile', 'dark', 'text', 'source', 'headers', 'check', 'screenshots']) expect(page.body).toContain(`data-view="${view}"`);
    expect(page.body).toContain('data-who="named"');
    expect(page.body).toContain('data-who="anonymous"');
    expect(page.body).toContain('Trump and Petro’s unlikely Oval Office meeting');
  });

  it('renders the email for the subscriber with a first name, every merge field filled', async () => {
    const email = await fetchText(new URL('/email.html?who=named', server.url).href);
    expect(email.status).toBe(200);
    expect(email.body).toContain('Hi Ana María,');
    expect(email.body).toContain('ana.maria@example.com');
    expect(email.body).not.toContain('{{');
  });

  it('renders the email for the subscriber without a name with the greeting fallback', async () => {
    const email = await fetchText(new URL('/email.html?who=anonymous', server.url).href);
    expect(email.body).toContain('Hi there,');
    expect(email.body).not.toContain('Ana María');
  });

  it('serves the plain-text part as text', async () => {
    const text = await fetchText(new URL('/email.txt?who=anonymous', server.url).href);
    expect(text.type).toContain('text/plain');
    expect(text.body).toContain('Hi there,');
    expect(text.body).toContain('https://hemispherebrief.example.com/unsubscribe?token=preview-sample-token');
    expect(text.body).not.toMatch(/<[a-z]/i);
  });

  it('shows the headers as send would write them, with List-Unsubscribe', async () => {
    const headers = await fetchText(new URL('/headers?who=named', server.url).href);
    expect(headers.body).toMatch(/^From: The Hemisphere Brief <brief@hemispherebrief\.example\.com>$/m);
    expect(headers.body).toMatch(/^To: .*<ana\.maria@example\.com>$/m);
    expect(headers.body).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(headers.body).toContain('Content-Type: multipart/alternative');
  });

  it('serves a dark variant with the template’s dark rules switched on', async () => {
    const dark = await fetchText(new URL('/email.html?scheme=dark', server.url).href);
    expect(dark.body).toMatch(/<style data-preview="dark-emulation">:root\{color-scheme:dark\}\s*\S/);
  });

  it('shows the check report of the seed issue, with 0 errors', { timeout: 120_000 }, async () => {
    const check = await checkPage;
    expect(check.status).toBe(200);
    expect(check.body).toContain('Content validation');
    expect(check.body).toMatch(/^✔ 0 errors, /m);
  });

  it('refuses requests for a foreign host name (DNS rebinding) and unknown paths', async () => {
    expect((await fetchText(server.url, { headers: { host: 'attacker.example' } })).status).toBe(403);
    expect((await fetchText(new URL('/nope', server.url).href)).status).toBe(404);
  });

  it('refuses a POST whose Origin is foreign, "null" or not a URL with 403, never a 500', async () => {
    for (const origin of ['https://attacker.example', 'null', 'not a url', '']) {
      const answer = await fetchText(new URL('/screenshots', server.url).href, { method: 'POST', headers: { origin } });
      expect(answer.status, `Origin: ${JSON.stringify(origin)}`).toBe(403);
      expect(answer.body).toBe('Forbidden origin\n');
    }
  });

  it('answers HEAD or POST on /events at once with 405 and Allow: GET (only GET opens the stream)', async () => {
    for (const method of ['HEAD', 'POST']) {
      const answer = await fetchText(new URL('/events', server.url).href, { method });
      expect(answer.status, method).toBe(405);
      expect(answer.headers?.allow).toBe('GET');
    }
  });
});

describe('newsletter preview on a port in use', () => {
  it('refuses with the port named and a fix', async () => {
    const other = createServer();
    other.listen(0, '127.0.0.1');
    await once(other, 'listening');
    const port = (other.address() as AddressInfo).port;
    try {
      await expect(startPreviewServer({ cwd: ROOT, contentDir: 'content', port })).rejects.toMatchObject({
        code: 'EUSAGE',
        message: `Port ${port} on 127.0.0.1 is already in use`,
        fix: expect.stringContaining('--port 0') as unknown,
      });
    } finally {
      other.close();
    }
  });
});

describe('newsletter preview with bad content', () => {
  it('shows the validation errors on the page, keeps serving, and shows the issue once it is fixed', async () => {
    const dir = await tempDir(join(FIXTURES, 'preview', 'bad-content'));
    const server = await startPreviewServer({ cwd: dir, contentDir: '.', port: 0 });
    const events = openEvents(server.url);
    try {
      const bad = await fetchText(server.url);
      expect(bad.status).toBe(200);
      expect(bad.body).toContain('The issue cannot be built');
      expect(bad.body).toContain('2026-03-01-ports.md:4  error in `subject`: must not be empty');
      expect(bad.body).toContain('Write it like `subject:');
      const text = await fetchText(new URL('/email.txt', server.url).href);
      expect(text.status).toBe(200);
      expect(text.body).toContain('must not be empty');

      const before = await events.buildAfter(0);
      await copyFile(join(FIXTURES, 'preview', 'fixed-issue.md'), join(dir, 'issues', '2026-03-01-ports.md'));
      await events.buildAfter(before);

      const good = await fetchText(server.url);
      expect(good.status).toBe(200);
      expect(good.body).not.toContain('The issue cannot be built');
      expect(good.body).toContain('Pacific ports are busy again');
      expect((await fetchText(new URL('/email.txt?who=named', server.url).href)).body).toContain('Hi Ana María,');
    } finally {
      events.close();
      await server.close();
    }
  });
});
