import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { renderInClients, type ClientId, type ClientShot } from '../clients/index.ts';
import { CLIENT_NAMES, problemFindings, renderFindings } from './client-renders.ts';
import { contactSheet } from './clients-sheet.ts';
import { finding, type Finding, type Figures } from './report.ts';

export interface ClientsStepInput {
  /** The message as sent to the sample reader. */
  eml: Buffer;
  subject: string;
  /** `out/<slug>/clients/`: the PNGs and the contact sheet (index.html). */
  outDir: string;
  /** Only these clients (`--client`): one that does not render is then an error, not a warning. */
  clients?: readonly ClientId[];
  env?: NodeJS.ProcessEnv;
  /** What the folder in the findings is shown relative to (default: the process's working folder). */
  cwd?: string;
}

export interface ClientsStepResult {
  findings: Finding[];
  /** The screenshots taken, in report order (client, then width, then light before dark). */
  shots: ClientShot[];
  figures: NonNullable<Figures['clientRenders']>;
}

/** Show the message in the installed mail clients, write the PNGs and the contact sheet, and say what they showed. */
export async function runClientsStep(input: ClientsStepInput): Promise<ClientsStepResult> {
  const result = await renderInClients({ eml: input.eml, subject: input.subject, outDir: input.outDir, clients: input.clients, env: input.env });
  const findings = [...problemFindings(result.problems, input.clients !== undefined), ...renderFindings(result.shots)];
  const files = result.shots.map((s) => s.file);
  const sheet = join(input.outDir, 'index.html');
  if (files.length) {
    const unmeasured = [...new Set(result.shots.filter((s) => !s.measure).map((s) => CLIENT_NAMES[s.client]))];
    findings.push(
      finding('rendering', 'info', 'files', `wrote ${files.length} client screenshots and a contact sheet to ${relative(input.cwd ?? process.cwd(), input.outDir) || '.'}/ (open index.html)${unmeasured.length ? `; ${unmeasured.join(' and ')} lets no program read what it drew: look at ${unmeasured.length === 1 ? 'its' : 'their'} screenshots` : ''}`, {
        data: { files, sheet, took: result.took },
      }),
    );
    await writeFile(sheet, contactSheet(input.subject, result.shots, findings));
  }
  return { findings, shots: result.shots, figures: { files, sheet: files.length ? sheet : undefined, took: result.took } };
}

