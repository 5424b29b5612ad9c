import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { selectAll } from 'css-select';
import type { Element } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_ISSUE, LOCAL_SLUG, localImageProject } from '../assets/image-fixtures.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server.ts';
import { CLEAN_ENV, cliEnv, writeList } from './helpers.ts';

// Issue 17: a send, --test and --queue refuse while the issue's own images are not online at
// assetsBaseUrl; --dry-run never looks; --skip-image-check sends without looking. The images are
// "hosted" by a node:http server on 127.0.0.1 that serves what the test puts in `hosted`.

const hosted = new Map<string, Buffer>();
const requests: string[] = [];
let web: Server;
let webBase: string;
let smtp: SmtpTestServer;

beforeAll(async () => {
  web = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = hosted.get(req.url ?? '');
    res.statusCode = body ? 200 : 404;
    res.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  webBase = `http://127.0.0.1:${(web.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => web.close(() => resolve())));
beforeEach(async () => {
  hosted.clear();
  requests.length = 0;
  smtp = await startSmtpTestServer();
});
afterEach(() => smtp.close());

/** The local-image project with its images at the test's web server, a list of two, and where its state goes. */
async function project(): Promise<{ dir: string; list: string; state: string }> {
  const dir = await localImageProject();
  const config = join(dir, 'content', 'newsletter.yml');
  await writeFile(config, (await readFile(config, 'utf8')) + `assetsBaseUrl: ${webBase}\n`);
  return { dir, list: await writeList(dir, 2), state: join(dir, 'state') };
}

const send = (dir: string, args: string[]) => runCli(['send', LOCAL_ISSUE, ...args], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(smtp.port) } });

/** Put build's out/<slug>/assets/ online, byte for byte, as an upload would. */
async function upload(dir: string): Promise<string[]> {
  expect((await runCli(['build', LOCAL_ISSUE], { cwd: dir })).code).toBe(0);
  const names = await readdir(join(dir, 'out', LOCAL_SLUG, 'assets'));
  for (const name of names) hosted.set(`/assets/${name}`, await readFile(join(dir, 'out', LOCAL_SLUG, 'assets', name)));
  return names;
}

const journals = async (state: string) => (existsSync(state) ? (await readdir(state)).filter((n) => n.endsWith('.journal.jsonl')) : []);

/** A port nothing listens on: a server is started on port 0 and closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function expectRefused(result: { code: number | null; stderr: string }) {
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/2 of the issue's 2 images are not online at their URLs.*nothing was sent/);
  expect(result.stderr).toContain(`${webBase}assets/`);
  expect(result.stderr).toMatch(/answers HTTP 404 \(content\/issues\/images\/photo\.jpg\)/);
  expect(result.stderr).toMatch(/fix: Run `newsletter build`.*upload them to http:\/\/127\.0\.0\.1:\d+\/assets\//);
}

/** The refusal of a send to the list whose images are on this machine (127.0.0.1): no reader could load them. */
function expectUnreachable(result: { code: number | null; stderr: string }) {
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/2 of the issue's 2 images load from http:\/\/127\.0\.0\.1:\d+, this machine or a private network, which readers’ mail clients cannot reach.*nothing was sent/);
  expect(result.stderr).toMatch(/fix: Set content\/newsletter\.yml assetsBaseUrl to the public https:\/\/ address/);
}

describe('newsletter send checks the issue’s images are online first', () => {
  it('a real send to the list refuses (exit 1) images on this machine, even when they are served: nothing fetched, nothing reaches SMTP, no journal', async () => {
    const { dir, list, state } = await project();
    await upload(dir);
    const result = await send(dir, ['--to', list, '--state', state]);
    expectUnreachable(result);
    expect(requests).toEqual([]);
    expect(smtp.total()).toBe(0);
    expect(await journals(state)).toEqual([]);
  });

  it('--test fetches the images on this machine and refuses (exit 1) while they are missing, naming each', async () => {
    const { dir, state } = await project();
    const result = await send(dir, ['--test', 'me@example.com', '--state', state]);
    expectRefused(result);
    expect(requests.sort()).toEqual(expect.arrayContaining([expect.stringMatching(/^\/assets\/[0-9a-f]{16}\.jpg$/), expect.stringMatching(/^\/assets\/[0-9a-f]{16}\.png$/)]));
    expect(smtp.total()).toBe(0);
  });

  it('--queue refuses before it connects to Redis (a closed port: the refusal is about images, not the queue)', async () => {
    const { dir, list, state } = await project();
    const queue = `redis://127.0.0.1:${await closedPort()}/0`;
    const result = await send(dir, ['--to', list, '--state', state, '--queue', queue]);
    expectUnreachable(result);
    expect(result.stderr).not.toMatch(/redis|queue|ECONNREFUSED/i);
    expect(smtp.total()).toBe(0);
    // The contrast: without the image check the same command gets as far as Redis, and fails there.
    const unchecked = await send(dir, ['--to', list, '--state', state, '--queue', queue, '--skip-image-check']);
    expect(unchecked.code).not.toBe(0);
    expect(unchecked.stderr).toMatch(/redis/i);
  });

  it('--dry-run does not fetch the images', async () => {
    const { dir, list, state } = await project();
    const result = await send(dir, ['--to', list, '--state', state, '--dry-run', '--out', join(dir, 'out')]);
    expect(result.code).toBe(0);
    expect(requests).toEqual([]);
    expect(smtp.total()).toBe(0);
  });

  it('once build’s assets/ are online byte for byte, the --test copy goes out and its HTML loads the images from those URLs', async () => {
    const { dir, state } = await project();
    const names = await upload(dir);
    expect(names).toHaveLength(2);
    const result = await send(dir, ['--test', 'me@example.com', '--state', state]);
    expect(result.stderr).not.toMatch(/EIMAGES|not online/);
    // A copy to yourself may try images on this machine; it says readers could not load them.
    expect(result.stderr).toMatch(/⚠ Warning: 2 of the issue's 2 images load from http:\/\/127\.0\.0\.1:\d+, this machine or a private network/);
    expect(result.code).toBe(0);
    expect(smtp.total()).toBe(1);
    const html = smtp.received[0]!.parsed.html;
    expect(typeof html).toBe('string');
    const sources = selectAll<Element, Element>('img', parseDocument(html as string).children as Element[]).map((img) => img.attribs.src ?? '');
    const own = sources.filter((src) => src.startsWith(webBase));
    expect([...new Set(own)].sort()).toEqual(names.map((n) => `${webBase}assets/${n}`).sort());
    // What the reader's client would load is what build wrote.
    for (const src of new Set(own)) {
      const res = await fetch(src);
      expect(Buffer.from(await res.arrayBuffer()).equals(await readFile(join(dir, 'out', LOCAL_SLUG, new URL(src).pathname.slice(1))))).toBe(true);
    }
    expect(html).not.toMatch(/images\/(photo|shape)/);
  });

  it('--skip-image-check sends to the list without looking, with a warning', async () => {
    const { dir, list } = await project();
    const state = join(await tempDir(), 'state');
    const result = await send(dir, ['--to', list, '--state', state, '--skip-image-check']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/⚠ Warning: --skip-image-check: the issue's 2 images were not checked online/);
    expect(requests).toEqual([]);
    expect(smtp.total()).toBe(2);
  });
});
