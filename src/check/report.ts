/** The shape of a check report: findings with a severity, grouped into sections. */

export type Severity = 'error' | 'warning' | 'info';

export const SECTIONS = {
  content: 'Content validation',
  size: 'Size (Gmail clipping)',
  clients: 'Client support (caniemail)',
  links: 'Links',
  images: 'Images',
  accessibility: 'Accessibility',
  compliance: 'Compliance',
  spam: 'Spam score (SpamAssassin)',
  text: 'Plain text',
  screenshots: 'Screenshots',
  rendering: 'Readers’ mail clients (Thunderbird, Evolution)',
} as const;

export type SectionId = keyof typeof SECTIONS;

export interface Finding {
  /** Stable identifier, `<section>.<problem>`, e.g. "links.javascript". Tests and tools key on it. */
  id: string;
  severity: Severity;
  section: SectionId;
  /** What is wrong (or, for info, what was found). One line. */
  message: string;
  /** What to do about it, as an instruction. */
  fix?: string;
  /** Where: a URL, an element, a colour pair, a file. */
  where?: string;
  /** Machine-readable details for --json. */
  data?: Record<string, unknown>;
}

export interface SpamRule {
  name: string;
  score: number;
  description: string;
}

export interface SpamResult {
  score: number;
  required: number;
  rules: SpamRule[];
}

/** Headline numbers of a run, for the summary and the closing note. */
export interface Figures {
  /** HTML bytes after personalization with long sample values. */
  htmlBytes?: number;
  textBytes?: number;
  spam?: SpamResult;
  clients?: { unsupported: number; handled: number; partial: number };
  screenshots?: string[];
  /** `check --clients`: the client PNGs, the contact sheet, and how long each client took (ms). */
  clientRenders?: { files: string[]; sheet: string | undefined; took: Partial<Record<string, number>> };
}

export interface CheckReport {
  /** The issue file checked, when content could be loaded that far. */
  file?: string;
  subject?: string;
  findings: Finding[];
  figures: Figures;
  counts: Record<Severity, number>;
  /** True when there are no errors. */
  ok: boolean;
}

export function finding(section: SectionId, severity: Severity, id: string, message: string, extra: Pick<Finding, 'fix' | 'where' | 'data'> = {}): Finding {
  return { id: `${section}.${id}`, severity, section, message, ...extra };
}

export function makeReport(findings: Finding[], figures: Figures, meta: { file?: string; subject?: string } = {}): CheckReport {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return { ...meta, findings, figures, counts, ok: counts.error === 0 };
}
