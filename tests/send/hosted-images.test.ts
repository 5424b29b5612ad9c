import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNewsletterError } from '../../src/errors.ts';
import type { ImageAsset } from '../../src/render/index.ts';
import { verifyHostedImages } from '../../src/send/index.ts';

// Issue 17: a send refuses to go out while the issue's own images are not online at their URLs.

const ONLINE = Buffer.from('the processed chart, as uploaded');
const CHANGED = Buffer.from('an older version of the photo');
let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/assets/online.png') return res.end(ONLINE);
    if (req.url === '/assets/changed.jpg') return res.end(CHANGED);
    res.statusCode = 404;
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function asset(file: string, data: Buffer, at = base): ImageAsset {
  const name = `assets/${file}`;
  return { name, data, bytes: data.byteLength, width: 10, height: 10, type: file.endsWith('.png') ? 'image/png' : 'image/jpeg', source: `content/issues/images/${file}`, url: at + name };
}

describe('the issue’s images are online before a send', () => {
  it('passes when every image is served byte for byte', async () => {
    await expect(verifyHostedImages([asset('online.png', ONLINE)], { exampleDomain: 'refuse' })).resolves.toEqual([]);
  });

  it('refuses, naming every image that is missing or differs, with the folder to upload', async () => {
    const error = await verifyHostedImages([asset('online.png', ONLINE), asset('missing.png', ONLINE), asset('changed.jpg', Buffer.from('the new photo'))], { exampleDomain: 'refuse' }).catch((e: unknown) => e);
    expect(isNewsletterError(error) && error.code).toBe('EIMAGES');
    const message = (error as Error).message;
    expect(message).toContain('2 of the issue\'s 3 images are not online');
    expect(message).toContain(`${base}assets/missing.png answers HTTP 404 (content/issues/images/missing.png)`);
    expect(message).toMatch(/changed\.jpg serves other bytes/);
    expect(message).not.toContain('online.png answers');
    expect((error as { fix?: string }).fix).toContain(`upload them to ${base}assets/`);
    expect((error as { fix?: string }).fix).toMatch(/^Run `newsletter build`/);
  });

  it('refuses when the host cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await verifyHostedImages([asset('online.png', ONLINE, `http://127.0.0.1:${port}/`)], { exampleDomain: 'refuse' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/cannot be fetched \(ECONNREFUSED\)/);
  });

  it('refuses a send to the list when the images are at an example domain, without fetching them', async () => {
    const before = requests.length;
    const error = await verifyHostedImages([asset('online.png', ONLINE, 'https://news.example.com/')], { exampleDomain: 'refuse' }).catch((e: unknown) => e);
    expect(requests.length).toBe(before);
    expect(isNewsletterError(error) && error.code).toBe('EIMAGES');
    expect((error as Error).message).toMatch(/example domain \(https:\/\/news\.example\.com\), which is never online.*nothing was sent/);
  });

  it('only warns about an example domain for a --test copy, still without fetching', async () => {
    const before = requests.length;
    const warnings = await verifyHostedImages([asset('online.png', ONLINE, 'https://news.example.com/')], { exampleDomain: 'warn' });
    expect(requests.length).toBe(before);
    expect(warnings.join('\n')).toMatch(/example domain \(https:\/\/news\.example\.com\).*blank boxes/);
  });
});
