import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { NewsletterError } from '../errors.ts';
import { CheckView } from './check-view.ts';
import { forceDarkScheme } from './dark.ts';
import { headersAsSent } from './headers.ts';
import { escapeHtml } from './html.ts';
import { LiveBuild } from './live-build.ts';
import { previewPage } from './page.ts';
import type { BuildOutcome } from './rebuild.ts';
import { sampleId, sampleMessage, type SenderSettings } from './samples.ts';
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
  /** From/Reply-To/unsubscribe overrides, as `send` would use them (read from the environment by the CLI). */
  sender?: SenderSettings | undefined;
  /** Called after every build (the CLI prints it; domain code does not). */
  onBuild?: ((outcome: BuildOutcome, ms: number) => void) | undefined;
}

export interface PreviewServer {
  url: string;
  close(): Promise<void>;
}

const EMAILS_DIR = projectPath('emails') + '/';
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

function problemText(outcome: Extract<BuildOutcome, { ok: false }>): string {
  const { message, where, fix } = outcome.error;
  return [`The issue cannot be built.`, '', message, where ? `where: ${where}` : '', fix ? `fix: ${fix}` : ''].filter((l, i) => i < 3 || l).join('\n') + '\n';
}

/** Serve the live preview of an issue. Resolves once the server listens; the first build runs in the background. */
export async function startPreviewServer(options: PreviewOptions): Promise<PreviewServer> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const host = options.host ?? '127.0.0.1';
  const contentDir = resolve(cwd, options.contentDir ?? 'content');
  const streams = new Set<ServerResponse>();
  const live = new LiveBuild({ file: options.file, contentDir }, cwd, (outcome, ms) => {
    for (const s of streams) s.write(`event: build\ndata: ${live.generation}\n\n`);
    options.onBuild?.(outcome, ms);
  });
  void live.rebuild();
  const folders = [contentDir, EMAILS_DIR];
  if (options.file) folders.push(dirname(resolve(cwd, options.file)));
  const stopWatching = watchFolders([...new Set(folders)], () => void live.rebuild());
  const screenshots = screenshotsFor(cwd, options.screenshotsDir);
  const checks = new CheckView({ file: options.file, contentDir }, cwd);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(`http://preview.invalid${req.url ?? '/'}`); // never base-relative: "//x" must not become a host
    // DNS-rebinding guard: a loopback server answers only to loopback host names.
    const hostName = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (LOOPBACK_NAMES.has(host) && !LOOPBACK_NAMES.has(hostName)) return send(res, 403, 'text/plain; charset=utf-8', 'Forbidden host\n');
    if (req.method === 'POST' && req.headers.origin && !LOOPBACK_NAMES.has(new URL(req.headers.origin).hostname))
      return send(res, 403, 'text/plain; charset=utf-8', 'Forbidden origin\n');

    if (url.pathname === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(`retry: 1000\n\n`);
      if (live.generation > 0) res.write(`event: build\ndata: ${live.generation}\n\n`);
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (url.pathname.startsWith('/screenshots/') && req.method === 'GET') {
      const png = await screenshots.read(url.pathname.slice('/screenshots/'.length));
      return png ? send(res, 200, 'image/png', png) : send(res, 404, 'text/plain; charset=utf-8', 'No such screenshot\n');
    }

    const outcome = await live.current();
    const who = sampleId(url.searchParams.get('who'));
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /':
        return send(res, 200, 'text/html; charset=utf-8', previewPage(outcome, live.generation));
      case 'GET /email.html': {
        if (!outcome.ok) return send(res, 200, 'text/html; charset=utf-8', `<!doctype html><meta charset="utf-8"><pre>${escapeHtml(problemText(outcome))}</pre>`);
        const { html } = sampleMessage(outcome.built, who, options.sender).personalized;
        return send(res, 200, 'text/html; charset=utf-8', url.searchParams.get('scheme') === 'dark' ? forceDarkScheme(html) : html);
      }
      case 'GET /email.txt':
        return send(res, 200, 'text/plain; charset=utf-8', outcome.ok ? sampleMessage(outcome.built, who, options.sender).personalized.text : problemText(outcome));
      case 'GET /source':
        return send(res, 200, 'text/plain; charset=utf-8', outcome.ok ? sampleMessage(outcome.built, who, options.sender).personalized.html : problemText(outcome));
      case 'GET /headers':
        return send(res, 200, 'text/plain; charset=utf-8', outcome.ok ? await headersAsSent(outcome.built, who, options.sender ?? {}) : problemText(outcome));
      case 'GET /check':
        return send(res, 200, 'text/plain; charset=utf-8', outcome.ok ? await checks.text(live.generation) : problemText(outcome));
      case 'POST /screenshots': {
        if (!outcome.ok) return send(res, 409, 'application/json', JSON.stringify({ error: 'The issue cannot be built; fix the problems first.' }));
        const result = await screenshots.take(outcome.built, sampleMessage(outcome.built, who, options.sender).personalized.html);
        return send(res, 'error' in result ? 503 : 200, 'application/json', JSON.stringify(result));
      }
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'Not found\n');
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A failing view must not take the server down: answer with the error and keep serving.
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `The preview failed to answer this request:\n${message}\n`);
      else res.end();
    });
  });
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
  } catch (cause) {
    stopWatching();
    live.close();
    const code = (cause as NodeJS.ErrnoException).code;
    throw new NewsletterError('EUSAGE', code === 'EADDRINUSE' ? `Port ${options.port} on ${host} is already in use` : `Cannot listen on ${host}:${options.port}: ${(cause as Error).message}`, {
      fix: code === 'EADDRINUSE' ? 'Stop the other server or pick another port: newsletter preview --port 0 (any free port).' : 'Use --host 127.0.0.1 and a port above 1024.',
      cause,
    });
  }
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    close: async () => {
      stopWatching();
      live.close();
      checks.close();
      for (const s of streams) s.end();
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
    },
  };
}
