import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { NewsletterError } from '../errors.ts';
import { loadSuppression, openFeedback, type FeedbackRecorder, type FeedbackRules, type Suppression, verifyUnsubscribeToken } from '../audience/index.ts';
import { missingSecretError } from '../config/index.ts';
import { mirroredSuppression, type RedisSuppression } from '../redis/index.ts';
import { anyWebhook, createWebhookReceiver, webhookRoute, type WebhookConfig, type WebhookEvent, type WebhookProvider, type WebhookReceiver } from '../webhooks/index.ts';
import { BodyTooLarge, isOneClick, readBody } from './body.ts';
import { confirmPage, donePage, invalidPage } from './page.ts';

export interface UnsubscribeServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1: put an HTTPS reverse proxy in front for the public URL. */
  host?: string;
  /** Where suppression.csv lives (default .newsletter). */
  stateDir?: string;
  /** The UNSUBSCRIBE_SECRET the links were signed with. */
  secret: string;
  /** The newsletter's listId (newsletter.yml): part of every token. */
  listId: string;
  /** Shown on the pages (default: the listId). */
  listName?: string;
  /** Told about every request that was acted on or refused, for the CLI to log. */
  onEvent?: (event: UnsubscribeEvent) => void;
  /** ESP webhooks served at …/webhooks/<provider>; a provider absent here answers 404 with a hint. */
  webhooks?: WebhookConfig;
  /** The ledger webhook events are recorded in (default: opened in stateDir when a webhook is configured, closed on close). */
  feedback?: FeedbackRecorder;
  /** Soft bounces that suppress (N in D days) for the ledger the server opens itself (default: DEFAULT_FEEDBACK_RULES). */
  feedbackRules?: Partial<FeedbackRules> | undefined;
  /**
   * The suppression list shared in Redis (--queue), connected and closed by the caller: every
   * address the server suppresses (one-click, webhooks) is written there first, then to
   * suppression.csv. A Redis failure fails the request (500, retried by the sender) before the
   * local line is written.
   */
  mirror?: SuppressionMirror | undefined;
}

export interface SuppressionMirror {
  redis: RedisSuppression;
  /** The --queue URL without its password, for error messages. */
  display: string;
}

export type UnsubscribeEvent =
  | { kind: 'unsubscribed'; email: string }
  | { kind: 'already-unsubscribed'; email: string }
  | { kind: 'refused'; status: number; reason: string }
  | { kind: 'error'; error: unknown }
  | WebhookEvent;

export interface UnsubscribeServer {
  /** Base URL, e.g. http://127.0.0.1:8025/ */
  url: string;
  suppression: Suppression;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  // The page loads nothing, runs nothing, and can only post back to itself.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  // The URL carries the address and its token: never hand it to another site.
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** What the routes answer from; one per server. */
interface UnsubscribeContext {
  secret: string;
  listId: string;
  listName: string;
  suppression: Suppression;
  emit: (event: UnsubscribeEvent) => void;
  webhooks: WebhookReceiver;
  feedback: FeedbackRecorder | undefined;
}

/**
 * The one-click unsubscribe endpoint (RFC 8058) that List-Unsubscribe points at.
 *
 *   POST ?e=<address>&t=<token>  body List-Unsubscribe=One-Click
 *        → token checked, address added to the suppression list (fsync'd), 200, no redirect.
 *   GET  ?e=…&t=…  → a confirmation page whose button makes that POST. A GET
 *        never unsubscribes: mail scanners and link previews fetch every URL.
 *   A missing, forged or altered token → 400, and nothing changes.
 *
 * Any path is accepted, so the public URL can be /unsubscribe behind a proxy; except a path ending in
 * /webhooks/<ses|sendgrid|mailgun|postmark>: an ESP's bounce and complaint events (src/webhooks/).
 */
export async function startUnsubscribeServer(options: UnsubscribeServerOptions): Promise<UnsubscribeServer> {
  const { secret, listId } = options;
  if (!secret) throw missingSecretError();
  const host = options.host ?? '127.0.0.1';
  const stateDir = options.stateDir ?? '.newsletter';
  // Before anything is opened: a bad key in the config throws here.
  const webhooks = createWebhookReceiver(options.webhooks);
  const local = await loadSuppression(stateDir);
  // Both the one-click route and the webhooks' ledger write through this one list.
  const suppression = options.mirror ? mirroredSuppression(local, options.mirror.redis, options.mirror.display) : local;
  const ownFeedback = !options.feedback && anyWebhook(options.webhooks) ? await openOwnFeedback(stateDir, suppression, options.feedbackRules) : undefined;
  const feedback = options.feedback ?? ownFeedback;
  const ctx: UnsubscribeContext = { secret, listId, listName: options.listName ?? listId, suppression, emit: options.onEvent ?? (() => {}), webhooks, feedback };
  const server = createServer((req, res) => {
    handle(ctx, req, res).catch((error: unknown) => answerFailure(ctx, req, res, error));
  });
  // Bounded waits for slow or idle clients.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;

  try {
    // once() rejects with the 'error' event (port in use, no permission) if it comes first.
    await once(server.listen(options.port, host), 'listening');
  } catch (cause) {
    await ownFeedback?.close();
    await suppression.close();
    throw listenError(cause, options.port, host);
  }

  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${shownHost}:${address.port}/`, suppression, close: () => closeServer(server, suppression, ownFeedback) };
}

/** The ledger on the same suppression list the server already holds; the list is closed if it cannot be opened. */
async function openOwnFeedback(stateDir: string, suppression: Suppression, rules: Partial<FeedbackRules> = {}): Promise<FeedbackRecorder> {
  try {
    return await openFeedback({ stateDir, suppression, ...rules });
  } catch (error) {
    await suppression.close();
    throw error;
  }
}

async function handle(ctx: UnsubscribeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://localhost');
  const provider = webhookRoute(url.pathname);
  if (provider) return receiveWebhook(ctx, provider, req, res);
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return send(res, req, 405, 'Method not allowed\n', 'text', { Allow: 'GET, HEAD, POST' });
  const email = url.searchParams.get('e') ?? '';
  const token = url.searchParams.get('t') ?? '';
  if (!email || !token) return refuseLink(ctx, req, res, method, 'no address or token in the URL');
  if (!verifyUnsubscribeToken(token, email, ctx.listId, ctx.secret)) return refuseLink(ctx, req, res, method, 'token does not match the address');
  if (method !== 'POST') return showConfirmation(ctx, req, res, email, token);
  return unsubscribeOneClick(ctx, req, res, email);
}

/** A missing, forged or altered link: 400 and nothing changes (a POST body is drained unread). */
function refuseLink(ctx: UnsubscribeContext, req: IncomingMessage, res: ServerResponse, method: string, reason: string): void {
  ctx.emit({ kind: 'refused', status: 400, reason });
  if (method === 'POST') req.resume();
  return method === 'POST' && !wantsHtml(req) ? send(res, req, 400, 'This unsubscribe link is not valid.\n', 'text') : send(res, req, 400, invalidPage(), 'html');
}

/** GET/HEAD: never unsubscribes; shows the page whose button makes the one-click POST (or says it is already done). */
function showConfirmation(ctx: UnsubscribeContext, req: IncomingMessage, res: ServerResponse, email: string, token: string): void {
  if (ctx.suppression.has(email)) return send(res, req, 200, donePage(email, ctx.listName, true), 'html');
  // Post back to this same URL, relative, so it works behind a proxy that rewrites the path.
  const action = `?${new URLSearchParams({ e: email, t: token }).toString()}`;
  send(res, req, 200, confirmPage(email, ctx.listName, action), 'html');
}

/** POST with body List-Unsubscribe=One-Click (RFC 8058): record the address, then answer the POST itself, no redirect. */
async function unsubscribeOneClick(ctx: UnsubscribeContext, req: IncomingMessage, res: ServerResponse, email: string): Promise<void> {
  const body = await readBodyOrRefuse(ctx, req, res);
  if (body === undefined) return;
  if (!isOneClick(req.headers['content-type'], body)) {
    ctx.emit({ kind: 'refused', status: 400, reason: 'POST body is not List-Unsubscribe=One-Click' });
    return send(res, req, 400, 'Expected a form body List-Unsubscribe=One-Click (RFC 8058).\n', 'text');
  }
  const added = await ctx.suppression.add(email, 'unsubscribed', 'unsubscribe-server (one-click)');
  ctx.emit({ kind: added ? 'unsubscribed' : 'already-unsubscribed', email });
  if (wantsHtml(req)) return send(res, req, 200, donePage(email, ctx.listName, !added), 'html');
  send(res, req, 200, `${email} is unsubscribed from ${ctx.listName}.\n`, 'text');
}

/** The request body, or undefined once a too-large one has been answered with 413. */
async function readBodyOrRefuse(ctx: UnsubscribeContext, req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
  try {
    return await readBody(req);
  } catch (error) {
    if (!(error instanceof BodyTooLarge)) throw error;
    ctx.emit({ kind: 'refused', status: 413, reason: error.message });
    res.setHeader('Connection', 'close');
    send(res, req, 413, 'Request body too large.\n', 'text');
    return undefined;
  }
}

/** An ESP's POST: verified and recorded by src/webhooks, answered here (200 only once every event is recorded). */
async function receiveWebhook(ctx: UnsubscribeContext, provider: WebhookProvider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const answer = await ctx.webhooks.receive(provider, req, ctx.feedback);
  ctx.emit(answer.event);
  send(res, req, answer.status, answer.body, 'text', answer.headers);
}

function answerFailure(ctx: UnsubscribeContext, req: IncomingMessage, res: ServerResponse, error: unknown): void {
  ctx.emit({ kind: 'error', error });
  // Never claim success when the address was not recorded: the client can retry.
  if (!res.headersSent) send(res, req, 500, 'Could not record the unsubscribe; please try again.\n', 'text');
  else res.destroy();
}

function send(res: ServerResponse, req: IncomingMessage, status: number, body: string, type: 'html' | 'text', extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': type === 'html' ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...extra,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

const wantsHtml = (req: IncomingMessage) => /\btext\/html\b/.test(req.headers.accept ?? '');

function listenError(cause: unknown, port: number, host: string): NewsletterError {
  const code = (cause as NodeJS.ErrnoException).code;
  return new NewsletterError('EUSAGE', `Cannot listen on ${host}:${port}: ${code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied' : (cause as Error).message}`, {
    where: `--port ${port}`,
    fix: code === 'EADDRINUSE' ? 'Stop whatever uses it, or pass another --port.' : 'Pass a port above 1024 with --port, and a local address with --host.',
    cause,
  });
}

async function closeServer(server: Server, suppression: Suppression, ownFeedback: FeedbackRecorder | undefined): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  // The ledger writes to the suppression list: closed first.
  await ownFeedback?.close();
  await suppression.close();
}
