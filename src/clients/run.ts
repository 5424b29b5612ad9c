import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EVOLUTION_INSTALL, evolutionMissing, renderInEvolution } from './evolution.ts';
import { CLIENTS, isRenderFile, SCHEMES } from './names.ts';
import { renderInThunderbird, THUNDERBIRD_INSTALL, thunderbirdMissing } from './thunderbird.ts';
import type { ClientId, ClientMode, ClientRun, ClientShot } from './types.ts';

/**
 * The widths each client is shown at: a desktop window, and the client's narrowest (Thunderbird's
 * message window with its minimum width lifted; Evolution's message window cannot go below ~450 px).
 */
export const CLIENT_WIDTHS: Readonly<Record<ClientId, readonly [desktop: number, narrow: number]>> = {
  thunderbird: [860, 400],
  evolution: [860, 440],
};


/** Every mode a client is shown in: both widths, light and dark. */
export function clientModes(client: ClientId): ClientMode[] {
  return CLIENT_WIDTHS[client].flatMap((width) => SCHEMES.map((scheme) => ({ width, scheme })));
}

export interface ClientsOptions {
  /** The message as a subscriber receives it. */
  eml: Buffer;
  /** Its subject, as the client shows it in the window title. */
  subject: string;
  /** Where the PNGs go (created when missing). */
  outDir: string;
  /** The clients to try (default: both); one that is not installed is reported as skipped. */
  clients?: readonly ClientId[];
  env?: NodeJS.ProcessEnv;
}

/** A client that did not run: not installed (`skipped`) or failed while rendering (`failed`). */
export interface ClientProblem {
  client: ClientId;
  kind: 'skipped' | 'failed';
  message: string;
  fix: string;
}

export interface ClientsResult {
  shots: ClientShot[];
  problems: ClientProblem[];
  /** How long each client took, in ms. */
  took: Partial<Record<ClientId, number>>;
}

/** Render the message in every installed client, the clients side by side (each one's modes in turn). */
export async function renderInClients(options: ClientsOptions): Promise<ClientsResult> {
  await mkdir(options.outDir, { recursive: true });
  const env = options.env ?? process.env;
  const clients = options.clients ?? CLIENTS;
  await removeEarlierRenders(options.outDir, clients);
  const result: ClientsResult = { shots: [], problems: [], took: {} };
  await Promise.all(
    clients.map(async (client) => {
      const missing = client === 'thunderbird' ? thunderbirdMissing(env) : evolutionMissing(env);
      if (missing) return result.problems.push({ client, kind: 'skipped', message: missing, fix: `Install it: ${INSTALL[client]}.` });
      const started = Date.now();
      const run = await render(client, options, env);
      result.shots.push(...run.shots);
      for (const { modes, error } of run.failures)
        result.problems.push({ client, kind: 'failed', message: `${modes.map((m) => `${m.scheme} at ${m.width} px`).join(', ')}: ${error.message}`, fix: error.fix ?? `Reinstall it: ${INSTALL[client]}.` });
      result.took[client] = Date.now() - started;
    }),
  );
  // A stable order for reports and the contact sheet, whichever client finished first.
  result.shots.sort((a, b) => CLIENTS.indexOf(a.client) - CLIENTS.indexOf(b.client) || b.width - a.width || SCHEMES.indexOf(a.scheme) - SCHEMES.indexOf(b.scheme));
  return result;
}

const INSTALL: Record<ClientId, string> = { thunderbird: THUNDERBIRD_INSTALL, evolution: EVOLUTION_INSTALL };

/** A client's PNGs and logs from an earlier run would sit beside this run's contact sheet as if they were new. */
async function removeEarlierRenders(outDir: string, clients: readonly ClientId[]): Promise<void> {
  // Only the names a render writes, and the sheet.
  const earlier = (await readdir(outDir, { withFileTypes: true })).filter((entry) => entry.isFile() && (entry.name === 'index.html' || isRenderFile(entry.name, clients)));
  await Promise.all(earlier.map((entry) => rm(join(outDir, entry.name), { force: true })));
}

function render(client: ClientId, options: ClientsOptions, env: NodeJS.ProcessEnv): Promise<ClientRun> {
  const modes = clientModes(client);
  return client === 'thunderbird'
    ? renderInThunderbird({ eml: options.eml, outDir: options.outDir, modes, env })
    : renderInEvolution({ eml: options.eml, outDir: options.outDir, modes, subject: options.subject, env });
}
