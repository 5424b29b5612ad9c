/** A single finding about content: an error stops every command, a warning is printed. */
export interface ContentProblem {
  severity: 'error' | 'warning';
  file: string;
  /** 1-based line in the file, where it can be known. */
  line?: number;
  /** Field path, e.g. "subject", "hero.alt", "body". */
  field: string;
  message: string;
  expected?: string;
  received?: string;
  fix: string;
}

export function formatProblem(p: ContentProblem): string {
  const where = p.line ? `${p.file}:${p.line}` : p.file;
  const lines = [`${where}  ${p.severity} in \`${p.field}\`: ${p.message}`];
  if (p.expected !== undefined) lines.push(`    expected: ${p.expected}`);
  if (p.received !== undefined) lines.push(`    received: ${p.received}`);
  lines.push(`    fix: ${p.fix}`);
  return lines.join('\n');
}

/** Quote a received value for a message: short, one line, JSON-escaped. */
export function quote(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  // JSON has no form only for functions and symbols (undefined is handled above): String() names those.
  const text = JSON.stringify(value) ?? (typeof value === 'function' || typeof value === 'symbol' ? String(value) : '');
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** Levenshtein distance, for "did you mean" suggestions on misspelt keys. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(input, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}
