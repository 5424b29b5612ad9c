import type { ImpactValue, NodeResult, Result } from 'axe-core';
import type { AxeRun } from './axe-page.ts';
import { finding, type Finding, type Severity } from './report.ts';

/** The id prefix of axe-core's findings: `accessibility.axe-<rule id>`, e.g. accessibility.axe-image-alt (data.rule has the rule id). */
export const AXE_ID = 'accessibility.axe-';

/**
 * Critical and serious block a reader (no alt text, a link with no name, unreadable
 * contrast): they fail `check`. Moderate and minor make reading harder: warnings.
 */
export function severityOf(impact: ImpactValue | undefined): Severity {
  return impact === 'critical' || impact === 'serious' ? 'error' : 'warning';
}

/** Where the fix goes in this project, for the rules an author meets; axe's own text for the rest. */
const PROJECT_FIX: Readonly<Record<string, string>> = {
  'image-alt': 'Add alt text saying what the image shows (in Markdown: ![what it shows](url)), or alt="" with role="presentation" if it is decorative.',
  'link-name': 'Give the link words that say where it goes (in Markdown: [the words](url)).',
  'html-has-lang': 'Set `language:` in newsletter.yml (the template writes it as <html lang>).',
  'document-title': 'Give the template a <title> (the subject).',
};

const snippet = (html: string) => (html.length > 100 ? `${html.slice(0, 99)}…` : html);

function whereOf(nodes: NodeResult[]): string {
  const first = nodes[0];
  if (!first) return '';
  const targets = nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ');
  const more = nodes.length > 3 ? ` and ${nodes.length - 3} more` : '';
  return `${targets}${more}: ${snippet(first.html)}`;
}

/** One finding per rule: light and dark runs that fail the same elements are reported once. */
function merge(runs: AxeRun[], pick: (run: AxeRun) => Result[]): { result: Result; schemes: AxeRun['scheme'][] }[] {
  const byKey = new Map<string, { result: Result; schemes: AxeRun['scheme'][] }>();
  for (const run of runs)
    for (const result of pick(run)) {
      const key = `${result.id} ${result.nodes.map((n) => n.target.join(' ')).join(',')}`;
      const seen = byKey.get(key);
      if (seen) seen.schemes.push(run.scheme);
      else byKey.set(key, { result, schemes: [run.scheme] });
    }
  return [...byKey.values()];
}

function violationFinding(result: Result, schemes: AxeRun['scheme'][]): Finding {
  const n = result.nodes.length;
  const mode = schemes.length === 1 ? ` in ${schemes[0]} mode` : '';
  return finding('accessibility', severityOf(result.impact), `axe-${result.id}`, `${result.help}${mode} (axe-core ${result.id}, ${result.impact ?? 'no impact'}${n > 1 ? `, ${n} elements` : ''})`, {
    where: whereOf(result.nodes),
    fix: `${PROJECT_FIX[result.id] ?? `${result.description}.`} See ${result.helpUrl}`,
    data: { rule: result.id, impact: result.impact, helpUrl: result.helpUrl, schemes, targets: result.nodes.map((node) => node.target.join(' ')) },
  });
}

/** axe-core's violations (with severity and help URL) and the rules it left for a person to review. */
export function axeFindings(runs: AxeRun[]): Finding[] {
  const violations = merge(runs, (run) => run.violations).map(({ result, schemes }) => violationFinding(result, schemes));
  const review = merge(runs, (run) => run.incomplete).map(({ result }) =>
    finding('accessibility', 'info', `axe-review-${result.id}`, `axe-core could not decide "${result.help}" for ${result.nodes.length} element(s); look at them yourself`, {
      where: whereOf(result.nodes),
      fix: `See ${result.helpUrl}`,
      data: { rule: result.id, helpUrl: result.helpUrl },
    }),
  );
  if (!violations.length) violations.push(finding('accessibility', 'info', 'axe-ok', `axe-core ${runs.length > 1 ? 'in light and dark mode ' : ''}found no violations`));
  return [...violations, ...review];
}

/**
 * Problems both axe-core and a hand-written check look for, and whose finding stays.
 * axe's stays where it points at the element and the hand-written one adds nothing;
 * ours stays where it says more: the heading level to use (and it fails `check`, where
 * axe rates heading-order moderate), or the newsletter.yml / theme key to change for
 * a colour pair (checked for both schemes, pairs this issue does not draw included).
 */
const OVERLAPS: readonly { ours: string; axe: string; keep: 'axe' | 'ours' }[] = [
  { ours: 'accessibility.lang', axe: 'html-has-lang', keep: 'axe' },
  { ours: 'accessibility.title', axe: 'document-title', keep: 'axe' },
  { ours: 'images.alt-missing', axe: 'image-alt', keep: 'axe' },
  { ours: 'accessibility.link-no-text', axe: 'link-name', keep: 'axe' },
  { ours: 'accessibility.heading-skip', axe: 'heading-order', keep: 'ours' },
  { ours: 'accessibility.contrast', axe: 'color-contrast', keep: 'ours' },
];

const schemesOf = (f: Finding): unknown[] => (Array.isArray(f.data?.schemes) ? f.data.schemes : [f.data?.scheme]);

/** Does a kept hand-written finding already report what this axe finding reports (same rule, same colour scheme)? */
function reportedByUs(axe: Finding, ours: Finding[]): boolean {
  const overlap = OVERLAPS.find((o) => o.keep === 'ours' && axe.id === `${AXE_ID}${o.axe}`);
  if (!overlap) return false;
  const same = ours.filter((f) => f.id === overlap.ours);
  // Contrast findings carry a scheme: only drop axe's for a scheme ours already failed.
  return overlap.axe === 'color-contrast' ? schemesOf(axe).every((s) => same.some((f) => f.data?.scheme === s)) : same.length > 0;
}

/**
 * The hand-written findings and axe-core's, each problem once. When axe did not run
 * (no Chromium), the hand-written checks are the whole accessibility check.
 */
export function withoutDuplicates(ours: Finding[], axe: Finding[] | undefined): Finding[] {
  if (!axe) return ours;
  const replaced = new Set(OVERLAPS.filter((o) => o.keep === 'axe').map((o) => o.ours));
  const kept = ours.filter((f) => !replaced.has(f.id));
  return [...kept, ...axe.filter((f) => !reportedByUs(f, kept))];
}
