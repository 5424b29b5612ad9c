import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientsStepInput, ClientsStepResult, Finding } from '../../src/check/index.ts';
import type { ClientShot } from '../../src/clients/index.ts';
import { startPreviewServer, type PreviewServer } from '../../src/preview/index.ts';
import { clientsFor, clientsParam, type ClientsAnswer, type ClientsRequest } from '../../src/preview/clients-route.ts';
import { headersAsSent, messageAsSent } from '../../src/preview/headers.ts';
import { buildIssue, type BuiltIssue } from '../../src/render/index.ts';
import { SKIP_THUNDERBIRD } from '../helpers/clients.ts';
import { ROOT } from '../helpers/content.ts';
import { fetchText } from './http.ts';

/** A temp folder for a whole describe block (tests/helpers/cli.ts's tempDir goes after each test). */
async function folder(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'newsletter-preview-clients-'));
}

const PNG_BYTES = Buffer.from('\x89PNG\r\n\x1a\n', 'latin1');

/** A stand-in for runClientsStep that writes real files, counts its calls and records when each run was busy. */
function countingRunner(result: (input: ClientsStepInput) => Omit<ClientsStepResult, 'figures' | 'shots'> & { names: string[] }) {
  const calls: ClientsStepInput[] = [];
  const spans: { start: number; end: number }[] = [];
  const runner = async (input: ClientsStepInput): Promise<ClientsStepResult> => {
    calls.push(input);
    const start = Date.now();
    await new Promise((done) => setTimeout(done, 60)); // long enough for a second click to arrive meanwhile
    const { findings, names } = result(input);
    await mkdir(input.outDir, { recursive: true }); // as runClientsStep does
    const files = names.map((n) => join(input.outDir, n));
    await Promise.all(files.map((f) => writeFile(f, PNG_BYTES)));
    if (files.length) await writeFile(join(input.outDir, 'index.html'), '<!doctype html><title>sheet</title>');
    spans.push({ start, end: Date.now() });
    return { findings, shots: files.map(shotOf), figures: { files, sheet: files.length ? join(input.outDir, 'index.html') : undefined, took: { thunderbird: Date.now() - start } } };
  };
  return { runner, calls, spans };
}

/** The shot a file name like `thunderbird-860-light.png` stands for, as runClientsStep returns it. */
function shotOf(file: string): ClientShot {
  const [client, width, scheme] = basename(file, '.png').split('-') as [ClientShot['client'], string, ClientShot['scheme']];
  return { client, width: Number(width), scheme, file };
}

const warning = (id: string, message: string, fix: string): Finding => ({ id: `rendering.${id}`, severity: 'warning', section: 'rendering', message, fix });

describe('the Clients route (clientsFor)', () => {
  let built: BuiltIssue;
  let dir: string;
  beforeAll(async () => {
    built = await buildIssue({ cwd: ROOT });
    dir = await folder();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const request = (key = 'named all'): ClientsRequest => ({
    built,
    key,
    clients: ['thunderbird'],
    compose: async () => ({ eml: await messageAsSent(built, 'named', {}), subject: built.meta.subject }),
  });

  it('gives the clients the message exactly as send composes it for the sample subscriber', async () => {
    // Each composition has its own MIME boundary (and Date, should the second tick): the rest is the same bytes.
    const stable = (text: string) => text.replace(/boundary="[^"]+"/, 'boundary="B"').replace(/^Date: .*$/m, 'Date: D');
    const eml = (await messageAsSent(built, 'named', {})).toString('utf8');
    const headers = await headersAsSent(built, 'named', {});
    const head = headers.slice(0, headers.indexOf('\n\n--- part'));
    expect(stable(eml.replace(/\r\n/g, '\n')).startsWith(`${stable(head)}\n\n--`)).toBe(true);
    expect(eml).toMatch(/^To: .*<ana\.maria@example\.com>\r$/m);
  });

  it('runs once for two clicks that arrive while the run is in flight, and both get the same answer', async () => {
    const { runner, calls } = countingRunner(() => ({ findings: [], names: ['thunderbird-860-light.png'] }));
    const route = clientsFor(dir, join(dir, 'once'), runner);
    const [first, second] = await Promise.all([route.show(request()), route.show(request())]);
    expect(calls).toHaveLength(1);
    expect(second).toBe(first);
    // Once it has finished, a new click is a new run.
    await route.show(request());
    expect(calls).toHaveLength(2);
  });

  it('runs a different request (another subscriber) after the one in flight, never beside it', async () => {
    const { runner, calls, spans } = countingRunner(() => ({ findings: [], names: ['thunderbird-400-dark.png'] }));
    const route = clientsFor(dir, join(dir, 'queued'), runner);
    await Promise.all([route.show(request('named all')), route.show(request('anonymous all'))]);
    expect(calls).toHaveLength(2);
    expect(spans[1]!.start).toBeGreaterThanOrEqual(spans[0]!.end);
  });

  it('lists the PNGs with client, width and scheme, errors first, and serves only its own files', async () => {
    const error: Finding = { id: 'rendering.cta-not-button', severity: 'error', section: 'rendering', message: 'no longer a button', fix: 'border it' };
    const info: Finding = { id: 'rendering.files', severity: 'info', section: 'rendering', message: 'wrote 2' };
    const { runner } = countingRunner(() => ({ findings: [info, warning('skipped', 'Evolution skipped', 'install it'), error], names: ['thunderbird-400-dark.png', 'thunderbird-860-light.png'] }));
    const route = clientsFor(dir, join(dir, 'listed'), runner);
    const answer = (await route.show(request())) as Extract<ClientsAnswer, { files: unknown }>;
    expect(answer.findings.map((f) => f.severity)).toEqual(['error', 'warning', 'info']);
    expect(answer.files[0]).toMatchObject({ name: 'thunderbird-400-dark.png', client: 'thunderbird', width: 400, scheme: 'dark', caption: 'Thunderbird · 400 px · dark' });
    expect(answer.files[0]!.url).toMatch(/^\/clients\/thunderbird-400-dark\.png\?t=\d+$/);
    expect(await route.read('thunderbird-400-dark.png')).toEqual(PNG_BYTES);
    expect((await route.read('index.html'))?.toString()).toContain('sheet');
    await writeFile(join(dir, 'listed', 'notes.txt'), 'secret');
    for (const name of ['notes.txt', '../clients.test.ts', 'evolution-440-dark.png', 'thunderbird-400-dark.png/..']) expect(await route.read(name), name).toBeUndefined();
  });

  it('answers with why and how to fix when every client was skipped or failed', async () => {
    const { runner } = countingRunner(() => ({
      findings: [warning('skipped', 'Thunderbird skipped: thunderbird is not installed', 'Install it: apt-get install thunderbird.'), warning('failed', 'Evolution failed: no window', 'Reinstall it.')],
      names: [],
    }));
    const answer = await clientsFor(dir, join(dir, 'none'), runner).show(request());
    expect(answer).toEqual({
      error: 'No mail client could show the message: Thunderbird skipped: thunderbird is not installed; Evolution failed: no window',
      fix: 'Install it: apt-get install thunderbird. Reinstall it.',
    });
  });

  it.each([
    ['outlook', 'Unknown mail client "outlook"'],
    ['thunderbird,../x', 'Unknown mail client "../x"'],
  ])('refuses ?client=%s', (value, error) => {
    expect(clientsParam(value)).toMatchObject({ error, fix: expect.stringContaining('?client=thunderbird') });
  });

  it('reads ?client= as a list of known clients, and its absence as all of them', () => {
    expect(clientsParam('thunderbird,evolution,thunderbird')).toEqual({ clients: ['thunderbird', 'evolution'] });
    expect(clientsParam(null)).toEqual({ clients: undefined });
  });
});

describe('the preview page has a Clients view', () => {
  let server: PreviewServer;
  beforeAll(async () => {
    server = await startPreviewServer({ cwd: ROOT, contentDir: 'content', port: 0 });
  });
  afterAll(() => server.close());

  it('shows the Clients view button, its panel and the “Show in mail clients” button', async () => {
    const page = await fetchText(server.url);
    expect(page.body).toContain('<button type="button" data-view="clients" aria-pressed="false">Clients</button>');
    expect(page.body).toMatch(/<section data-panel="clients" class="clients">.*<div class="client-shots"><\/div><\/section>/);
    expect(page.body).toContain('<button type="button" id="clients-run">Show in mail clients</button>');
  });

  it('refuses an unknown ?client= before opening anything', async () => {
    const answer = await fetchText(new URL('/clients?client=outlook', server.url).href, { method: 'POST' });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'Unknown mail client "outlook"' });
  });

  it('serves nothing under /clients/ before a run', async () => {
    expect((await fetchText(new URL('/clients/index.html', server.url).href)).status).toBe(404);
  });
});

describe.skipIf(SKIP_THUNDERBIRD)('POST /clients opens the seed in real Thunderbird', () => {
  let server: PreviewServer;
  let dir: string;
  let answers: { status: number; body: ClientsAnswer }[];
  beforeAll(async () => {
    dir = await folder();
    await cp(join(ROOT, 'content'), join(dir, 'content'), { recursive: true });
    server = await startPreviewServer({ cwd: dir, contentDir: 'content', port: 0 });
    // Two clicks at once: one run of the clients answers both.
    const post = () => fetchText(new URL('/clients?who=anonymous&client=thunderbird', server.url).href, { method: 'POST' });
    answers = (await Promise.all([post(), post()])).map((a) => ({ status: a.status, body: JSON.parse(a.body) as ClientsAnswer }));
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const shown = () => answers[0]!.body as Extract<ClientsAnswer, { files: unknown }>;

  it('answers 200 with the four Thunderbird PNGs into out/<slug>/clients/, once for both clicks', () => {
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(shown().dir).toBe(join('out', '2026-02-05-trump-petro-oval-office', 'clients'));
    expect(shown().files.map((f) => f.name).sort()).toEqual(['thunderbird-400-dark.png', 'thunderbird-400-light.png', 'thunderbird-860-dark.png', 'thunderbird-860-light.png']);
    // The same cache-busting stamp and timings: the second answer is the first run's, not a run of its own.
    expect(answers[1]!.body).toEqual(answers[0]!.body);
  });

  it('serves each PNG and the contact sheet, and nothing else from that folder', async () => {
    for (const f of shown().files) {
      const png = await fetchText(new URL(f.url, server.url).href);
      expect(png.type, f.name).toBe('image/png');
      expect(png.body.slice(1, 4)).toBe('PNG');
    }
    const sheet = await fetchText(new URL(shown().sheet, server.url).href);
    expect(sheet.type).toContain('text/html');
    expect(sheet.body).toContain('src="thunderbird-400-dark.png"');
    expect(await readFile(join(dir, shown().dir, 'index.html'), 'utf8')).toBe(sheet.body);
    for (const path of ['/clients/..%2f..%2fcontent%2fnewsletter.yml', '/clients/..%2f..%2f..%2fpackage.json', '/clients/x.txt', '/clients/evolution-440-dark.png'])
      expect((await fetchText(new URL(path, server.url).href)).status, path).toBe(404);
  });

  it('reports what Thunderbird showed, errors first', () => {
    const severities = shown().findings.map((f) => f.severity);
    expect(severities).toEqual([...severities].sort((a, b) => ['error', 'warning', 'info'].indexOf(a) - ['error', 'warning', 'info'].indexOf(b)));
    expect(shown().findings.some((f) => f.id === 'rendering.files')).toBe(true);
    expect(shown().took.thunderbird).toBeGreaterThan(0);
  });
});
