import type { BenchResult, Check, Figure } from './stats.ts';

/** Numbers as people read them: 3 significant digits, thousands grouped. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

function pad(cells: string[][]): string[] {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
}

const figureRow = (f: Figure): string[] => [`  ${f.name}`, fmt(f.median), fmt(f.p95), String(f.runs), f.unit];
const checkRow = (c: Check): string[] => [`  ${c.meets ? '✔' : '✖'} ${c.name}`, fmt(c.value), `target ${c.target}`, '', c.unit];

/** The whole run as one plain-text table: each benchmark's figures, then its targets. */
export function table(results: readonly BenchResult[]): string {
  const rows: string[][] = [['figure', 'median', 'p95', 'runs', 'unit']];
  const breaks: number[] = [];
  for (const r of results) {
    breaks.push(rows.length);
    rows.push([`${r.name}  (${r.seconds.toFixed(0)} s)`, '', '', '', '']);
    rows.push(...r.figures.map(figureRow), ...r.checks.map(checkRow));
  }
  const lines = pad(rows);
  const rule = '-'.repeat(Math.max(...lines.map((l) => l.length)));
  const out = [lines[0]!, rule];
  lines.slice(1).forEach((line, i) => {
    if (breaks.includes(i + 1) && i > 0) out.push('');
    out.push(line);
  });
  for (const r of results) for (const n of r.notes) out.push(`${r.name}: ${n}`);
  return out.join('\n');
}
