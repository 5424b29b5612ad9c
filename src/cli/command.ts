import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ERROR_CODES, EXIT, EXIT_LABELS, EXIT_REASONS, NewsletterError, type ErrorCode, type ExitName, type ExitReason } from '../errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * What besides success (0) and a bug (70) can end a command, named from the catalogue in
 * src/errors.ts: the error codes its code throws (or returns, as `check` does ECHECK), the exit
 * reasons among them, and the exits it returns without an error (send's summary). --help prints
 * the exit codes these lead to; tests/cli/help.test.ts checks them against the command's code.
 */
export interface CommandEnds {
  errors: readonly ErrorCode[];
  reasons?: readonly ExitReason[];
  results?: readonly ExitName[];
}

export interface CommandSpec<O extends Options> {
  name: string;
  summary: string;
  /** After `newsletter `: the positionals and every flag of `options` as in `help` (--debug and --help are added). */
  usage: string;
  options: O;
  /** One line per argument and option: `--flag VALUE` → description, a default last as "(default: X)". */
  help: Record<string, string>;
  ends: CommandEnds;
  examples: string[];
}

/** Accepted by every command (parseCommandArgs adds them), so listed by every command's help. */
export const COMMON_HELP = { '--debug': 'Show the stack trace of an error.', '-h, --help': 'Show this help.' } as const;

/** The exit codes a command can end with, each with what leads to it, in the catalogue's words. */
export function exitCodeLines(ends: CommandEnds): string[] {
  const causes = new Map<number, string[]>((Object.keys(EXIT) as ExitName[]).map((name) => [EXIT[name], []]));
  // In the catalogue's order, whatever the spec's.
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) if (ends.errors.includes(code)) causes.get(ERROR_CODES[code].exit)!.push(code);
  for (const reason of Object.keys(EXIT_REASONS) as ExitReason[])
    if (ends.reasons?.includes(reason)) causes.get(EXIT_REASONS[reason].exit)!.push(`${EXIT_REASONS[reason].code} (${reason})`);
  return (Object.keys(EXIT) as ExitName[])
    .filter((name) => name === 'OK' || name === 'BUG' || ends.results?.includes(name) || causes.get(EXIT[name])!.length > 0)
    .map((name) => {
      const why = causes.get(EXIT[name])!.join(', ');
      // An exit the command returns without an error comes from its result: send's summary says why.
      const result = ends.results?.includes(name) ? `${why ? '; or ' : ''}as the summary says` : '';
      return `  ${String(EXIT[name]).padEnd(4)}${EXIT_LABELS[name]}${why || result ? ': ' : ''}${why}${result}`;
    });
}

export function commandHelp(spec: CommandSpec<Options>): string {
  const rows = { ...spec.help, ...COMMON_HELP };
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  return [
    spec.summary,
    '',
    `Usage: newsletter ${spec.usage} [--debug] [--help]`,
    '',
    'Options:',
    ...Object.entries(rows).map(([k, v]) => `  ${k.padEnd(width + 2)}${v}`),
    '',
    'Exit codes (what each means: README.md, "Commands"):',
    ...exitCodeLines(spec.ends),
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

/** A TCP port flag: 0 (any free port) to 65535; anything else is a usage error before any work. */
export function portFlag(value: string | undefined, fallback: number): number {
  const port = intFlag(value, '--port', fallback, 0);
  if (port > 65535) throw new NewsletterError('EUSAGE', `--port must be at most 65535 (0 picks a free port); got "${value}"`, { fix: `Example: --port ${fallback}` });
  return port;
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

/** An argument as a POSIX shell reads it back: as is when nothing in it is special, else in single quotes. */
export function shellQuote(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** A package-manager script that is the bare CLI ("node bin/newsletter.js"), so arguments can follow it. */
const BARE_CLI_SCRIPT = /^(node\s+)?(\.\/)?(bin\/newsletter\.js|newsletter)$/;

/**
 * `newsletter <args>` written the way this run was started, for a hint the user pastes:
 * `npm run newsletter -- send …` from `npm run newsletter` (npm sets npm_lifecycle_event, the
 * script in npm_lifecycle_script and npm_config_user_agent; npm 11 checked), `npx newsletter send …` from npx,
 * `newsletter send …` otherwise. A script with its own arguments (`npm start`) cannot take
 * others, so it gets the plain form.
 */
export function commandLine(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const quoted = args.map(shellQuote).join(' ');
  const event = env.npm_lifecycle_event;
  // npx sets the command it runs ('newsletter', quoted) as the script; anything else (`npx vitest`) ran us another way.
  if (env.npm_command === 'exec' || event === 'npx') return /^'?newsletter'?(\s|$)/.test(env.npm_lifecycle_script ?? '') ? `npx newsletter ${quoted}` : `newsletter ${quoted}`;
  const script = env.npm_lifecycle_script ?? (event === 'newsletter' ? 'newsletter' : undefined);
  if (!event || !script || !BARE_CLI_SCRIPT.test(script.trim())) return `newsletter ${quoted}`;
  const tool = /^(pnpm|yarn|bun)\//.exec(env.npm_config_user_agent ?? '')?.[1];
  return tool ? `${tool} run ${shellQuote(event)} ${quoted}` : `npm run ${shellQuote(event)} -- ${quoted}`;
}
