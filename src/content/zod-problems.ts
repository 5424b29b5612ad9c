import type { z } from 'zod';
import { didYouMean, quote, type ContentProblem } from './problems.ts';
import type { YamlSource } from './yaml-source.ts';

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { def: SchemaDef }).def;

function unwrap(schema: z.ZodType): z.ZodType {
  let def = defOf(schema);
  while (def.innerType && ['optional', 'default', 'prefault', 'nullable'].includes(def.type)) {
    schema = def.innerType;
    def = defOf(schema);
  }
  return schema;
}

/** The keys an object schema allows at `path` (for "did you mean"). */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let cur: z.ZodType | undefined = schema;
  for (const key of path) {
    const def = defOf(unwrap(cur));
    cur = def.type === 'array' ? def.element : def.shape?.[String(key)];
    if (!cur) return [];
  }
  return Object.keys(defOf(unwrap(cur)).shape ?? {});
}

/** Turn zod issues into problems that name the file, line, field, what was expected and received, and the fix. */
export function zodProblems(
  error: z.ZodError,
  schema: z.ZodType,
  source: YamlSource,
  file: string,
  examples: Record<string, string>,
): ContentProblem[] {
  return error.issues.flatMap((issue): ContentProblem[] => {
    const path = issue.path;
    const field = path.map(String).join('.') || '(top level)';
    const example = examples[String(path[0] ?? '')];
    if (issue.code === 'unrecognized_keys') {
      const allowed = keysAt(schema, path);
      return issue.keys.map((key) => {
        const guess = didYouMean(key, allowed);
        return {
          severity: 'error',
          file,
          line: source.lineOf([...path, key]),
          field: [...path, key].join('.'),
          message: `unknown key "${key}"${guess ? ` — did you mean "${guess}"?` : ''}`,
          expected: `one of: ${allowed.join(', ')}`,
          received: key,
          fix: guess ? `Rename "${key}" to "${guess}".` : `Remove "${key}" or move it to a known field.`,
        };
      });
    }
    const received = valueAt(source.data, path);
    const missing = received === undefined;
    return [
      {
        severity: 'error',
        file,
        line: source.lineOf(path),
        field,
        message: missing ? 'is required but missing' : issue.message.replace(/^Invalid input: /, ''),
        ...(expectedFrom(issue) === undefined ? {} : { expected: expectedFrom(issue) }),
        received: quote(received),
        fix: missing ? `Add it${example ? `, e.g. \`${example}\`` : ''}.` : (ownFix(issue) ?? correctionFix(issue, example)),
      },
    ];
  });
}

function correctionFix(issue: z.core.$ZodIssue, example: string | undefined): string {
  return example ? `Write it like \`${example}\`.` : `Correct the value: it ${issue.message.replace(/^Invalid input: /, '')}.`;
}

/** A custom rule may carry its own fix (params.fix), more precise than an example. */
function ownFix(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== 'custom') return undefined;
  const fix = (issue.params as { fix?: unknown } | undefined)?.fix;
  return typeof fix === 'string' ? fix : undefined;
}

/** What was expected, when the message does not already say it. */
function expectedFrom(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected;
    case 'too_big':
      return `${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''}`;
    case 'too_small':
      return `${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''}`;
    case 'invalid_value':
      return `one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return undefined; // formats and custom rules: the message says what is expected
  }
}
