import { parseArgs, type ParseArgsConfig } from 'node:util';
import { NewsletterError } from '../errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec<O extends Options> {
  name: string;
  summary: string;
  usage: string;
  options: O;
  /** One line per option: flag → description. */
  help: Record<string, string>;
  examples: string[];
}

export function commandHelp(spec: CommandSpec<Options>): string {
  const width = Math.max(...Object.keys(spec.help).map((k) => k.length), 6);
  return [
    `${spec.summary}`,
    '',
    `Usage: newsletter ${spec.usage}`,
    '',
    'Options:',
    ...Object.entries({ ...spec.help, '--help': 'Show this help.' }).map(([k, v]) => `  ${k.padEnd(width + 2)}${v}`),
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
  ].join('\n');
}

/** Parse argv for a command; unknown flags are usage errors (exit 1) that point at --help. */
export function parseCommandArgs<O extends Options>(spec: CommandSpec<O>, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { ...spec.options, help: { type: 'boolean' }, debug: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (cause) {
    throw new NewsletterError('EUSAGE', (cause as Error).message, { fix: `See \`newsletter ${spec.name} --help\`.`, cause });
  }
}

/** Parse a positive integer flag value, or explain which flag is wrong. */
export function intFlag(value: string | undefined, flag: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new NewsletterError('EUSAGE', `${flag} must be a whole number of at least ${min}; got "${value}"`, { fix: `Example: ${flag} ${Math.max(fallback, min)}` });
  return n;
}

/** Keep a long-running server up until Ctrl-C or SIGTERM, then close it gracefully. */
export function runUntilSignal(close: () => Promise<void>): Promise<void> {
  return new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
