import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';

/** A parsed YAML document that can tell on which line a key path stands. */
export interface YamlSource {
  data: unknown;
  /** 1-based file line of the key (or item) at `path`, or of its nearest existing parent. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
  /** YAML syntax errors, with file lines and the parser's code (e.g. TAB_AS_INDENT). */
  syntaxErrors: { line: number; code: string; message: string }[];
  /** The text of a file line inside this YAML, as written. */
  textOf(line: number): string | undefined;
}

/** Parse YAML that starts at `firstLine` of its file (front matter starts at line 2). */
export function parseYaml(text: string, firstLine = 1): YamlSource {
  const counter = new LineCounter();
  // yaml's default core schema keeps dates as strings, which zod then validates.
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const toFileLine = (offset: number) => counter.linePos(offset).line + firstLine - 1;
  const lines = text.split(/\r?\n/);
  return {
    data: doc.errors.length ? undefined : doc.toJS(),
    syntaxErrors: doc.errors.map((e) => ({
      line: toFileLine(e.pos[0]),
      code: e.code,
      message: e.message.split('\n')[0] ?? e.message,
    })),
    textOf: (line) => lines[line - firstLine],
    lineOf(path) {
      let node: unknown = doc.contents;
      let line: number | undefined = firstLine;
      for (const key of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
          if (!pair) break;
          const keyNode = pair.key as Node;
          if (keyNode.range) line = toFileLine(keyNode.range[0]);
          node = pair.value;
        } else if (isSeq(node) && typeof key === 'number') {
          const item = node.items[key] as Node | undefined;
          if (!item) break;
          if (item.range) line = toFileLine(item.range[0]);
          node = item;
        } else break;
      }
      return line;
    },
  };
}

export interface SplitMarkdown {
  frontMatter: string;
  body: string;
  /** 1-based file line where the body starts. */
  bodyLine: number;
}

/** Split `---` front matter from the Markdown body; undefined when there is none. */
export function splitFrontMatter(source: string): SplitMarkdown | undefined {
  const text = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const m = /^---\n([\s\S]*?)\n?---[ \t]*(?:\n|$)/.exec(text);
  if (!m) return undefined;
  const frontMatter = m[1] ?? '';
  const bodyLine = m[0].split('\n').length + (m[0].endsWith('\n') ? 0 : 1);
  return { frontMatter, body: text.slice(m[0].length), bodyLine };
}
