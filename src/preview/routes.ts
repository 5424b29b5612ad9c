import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from '../content/index.ts';
import type { BuiltIssue } from '../render/index.ts';
import type { CheckView } from './check-view.ts';
import { clientsParam, type clientsFor } from './clients-route.ts';
import { forceDarkScheme } from './dark.ts';
import { headersAsSent, messageAsSent } from './headers.ts';
import type { LiveBuild } from './live-build.ts';
import { previewPage } from './page.ts';
import type { BuildOutcome } from './rebuild.ts';
import { sampleId, sampleMessage, type SampleId, type SenderSettings } from './samples.ts';
import type { screenshotsFor } from './screenshots-route.ts';

export const TEXT = 'text/plain; charset=utf-8';
const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json';

/** What the routes answer from; one per preview server. */
export interface PreviewContext {
  live: LiveBuild;
  /** Open /events streams, told about every new build. */
  streams: Set<ServerResponse>;
  screenshots: ReturnType<typeof screenshotsFor>;
  clients: ReturnType<typeof clientsFor>;
  checks: CheckView;
  sender: SenderSettings | undefined;
}

/** A request for a view of the current build, with that build's outcome. */
interface ViewRequest {
  ctx: PreviewContext;
  outcome: BuildOutcome;
  who: SampleId;
  url: URL;
}

type ViewRoute = (view: ViewRequest, res: ServerResponse) => void | Promise<void>;

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

/** The server-sent event the page reloads on. */
export const buildEvent = (generation: number) => `event: build\ndata: ${generation}\n\n`;

/** GET /events: a server-sent event stream, told the current build at once and every later one. */
export function openEvents(ctx: PreviewContext, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(`retry: 1000\n\n`);
  if (ctx.live.generation > 0) res.write(buildEvent(ctx.live.generation));
  ctx.streams.add(res);
  req.on('close', () => ctx.streams.delete(res));
}

/** GET /screenshots/<name>: a PNG the Screenshots button took. */
export async function serveScreenshot(ctx: PreviewContext, name: string, res: ServerResponse): Promise<void> {
  const png = await ctx.screenshots.read(name);
  return png ? send(res, 200, 'image/png', png) : send(res, 404, TEXT, 'No such screenshot\n');
}

/** GET /clients/<name>: a PNG or the contact sheet the Clients button made. */
export async function serveClientsFile(ctx: PreviewContext, name: string, res: ServerResponse): Promise<void> {
  const body = await ctx.clients.read(name);
  if (!body) return send(res, 404, TEXT, 'No such client screenshot\n');
  if (name.endsWith('.png')) return send(res, 200, 'image/png', body);
  // The contact sheet is our own page: its pictures and inline styles, nothing else.
  send(res, 200, HTML, body, { 'content-security-policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'" });
}

/** GET /assets/<hash>.<ext>: one of the current build's local images (the email view points here). */
export async function serveAsset(ctx: PreviewContext, name: string, res: ServerResponse): Promise<void> {
  const outcome = await ctx.live.current();
  const asset = outcome.ok ? outcome.built.assets.find((a) => a.name === `assets/${name}`) : undefined;
  return asset ? send(res, 200, asset.type, Buffer.from(asset.data)) : send(res, 404, TEXT, 'No such image in this issue\n');
}

/** Every other route shows the current build (waiting for one in progress) as the sample subscriber `?who=` names. */
export async function serveView(ctx: PreviewContext, req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
  const outcome = await ctx.live.current();
  const who = sampleId(url.searchParams.get('who'));
  const route = VIEW_ROUTES.get(`${req.method} ${url.pathname}`);
  return route ? route({ ctx, outcome, who, url }, res) : send(res, 404, TEXT, 'Not found\n');
}

function problemText(outcome: Extract<BuildOutcome, { ok: false }>): string {
  const { message, where, fix } = outcome.error;
  return [`The issue cannot be built.`, '', message, where ? `where: ${where}` : '', fix ? `fix: ${fix}` : ''].filter((l, i) => i < 3 || l).join('\n') + '\n';
}

const personalized = ({ ctx, who }: ViewRequest, built: BuiltIssue) => sampleMessage(built, who, ctx.sender).personalized;

function page({ ctx, outcome }: ViewRequest, res: ServerResponse): void {
  send(res, 200, HTML, previewPage(outcome, ctx.live.generation));
}

/**
 * The issue's own images load from the preview rather than from assetsBaseUrl, where they are
 * not uploaded yet: only in what the preview shows, never in what is sent, exported or checked.
 */
function withLocalAssets(html: string, built: BuiltIssue): string {
  return built.assets.reduce((out, asset) => out.replaceAll(escapeHtml(asset.url), `/${asset.name}`), html);
}

function emailHtml(view: ViewRequest, res: ServerResponse): void {
  const { outcome, url } = view;
  if (!outcome.ok) return send(res, 200, HTML, `<!doctype html><meta charset="utf-8"><pre>${escapeHtml(problemText(outcome))}</pre>`);
  const html = withLocalAssets(personalized(view, outcome.built).html, outcome.built);
  send(res, 200, HTML, url.searchParams.get('scheme') === 'dark' ? forceDarkScheme(html) : html);
}

function emailText(view: ViewRequest, res: ServerResponse): void {
  const { outcome } = view;
  send(res, 200, TEXT, outcome.ok ? personalized(view, outcome.built).text : problemText(outcome));
}

function htmlSource(view: ViewRequest, res: ServerResponse): void {
  const { outcome } = view;
  send(res, 200, TEXT, outcome.ok ? personalized(view, outcome.built).html : problemText(outcome));
}

async function headers({ ctx, outcome, who }: ViewRequest, res: ServerResponse): Promise<void> {
  send(res, 200, TEXT, outcome.ok ? await headersAsSent(outcome.built, who, ctx.sender ?? {}) : problemText(outcome));
}

async function checkReport({ ctx, outcome }: ViewRequest, res: ServerResponse): Promise<void> {
  send(res, 200, TEXT, outcome.ok ? await ctx.checks.text(ctx.live.generation) : problemText(outcome));
}

async function takeScreenshots(view: ViewRequest, res: ServerResponse): Promise<void> {
  const { ctx, outcome } = view;
  if (!outcome.ok) return send(res, 409, 'application/json', JSON.stringify({ error: 'The issue cannot be built; fix the problems first.' }));
  const result = await ctx.screenshots.take(outcome.built, personalized(view, outcome.built).html);
  send(res, 'error' in result ? 503 : 200, 'application/json', JSON.stringify(result));
}

/** POST /clients: open the message as sent to `?who=` in the installed mail clients (`?client=` picks some). */
async function showInClients(view: ViewRequest, res: ServerResponse): Promise<void> {
  const { ctx, outcome, who, url } = view;
  if (!outcome.ok) return send(res, 409, JSON_TYPE, JSON.stringify({ error: 'The issue cannot be built; fix the problems first.' }));
  const asked = clientsParam(url.searchParams.get('client'));
  if ('error' in asked) return send(res, 400, JSON_TYPE, JSON.stringify(asked));
  const built = outcome.built;
  const result = await ctx.clients.show({
    built,
    key: `${who} ${asked.clients?.join(',') ?? 'all'}`,
    clients: asked.clients,
    compose: async () => ({ eml: await messageAsSent(built, who, ctx.sender ?? {}), subject: personalized(view, built).subject }),
  });
  send(res, 'error' in result ? 503 : 200, JSON_TYPE, JSON.stringify(result));
}

const VIEW_ROUTES = new Map<string, ViewRoute>([
  ['GET /', page],
  ['GET /email.html', emailHtml],
  ['GET /email.txt', emailText],
  ['GET /source', htmlSource],
  ['GET /headers', headers],
  ['GET /check', checkReport],
  ['POST /screenshots', takeScreenshots],
  ['POST /clients', showInClients],
]);
