import { SECTIONS, type CheckReport, type Finding, type SectionId, type Severity } from './report.ts';

export const SYMBOLS: Record<Severity, string> = { error: '✖', warning: '⚠', info: 'ℹ' };

export interface FormatOptions {
  /** Show every partly supported client feature with its note (otherwise: one summary line). */
  verbose?: boolean;
}

function line(f: Finding): string {
  // Multi-line messages (content validation lists) keep their own layout, indented.
  const message = f.message.includes('\n') ? f.message.split('\n').join('\n    ') : f.message;
  return `  ${SYMBOLS[f.severity]} ${message}${f.fix && !f.message.includes('\n') ? `\n      fix: ${f.fix}` : ''}`;
}

function sectionLines(id: SectionId, findings: Finding[], verbose: boolean): string[] {
  const lines: string[] = [];
  const partial = findings.filter((f) => f.id === 'clients.partial');
  for (const f of findings) if (verbose || f.id !== 'clients.partial') lines.push(line(f));
  if (!verbose && partial.length)
    lines.push(`  ${SYMBOLS.info} partly supported in some target clients (notes with --verbose or --json): ${partial.map((f) => f.where).join(', ')}`);
  const worst = findings.some((f) => f.severity === 'error') ? '✖' : findings.some((f) => f.severity === 'warning') ? '⚠' : '✔';
  return [`${worst} ${SECTIONS[id]}`, ...lines];
}

/** The human report: one block per section, one line per finding (with its fix), then a summary. */
export function formatReport(report: CheckReport, options: FormatOptions = {}): string {
  const out: string[] = [];
  if (report.file) out.push(`Checking ${report.file}${report.subject ? ` — “${report.subject}”` : ''}`, '');
  for (const id of Object.keys(SECTIONS) as SectionId[]) {
    const findings = report.findings.filter((f) => f.section === id);
    if (findings.length) out.push(...sectionLines(id, findings, options.verbose ?? false), '');
  }
  const { error, warning, info } = report.counts;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const figures: string[] = [];
  if (report.figures.htmlBytes !== undefined) figures.push(`HTML ${report.figures.htmlBytes.toLocaleString('en')} bytes`);
  if (report.figures.spam) figures.push(`SpamAssassin ${report.figures.spam.score.toFixed(1)}/${report.figures.spam.required.toFixed(1)}`);
  const c = report.figures.clients;
  if (c) figures.push(`caniemail: ${c.unsupported} unsupported, ${c.handled} handled, ${c.partial} partial`);
  const took = Object.entries(report.figures.clientRenders?.took ?? {});
  if (took.length) figures.push(`mail clients: ${took.map(([client, ms]) => `${client} ${((ms ?? 0) / 1000).toFixed(1)} s`).join(', ')}`);
  out.push(`${report.ok ? '✔' : '✖'} ${plural(error, 'error')}, ${plural(warning, 'warning')}, ${info} info${figures.length ? `  ·  ${figures.join('  ·  ')}` : ''}`);
  return out.join('\n');
}
