import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/content.ts';
import { importCycles, importGraph, type ImportGraph } from './import-graph.ts';

// Issue 11: no import cycles between files (or folders, which would need one between files).
// Type imports count: a cycle of types is still two files that cannot be read one at a time.
describe('import cycles', () => {
  it('src/ and emails/ import each other in no cycle', () => {
    const graph = importGraph(ROOT, ['src', 'emails']);
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('src/cli/main.ts')).toContain('src/errors.ts');
    expect(importCycles(graph)).toEqual([]);
  });

  const graphOf = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

  it.each([
    ['two files', { 'a.ts': ['b.ts'], 'b.ts': ['a.ts'] }, ['a.ts → b.ts → a.ts']],
    ['three files', { 'a.ts': ['b.ts'], 'b.ts': ['c.ts'], 'c.ts': ['a.ts'], 'd.ts': ['a.ts'] }, ['a.ts → b.ts → c.ts → a.ts']],
    ['a file importing itself', { 'a.ts': ['a.ts'] }, ['a.ts → a.ts']],
    ['two separate cycles', { 'a.ts': ['b.ts'], 'b.ts': ['a.ts'], 'c.ts': ['d.ts'], 'd.ts': ['c.ts'] }, ['a.ts → b.ts → a.ts', 'c.ts → d.ts → c.ts']],
    ['a diamond (no cycle)', { 'a.ts': ['b.ts', 'c.ts'], 'b.ts': ['d.ts'], 'c.ts': ['d.ts'], 'd.ts': [] }, []],
  ])('finds %s', (_name, edges, cycles) => {
    expect(importCycles(graphOf(edges)).sort()).toEqual(cycles);
  });
});
