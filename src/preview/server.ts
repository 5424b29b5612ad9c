import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { NewsletterError } from '../errors.ts';
import { CheckView } from './check-view.ts';
import { clientsFor } from './clients-route.ts';
import { LiveBuild } from './live-build.ts';
import type { BuildOutcome } from './rebuild.ts';
import { buildEvent, openEvents, send, serveAsset, serveClientsFile, serveScreenshot, serveView, TEXT, type PreviewContext } from './routes.ts';
import type { SenderSettings } from './samples.ts';
import { screenshotsFor } from './screenshots-route.ts';
import { watchFolders } from './watch.ts';
import { projectPath } from '../paths.ts';

export interface PreviewOptions {
  /** The issue file (default: the newest issue in the content folder). */
  file?: string | undefined;
  /** Folder with newsletter.yml and issues/ (default: content). */
  contentDir?: string | undefined;
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1: the preview is for this machine only. */
  host?: string | undefined;
  cwd?: string | undefined;
  /** Where the Screenshots button writes its PNGs (default: out/<slug>/screenshots). */
  screenshotsDir?: string | undefined;
  /** Where the Clients button writes the mail clients' PNGs and contact sheet (default: out/<slug>/clients). */
  clientsDir?: string | undefined;
  /** From/Reply-To/unsubscribe overrides, as `send` would use them (read from the environment by the CLI). */
  sender?: SenderSettings | undefined;
  /** Called after every build (the CLI prints it; domain code does not). */
  onBuild?: ((outcome: BuildOutcome, ms: number) => void) | undefined;
  /** Told once when the watcher falls back to polling, and why (the CLI prints it). */
  onNotice?: ((message: string) => void) | undefined;
}

export interface PreviewServer {
  url: string;
  close(): Promise<void>;
}

const EMAILS_DIR = projectPath('emails') + '/';
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Serve the live preview of an issue. Resolves once the server listens; the first build runs in the background. */
export async function startPreviewServer(options: PreviewOptions): Promise<PreviewServer> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const host = options.host ?? '127.0.0.1';
  const contentDir = resolve(cwd, options.contentDir ?? 'content');
  const streams = new Set<ServerResponse>();
  const live = new LiveBuild({ file: options.file, contentDir }, cwd, (outcome, ms) => {
    for (const s of streams) s.write(buildEvent(live.generation));
    options.onBuild?.(outcome, ms);
  });
  void live.rebuild();
  const folders = [contentDir, EMAILS_DIR];
  if (options.file) folders.push(dirname(resolve(cwd, options.file)));
  // Duplicates and nested folders are fine: watchFolders keeps the outermost of each.
  const watcher = watchFolders(folders, () => void live.rebuild(), { onNotice: options.onNotice });
  const stopWatching = () => void watcher.close();
  const ctx: PreviewContext = {
    live,
    streams,
    screenshots: screenshotsFor(cwd, options.screenshotsDir),
    clients: clientsFor(cwd, options.clientsDir),
    checks: new CheckView({ file: options.file, contentDir }, cwd),
    sender: options.sender,
  };
  const server = createServer((req, res) => {
    handle(ctx, host, req, res).catch((error: unknown) => answerFailure(res, error));
  });
  try {
    // once() rejects with the 'error' event (port in use, no permission) if it comes first.
    await once(server.listen(options.port, host), 'listening');
    await watcher.ready; // once the URL is out, every save is seen
  } catch (cause) {
    stopWatching();
    live.close();
    ctx.checks.close();
    throw listenError(cause, options.port, host);
  }
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${urlHost}:${port}/`, close: () => closePreview(server, ctx, stopWatching) };
}

async function handle(ctx: PreviewContext, host: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(`http://preview.invalid${req.url ?? '/'}`); // never base-relative: "//x" must not become a host
  const refused = refusal(host, req);
  if (refused) return send(res, 403, TEXT, refused);
  if (url.pathname === '/events') return req.method === 'GET' ? openEvents(ctx, req, res) : send(res, 405, TEXT, 'Only GET opens the event stream\n', { allow: 'GET' });
  if (url.pathname.startsWith('/screenshots/') && req.method === 'GET') return serveScreenshot(ctx, url.pathname.slice('/screenshots/'.length), res);
  if (url.pathname.startsWith('/clients/') && req.method === 'GET') return serveClientsFile(ctx, url.pathname.slice('/clients/'.length), res);
  if (url.pathname.startsWith('/assets/') && req.method === 'GET') return serveAsset(ctx, url.pathname.slice('/assets/'.length), res);
  return serveView(ctx, req, url, res);
}

/** Why a request is refused, if it is: the answer to a page of another site that reached this server (DNS rebinding, cross-site POST). */
function refusal(host: string, req: IncomingMessage): string | undefined {
  // DNS-rebinding guard: a loopback server answers only to loopback host names.
  const hostName = (req.headers.host ?? '').replace(/:\d+$/, '');
  if (LOOPBACK_NAMES.has(host) && !LOOPBACK_NAMES.has(hostName)) return 'Forbidden host\n';
  if (req.method === 'POST' && req.headers.origin !== undefined && !LOOPBACK_NAMES.has(originHost(req.headers.origin))) return 'Forbidden origin\n';
  return undefined;
}

/** The host name of an Origin header; '' for one that is not a URL ("null" from a sandboxed page, or garbage), which is refused. */
function originHost(origin: string): string {
  return URL.canParse(origin) ? new URL(origin).hostname : '';
}

/** A failing view must not take the server down: answer with the error and keep serving. */
function answerFailure(res: ServerResponse, error: unknown): void {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (!res.headersSent) send(res, 500, TEXT, `The preview failed to answer this request:\n${message}\n`);
  else res.end();
}

function listenError(cause: unknown, port: number, host: string): NewsletterError {
  const code = (cause as NodeJS.ErrnoException).code;
  return new NewsletterError('EUSAGE', code === 'EADDRINUSE' ? `Port ${port} on ${host} is already in use` : `Cannot listen on ${host}:${port}: ${(cause as Error).message}`, {
    fix: code === 'EADDRINUSE' ? 'Stop the other server or pick another port: newsletter preview --port 0 (any free port).' : 'Use --host 127.0.0.1 and a port above 1024.',
    cause,
  });
}

async function closePreview(server: Server, ctx: PreviewContext, stopWatching: () => void): Promise<void> {
  stopWatching();
  ctx.live.close();
  ctx.checks.close();
  for (const s of ctx.streams) s.end();
  await new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}
