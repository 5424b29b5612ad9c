import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSuppression, SUPPRESSION_FILE } from '../../src/audience/suppression.ts';
import { startUnsubscribeServer, type UnsubscribeEvent, type UnsubscribeServer } from '../../src/unsubscribe/index.ts';
import { makeUnsubscribeToken, unsubscribeUrl } from '../../src/audience/token.ts';

const SECRET = 'server-test-secret-0123456789abcdef0123456789';
const LIST = 'brief.example.com';

let state: string;
let server: UnsubscribeServer;
let events: UnsubscribeEvent[];

beforeEach(async () => {
  state = await mkdtemp(join(tmpdir(), 'newsletter-unsubscribe-'));
  events = [];
  server = await startUnsubscribeServer({ port: 0, stateDir: state, secret: SECRET, listId: LIST, listName: 'The Brief', onEvent: (e) => events.push(e) });
});
afterEach(async () => {
  await server.close();
  await rm(state, { recursive: true, force: true });
});

/** The link a recipient gets, pointed at the test server. */
const linkFor = (email: string, path = 'unsubscribe') => unsubscribeUrl(`${server.url}${path}`, email, LIST, SECRET);

const oneClick = (url: string, init: RequestInit = {}) =>
  fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click', redirect: 'manual', ...init });

/** What is on disk, read fresh: the server must have persisted (fsync'd) before answering. */
async function suppressedOnDisk(email: string): Promise<boolean> {
  const s = await loadSuppression(state);
  try {
    return s.has(email);
  } finally {
    await s.close();
  }
}

describe('unsubscribe server over HTTP', () => {
  it('binds to 127.0.0.1 by default', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('POST with List-Unsubscribe=One-Click unsubscribes: 200, no redirect, on disk before the answer', async () => {
    const res = await oneClick(linkFor('Ada@Example.com'));
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('Ada@Example.com is unsubscribed from The Brief.\n');
    expect(await suppressedOnDisk('ada@example.com')).toBe(true);
    expect(server.suppression.has('ada@example.com')).toBe(true);
    expect(events).toEqual([{ kind: 'unsubscribed', email: 'Ada@Example.com' }]);
    const file = await readFile(join(state, SUPPRESSION_FILE), 'utf8');
    expect(file).toMatch(/^Ada@Example\.com,unsubscribed,unsubscribe-server \(one-click\),/m);
  });

  it('accepts the one-click body as multipart/form-data too (some providers send it so)', async () => {
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    const res = await fetch(linkFor('bob@example.com'), { method: 'POST', body: form, redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(await suppressedOnDisk('bob@example.com')).toBe(true);
  });

  it('is idempotent: a second POST answers 200 and writes nothing more', async () => {
    await oneClick(linkFor('ada@example.com'));
    const res = await oneClick(linkFor('ada@example.com'));
    expect(res.status).toBe(200);
    const lines = (await readFile(join(state, SUPPRESSION_FILE), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(events.map((e) => e.kind)).toEqual(['unsubscribed', 'already-unsubscribed']);
  });

  it('GET shows a confirmation page with a button that POSTs, and unsubscribes nobody', async () => {
    const res = await fetch(linkFor('ada@example.com'), { headers: { Accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('Unsubscribe from The Brief?');
    expect(html).toMatch(/<form method="post" action="\?e=ada%40example\.com&amp;t=[A-Za-z0-9_-]{43}">/);
    expect(html).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    expect(html).toMatch(/<button type="submit">Unsubscribe<\/button>/);
    // A HEAD (what some scanners send) changes nothing either.
    expect((await fetch(linkFor('ada@example.com'), { method: 'HEAD' })).status).toBe(200);
    expect(await suppressedOnDisk('ada@example.com')).toBe(false);
    expect(server.suppression.has('ada@example.com')).toBe(false);
    await expect(readFile(join(state, SUPPRESSION_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('submitting the confirmation form (what a browser does) unsubscribes, with an HTML answer', async () => {
    const page = await (await fetch(linkFor('ada@example.com'))).text();
    const action = /action="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&');
    const res = await oneClick(new URL(action, linkFor('ada@example.com')).toString(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You are unsubscribed');
    expect(await suppressedOnDisk('ada@example.com')).toBe(true);
  });

  it('GET after unsubscribing says so instead of asking again', async () => {
    await oneClick(linkFor('ada@example.com'));
    expect(await (await fetch(linkFor('ada@example.com'))).text()).toContain('You were already unsubscribed');
  });

  it('escapes the address on the page', async () => {
    // Only someone with the secret can sign such an address, but the page must never trust the URL.
    const html = await (await fetch(linkFor('<img src=x>@example.com'))).text();
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x&gt;@example.com');
  });

  const forged = () => {
    const mallorys = new URL(linkFor('mallory@example.com'));
    const url = new URL(linkFor('ada@example.com'));
    url.searchParams.set('t', mallorys.searchParams.get('t')!);
    return url.toString();
  };
  const tampered = () => {
    const url = new URL(linkFor('ada@example.com'));
    const t = url.searchParams.get('t')!;
    url.searchParams.set('t', (t[0] === 'A' ? 'B' : 'A') + t.slice(1));
    return url.toString();
  };
  const otherSecret = () => unsubscribeUrl(`${server.url}unsubscribe`, 'ada@example.com', LIST, 'not-the-secret');
  const noToken = () => `${server.url}unsubscribe?e=ada%40example.com`;
  const noAddress = () => `${server.url}unsubscribe?t=${makeUnsubscribeToken('ada@example.com', LIST, SECRET)}`;

  it.each([
    ['another address’s token', forged],
    ['a tampered token', tampered],
    ['a token signed with another secret', otherSecret],
    ['no token', noToken],
    ['no address', noAddress],
  ])('refuses %s with 400 and changes nothing (POST and GET)', async (_label, url) => {
    const post = await oneClick(url());
    expect(post.status).toBe(400);
    expect(await post.text()).toBe('This unsubscribe link is not valid.\n');
    const get = await fetch(url());
    expect(get.status).toBe(400);
    expect(await get.text()).toContain('This unsubscribe link is not valid');
    expect(server.suppression.size).toBe(0);
    await expect(readFile(join(state, SUPPRESSION_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(events.every((e) => e.kind === 'refused' && e.status === 400)).toBe(true);
  });

  it.each([
    ['an empty body', ''],
    ['another value', 'List-Unsubscribe=Yes'],
    ['another field', 'unsubscribe=One-Click'],
  ])('refuses a POST with %s instead of List-Unsubscribe=One-Click (400, nothing changes)', async (_label, body) => {
    const res = await oneClick(linkFor('ada@example.com'), { body });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/List-Unsubscribe=One-Click/);
    expect(server.suppression.size).toBe(0);
  });

  it('refuses a body far larger than a one-click request (413)', async () => {
    const res = await oneClick(linkFor('ada@example.com'), { body: `List-Unsubscribe=One-Click&pad=${'x'.repeat(100_000)}` });
    expect(res.status).toBe(413);
    expect(server.suppression.size).toBe(0);
  });

  it('answers 405 to other methods', async () => {
    const res = await fetch(linkFor('ada@example.com'), { method: 'PUT', body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(server.suppression.size).toBe(0);
  });

  it('works on any path, so the public URL can be /unsubscribe or / behind a proxy', async () => {
    expect((await oneClick(linkFor('a@example.com', ''))).status).toBe(200);
    expect((await oneClick(linkFor('b@example.com', 'lists/brief/unsubscribe'))).status).toBe(200);
    expect(server.suppression.size).toBe(2);
  });
});

describe('startUnsubscribeServer options', () => {
  it('explains a port that is in use', async () => {
    const port = Number(new URL(server.url).port);
    await expect(startUnsubscribeServer({ port, stateDir: state, secret: SECRET, listId: LIST })).rejects.toMatchObject({
      code: 'EUSAGE',
      message: expect.stringContaining('the port is in use'),
      fix: expect.stringContaining('--port'),
    });
  });

  it('refuses to start without a secret', async () => {
    await expect(startUnsubscribeServer({ port: 0, stateDir: state, secret: '', listId: LIST })).rejects.toMatchObject({ code: 'ECONFIG', where: 'UNSUBSCRIBE_SECRET' });
  });
});
