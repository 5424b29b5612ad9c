import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNewsletterError } from '../../src/errors.ts';
import type { ImageAsset } from '../../src/render/index.ts';
import { readersReach, verifyHostedImages } from '../../src/send/index.ts';

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
  it('passes a --test copy when every image is served byte for byte, warning that readers could not reach this machine', async () => {
    const warnings = await verifyHostedImages([asset('online.png', ONLINE)], { unreachable: 'warn', setting: 'content/newsletter.yml assetsBaseUrl' });
    expect(warnings.join('\n')).toMatch(/load from http:\/\/127\.0\.0\.1:\d+, this machine or a private network, which readers’ mail clients cannot reach/);
  });

  it('refuses a send to the list from this machine even when it serves every image, without fetching', async () => {
    const before = requests.length;
    const error = await verifyHostedImages([asset('online.png', ONLINE)], { unreachable: 'refuse', setting: 'content/newsletter.yml assetsBaseUrl' }).catch((e: unknown) => e);
    expect(isNewsletterError(error) && error.code).toBe('EIMAGES');
    expect((error as Error).message).toMatch(/this machine or a private network.*nothing was sent/);
    expect((error as { fix?: string }).fix).toMatch(/public https:\/\/ address/);
    expect(requests.length).toBe(before);
  });

  it('passes a send to the list when every image is on a public host and served byte for byte', async () => {
    // A stand-in for the one request: the test may reach nothing but 127.0.0.1.
    const publicFetch: typeof fetch = (input) => {
      expect(input).toBe('https://cdn.hemisphere-brief.net/assets/online.png');
      return Promise.resolve(new Response(ONLINE));
    };
    await expect(verifyHostedImages([asset('online.png', ONLINE, 'https://cdn.hemisphere-brief.net/')], { unreachable: 'refuse', setting: 'content/newsletter.yml assetsBaseUrl', fetch: publicFetch })).resolves.toEqual([]);
  });

  it('refuses, naming every image that is missing or differs, with the folder to upload', async () => {
    const error = await verifyHostedImages([asset('online.png', ONLINE), asset('missing.png', ONLINE), asset('changed.jpg', Buffer.from('the new photo'))], { unreachable: 'warn', setting: 'content/newsletter.yml assetsBaseUrl' }).catch((e: unknown) => e);
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
    const error = await verifyHostedImages([asset('online.png', ONLINE, `http://127.0.0.1:${port}/`)], { unreachable: 'warn', setting: 'content/newsletter.yml assetsBaseUrl' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/cannot be fetched \(ECONNREFUSED\)/);
  });

  it('refuses a send to the list when the images are at an example domain, without fetching them', async () => {
    const before = requests.length;
    const error = await verifyHostedImages([asset('online.png', ONLINE, 'https://news.example.com/')], { unreachable: 'refuse', setting: 'content/newsletter.yml assetsBaseUrl' }).catch((e: unknown) => e);
    expect(requests.length).toBe(before);
    expect(isNewsletterError(error) && error.code).toBe('EIMAGES');
    expect((error as Error).message).toMatch(/load from https:\/\/news\.example\.com, an example domain, which is never online.*nothing was sent/);
  });

  it.each([
    ['http://localhost:8080/', 'private'],
    ['http://10.1.2.3/', 'private'],
    ['http://192.168.0.10/', 'private'],
    ['http://[::1]:8080/', 'private'],
    ['http://[fd00::1]/', 'private'],
    ['https://brief.test/', 'private'],
    ['https://nas.local/', 'private'],
    ['https://intranet/', 'private'],
    ['https://news.example.org/', 'example'],
    ['https://cdn.hemisphere-brief.net/', 'public'],
    ['http://93.184.215.14/', 'public'],
  ] as const)('%s is %s for readers', (base, reach) => {
    expect(readersReach(`${base}assets/x.png`)).toBe(reach);
  });

  it('only warns about an example domain for a --test copy, still without fetching', async () => {
    const before = requests.length;
    const warnings = await verifyHostedImages([asset('online.png', ONLINE, 'https://news.example.com/')], { unreachable: 'warn', setting: 'content/newsletter.yml assetsBaseUrl' });
    expect(requests.length).toBe(before);
    expect(warnings.join('\n')).toMatch(/load from https:\/\/news\.example\.com, an example domain.*blank boxes/);
  });
});
