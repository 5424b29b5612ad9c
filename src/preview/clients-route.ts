import { readFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { isNewsletterError } from '../errors.ts';
import { CLIENT_NAMES, runClientsStep, shotCaption, type ClientsStepInput, type ClientsStepResult, type Finding } from '../check/index.ts';
import { CLIENTS, type ClientId, type ClientShot, type Scheme } from '../clients/index.ts';
import type { BuiltIssue } from '../render/index.ts';

export interface ClientFile {
  name: string;
  url: string;
  client: ClientId;
  width: number;
  scheme: Scheme;
  /** The client's name, e.g. "Thunderbird". */
  label: string;
  /** e.g. "Thunderbird · 400 px · dark", as the contact sheet captions it. */
  caption: string;
}

export type ClientsAnswer =
  | {
      dir: string;
      /** The contact sheet (index.html beside the PNGs). */
      sheet: string;
      files: ClientFile[];
      findings: Pick<Finding, 'id' | 'severity' | 'message' | 'fix'>[];
      /** How long each client took, in ms. */
      took: Partial<Record<string, number>>;
    }
  | { error: string; fix?: string | undefined };

/** What one click asks for; the message is composed only when a new run starts. */
export interface ClientsRequest {
  built: BuiltIssue;
  /** Tells runs apart: the sample subscriber and the clients asked for. */
  key: string;
  clients: readonly ClientId[] | undefined;
  compose(): Promise<{ eml: Buffer; subject: string }>;
}

/** runClientsStep, or a stand-in in the route's own tests. */
export type ClientsRunner = (input: ClientsStepInput) => Promise<ClientsStepResult>;

const SHEET = 'index.html';
const RANK = { error: 0, warning: 1, info: 2 } as const;

/** `?client=thunderbird` (or a comma-separated list): which clients to open; absent means all installed. */
export function clientsParam(value: string | null): { clients: readonly ClientId[] | undefined } | { error: string; fix: string } {
  if (value === null || value === '') return { clients: undefined };
  const asked = value.split(',').map((c) => c.trim());
  const unknown = asked.filter((c) => !(CLIENTS as readonly string[]).includes(c));
  if (unknown.length) return { error: `Unknown mail client "${unknown[0]}"`, fix: `Use ?client=${CLIENTS.join(' or ?client=')}, or leave it out for all of them.` };
  return { clients: [...new Set(asked)] as ClientId[] };
}

/**
 * The preview's Clients button: open the message in the installed mail clients into a folder,
 * then serve the PNGs and the contact sheet from it. The clients are heavy (about 15 s), so a
 * click while the same run is in flight joins it, and a different one waits for it to end.
 */
export function clientsFor(cwd: string, configuredDir: string | undefined, runner: ClientsRunner = runClientsStep) {
  let lastDir: string | undefined;
  let served = new Set<string>();
  let running: { built: BuiltIssue; key: string; answer: Promise<ClientsAnswer> } | undefined;

  async function runOnce(request: ClientsRequest): Promise<ClientsAnswer> {
    const dir = resolve(cwd, configuredDir ?? join('out', request.built.meta.slug, 'clients'));
    try {
      const { eml, subject } = await request.compose();
      const { findings, shots, figures } = await runner({ eml, subject, outDir: dir, clients: request.clients, cwd });
      if (!shots.length) return nothingShown(findings);
      const stamp = Date.now(); // new URLs, so the browser shows the new pictures, not cached ones
      const files = shots.map((shot) => clientFile(shot, stamp));
      lastDir = dir;
      served = new Set([SHEET, ...files.map((f) => f.name)]);
      return {
        dir: relative(cwd, dir) || '.',
        sheet: `/clients/${SHEET}?t=${stamp}`,
        files,
        findings: [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity]).map(({ id, severity, message, fix }) => ({ id, severity, message, fix })),
        took: figures.took,
      };
    } catch (error) {
      if (isNewsletterError(error)) return { error: error.message, fix: error.fix };
      throw error;
    }
  }

  return {
    show(request: ClientsRequest): Promise<ClientsAnswer> {
      if (running && running.built === request.built && running.key === request.key) return running.answer;
      // One run at a time: two clients' worth of windows writing into the same folder would mix.
      const before = running?.answer.catch(() => undefined);
      const answer = before ? before.then(() => runOnce(request)) : runOnce(request);
      const run = { built: request.built, key: request.key, answer };
      running = run;
      const done = () => {
        if (running === run) running = undefined;
      };
      answer.then(done, done);
      return answer;
    },
    async read(name: string): Promise<Buffer | undefined> {
      // Only our own file names from the last run: no path traversal, no stale files.
      if (!lastDir || !served.has(name)) return undefined;
      return readFile(join(lastDir, name)).catch(() => undefined);
    },
  };
}

function clientFile(shot: ClientShot, stamp: number): ClientFile {
  const name = basename(shot.file);
  return { name, url: `/clients/${name}?t=${stamp}`, client: shot.client, width: shot.width, scheme: shot.scheme, label: CLIENT_NAMES[shot.client], caption: shotCaption(shot) };
}

/** Every client was skipped or failed: say why each, and how to get one going. */
function nothingShown(findings: readonly Finding[]): ClientsAnswer {
  const problems = findings.filter((f) => f.severity !== 'info');
  if (!problems.length) return { error: 'No mail client showed the message.', fix: 'Run newsletter check --clients for details.' };
  return {
    error: `No mail client could show the message: ${problems.map((f) => f.message).join('; ')}`,
    fix: problems.map((f) => f.fix).filter(Boolean).join(' ') || undefined,
  };
}
