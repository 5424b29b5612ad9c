import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOnline, parseHtml } from '../../src/check/index.ts';

let server: Server;
let base = '';
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url === '/ok') return res.writeHead(200, { 'content-type': 'text/html' }).end('<p>ok</p>');
    if (req.url === '/head-refused') return req.method === 'HEAD' ? res.writeHead(405).end() : res.writeHead(200).end('fine');
    if (req.url === '/big.png') {
      const body = Buffer.alloc(1_500_000);
      return res.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length }).end(req.method === 'HEAD' ? undefined : body);
    }
    if (req.url === '/small.png') return res.writeHead(200, { 'content-type': 'image/png', 'content-length': 10 }).end(req.method === 'HEAD' ? undefined : Buffer.alloc(10));
    if (req.url?.startsWith('/unsubscribe')) return res.writeHead(200).end();
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('--online', () => {
  it('reports each link and image status, and images over 1 MB', async () => {
    const doc = parseHtml(`<html><body>
      <a href="${base}/ok">fine</a> <a href="${base}/missing">gone</a> <a href="${base}/head-refused">picky server</a>
      <a href="${base}/unsubscribe?token=t">Unsubscribe</a> <a href="mailto:a@example.com">mail</a>
      <img src="${base}/big.png" alt="big" width="600"> <img src="${base}/small.png" alt="small" width="10">
    </body></html>`);
    const findings = await checkOnline(doc, { unsubscribeBase: `${base}/unsubscribe` });
    const problems = findings.filter((f) => f.severity !== 'info').map((f) => [f.id, f.severity, f.where]);
    expect(problems).toEqual([
      ['links.broken', 'error', `${base}/missing`],
      ['images.too-large', 'warning', `${base}/big.png`],
    ]);
    expect(findings.at(-1)?.message).toBe('fetched 4 links and 2 images: 5 answered 2xx/3xx');
    // HEAD first; GET only where HEAD was refused; the unsubscribe link never gets a GET.
    expect(seen).toContain('GET /head-refused');
    expect(seen).not.toContain('GET /ok');
    expect(seen.filter((s) => s.includes('/unsubscribe'))).toEqual(['HEAD /unsubscribe?token=t']);
  });

  it('warns about a link that cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const findings = await checkOnline(parseHtml(`<a href="http://127.0.0.1:${port}/x">x</a>`));
    expect(findings.filter((f) => f.severity !== 'info').map((f) => [f.id, f.severity])).toEqual([['links.unreachable', 'warning']]);
  });
});
