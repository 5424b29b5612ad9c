import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { escapeHtml } from '../content/index.ts';
import { NewsletterError } from '../errors.ts';

/** Content types of what the archive writes (IANA media types; feed+json from https://www.jsonfeed.org/version/1.1/). */
const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  xml: 'application/xml',
  json: 'application/json',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
};
const SPECIAL: Readonly<Record<string, string>> = { 'feed.xml': 'application/atom+xml', 'feed.json': 'application/feed+json' };

export function contentType(path: string): string {
  return SPECIAL[path] ?? TYPES[/\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

export interface SiteServer {
  /** The site's URL: http://127.0.0.1:PORT<mount>. */
  url: string;
  port: number;
  /** Serve another build (after a rebuild). */
  replace(files: ReadonlyMap<string, Buffer>): void;
  close(): Promise<void>;
}

type Answer = { status: number; type: string; body: string | Buffer; location?: string };

const page = (status: number, title: string, text: string, home: string): Answer => ({
  status,
  type: 'text/html; charset=utf-8',
  body: `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p><p><a href="${escapeHtml(home)}">All issues</a></p></main></body></html>\n`,
});

/** What a GET of `rawPath` answers, from the site's files mounted at `mount` ("/issues/"). */
export function answer(files: ReadonlyMap<string, Buffer>, mount: string, rawPath: string): Answer {
  const pathname = rawPath.split('?')[0]!;
  if (pathname === '/' && mount !== '/') return { status: 302, type: 'text/plain; charset=utf-8', body: `See ${mount}\n`, location: mount };
  if (pathname === mount.slice(0, -1) && mount !== '/') return { status: 301, type: 'text/plain; charset=utf-8', body: `See ${mount}\n`, location: mount };
  if (!pathname.startsWith(mount)) return page(404, 'Not found', `Nothing is published at ${pathname}; the archive is at ${mount}.`, mount);
  let path: string;
  try {
    path = decodeURIComponent(pathname.slice(mount.length));
  } catch {
    return page(400, 'Bad request', 'The address is not a valid URL path.', mount);
  }
  // Files are looked up in memory, so no path can leave the site; a ".." is still refused outright.
  if (path.split('/').some((part) => part === '..' || part === '.') || path.includes('\\') || path.includes('\0'))
    return page(403, 'Refused', 'Paths that climb out of the archive ("..") are refused.', mount);
  const file = path === '' || path.endsWith('/') ? `${path}index.html` : path;
  const data = files.get(file);
  if (data) return { status: 200, type: contentType(file), body: data };
  // A folder asked for without its slash: redirect, so the page's relative links resolve.
  if (files.has(`${path}/index.html`)) return { status: 301, type: 'text/plain; charset=utf-8', body: `See ${mount}${path}/\n`, location: `${mount}${encodeURI(path)}/` };
  return page(404, 'Not found', `There is no page at ${pathname}.`, mount);
}

function send(res: ServerResponse, a: Answer, head: boolean): void {
  res.writeHead(a.status, {
    'content-type': a.type,
    'content-length': Buffer.byteLength(a.body),
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(a.location ? { location: a.location } : {}),
  });
  res.end(head ? undefined : a.body);
}

/**
 * Serve the site on 127.0.0.1 only (a preview of what a static host serves), at the path of its
 * URL: `siteUrl: https://example.com/issues/` is served at http://127.0.0.1:PORT/issues/.
 */
export async function serveSite(initial: ReadonlyMap<string, Buffer>, options: { port: number; mount: string }): Promise<SiteServer> {
  let files = initial;
  const { mount } = options;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Only GET and HEAD\n');
      return;
    }
    send(res, answer(files, mount, req.url ?? '/'), req.method === 'HEAD');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause: NodeJS.ErrnoException) => reject(listenError(cause, options.port)));
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${mount}`,
    port,
    replace(next) {
      files = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listenError(cause: NodeJS.ErrnoException, port: number): NewsletterError {
  const inUse = cause.code === 'EADDRINUSE';
  return new NewsletterError('EUSAGE', inUse ? `Port ${port} on 127.0.0.1 is already in use` : `Cannot listen on 127.0.0.1:${port}: ${cause.message}`, {
    fix: inUse ? 'Stop the other server, or pick another port: newsletter archive --serve --port 0 (any free port).' : 'Pick a port above 1024 with --port.',
    cause,
  });
}
