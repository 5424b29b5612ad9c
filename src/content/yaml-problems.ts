import type { ContentProblem } from './problems.ts';
import type { YamlSource } from './yaml-source.ts';

/*
 * YAML syntax errors in words an author can act on. The parser's own messages
 * name its grammar ("Nested mappings are not allowed in compact mappings"), and
 * one slip often yields several errors where only the first is real.
 */

type YamlError = YamlSource['syntaxErrors'][number];

/** `key: value` on one line (also as a list item, `- key: value`): indent, key, value, trailing comment. */
const KEY_VALUE = /^(\s*(?:-\s+)*)([^\s#'"{[-][^:#]*?):[ \t]+(.*?)(\s+#.*)?$/;

/** The value in double quotes, as YAML reads it back: `\` and `"` escaped. */
function doubleQuoted(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** A plain value holding ": " is read as a nested key: the fix is the line with the value quoted. */
function colonInValue(error: YamlError, source: YamlSource, file: string): ContentProblem | undefined {
  const m = KEY_VALUE.exec(source.textOf(error.line) ?? '');
  if (!m || !/:(\s|$)/.test(m[3]!)) return undefined;
  const [, indent, key, value, comment = ''] = m as unknown as [string, string, string, string, string | undefined];
  const fixed = `${indent}${key}: ${doubleQuoted(value)}${comment}`.trim();
  return {
    severity: 'error',
    file,
    line: error.line,
    field: key,
    message: `the ${key} contains ": ", which YAML reads as the start of another key`,
    received: `${key}: ${value}`,
    fix: `Put the ${key} in quotes: \`${fixed}\``,
  };
}

/**
 * The indentation a tab-indented line most likely meant: one level (two spaces) under a line that
 * opens a block (`key:` or `- key:` with nothing after it), else the same as the line before,
 * so a stray tab before a top-level key is fixed by removing it rather than by two spaces.
 */
function indentFor(source: YamlSource, line: number): string {
  for (let n = line - 1; n >= 1; n--) {
    const before = source.textOf(n) ?? '';
    if (!before.trim() || before.trimStart().startsWith('#')) continue;
    const indent = /^[ \t]*/.exec(before)![0].replaceAll('\t', '  ');
    return /:\s*$/.test(before) ? `${indent}  ` : indent;
  }
  return '';
}

/** Every tab-indented line, in one problem: the parser's further errors are knock-ons of the tabs. */
function tabProblem(tabs: YamlError[], source: YamlSource, file: string): ContentProblem {
  const lines = [...new Set(tabs.map((e) => e.line))];
  const first = lines[0]!;
  const fixedLine = (source.textOf(first) ?? '').replace(/^[ \t]+/, indentFor(source, first));
  return {
    severity: 'error',
    file,
    line: first,
    field: '(YAML)',
    message: 'YAML does not allow tabs for indentation; use spaces',
    received: JSON.stringify(source.textOf(first) ?? ''),
    fix: `Indent line${lines.length > 1 ? 's' : ''} ${lines.join(', ')} with spaces (two per level), not tabs; line ${first} probably reads \`${fixedLine}\`.`,
  };
}

function genericProblem(error: YamlError, file: string): ContentProblem {
  return { severity: 'error', file, line: error.line, field: '(YAML)', message: `YAML syntax: ${error.message}`, fix: 'Fix the YAML syntax on that line or the one before; quote values that start with a special character ([ { * & ! | > % @ `) or contain ": ".' };
}

/**
 * The syntax errors of a parsed YAML text as content problems: tabs as one
 * problem and nothing else; otherwise the first error of each line, a colon in
 * a plain value explained with the corrected line.
 */
export function yamlSyntaxProblems(source: YamlSource, file: string): ContentProblem[] {
  const tabs = source.syntaxErrors.filter((e) => e.code === 'TAB_AS_INDENT');
  if (tabs.length) return [tabProblem(tabs, source, file)];
  const firstPerLine = source.syntaxErrors.filter((e, i, all) => all.findIndex((o) => o.line === e.line) === i);
  return firstPerLine.map((e) => (e.code === 'BLOCK_AS_IMPLICIT_KEY' ? colonInValue(e, source, file) : undefined) ?? genericProblem(e, file));
}

/** What a minimal issue looks like, indented under the fix: shown when a file is empty. */
const MINIMAL_ISSUE = [
  '---',
  'number: 2',
  'date: 2026-02-12',
  'subject: "A subject: quoted, because it contains a colon"',
  'preheader: One sentence of 40–140 characters that adds to the subject.',
  '---',
  '# The headline',
  '',
  'The lead paragraph.',
]
  .map((line) => (line ? `        ${line}` : ''))
  .join('\n');

/** The problem of an issue file with nothing in it but white space (trim() also drops a byte-order mark), else undefined. */
export function emptyIssueProblem(text: string, file: string): ContentProblem | undefined {
  if (text.trim()) return undefined;
  return {
    severity: 'error',
    file,
    line: 1,
    field: '(file)',
    message: 'the file is empty',
    fix: `Write the issue: front matter between two "---" lines, then a "# Headline" and the text (see README, "Writing an issue"). Or delete the file. The smallest issue:\n${MINIMAL_ISSUE}`,
  };
}
