/**
 * Every command's --help against what the command accepts and what its code can end with (issue 12
 * item 12), `--version`, the top-level help, and the resume hint written the way the CLI was run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { COMMON_HELP, commandLine, exitCodeLines, type CommandEnds, type CommandSpec } from '../../src/cli/command.ts';
import { ERROR_CODES, EXIT, EXIT_REASONS, type ErrorCode, type ExitName, type ExitReason } from '../../src/errors.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { ROOT } from '../helpers/content.ts';
import { startSmtpTestServer } from '../helpers/smtp-test-server.ts';
import { CLEAN_ENV, cliEnv, CONTENT, ISSUE, SEND_FIXTURES } from '../send/helpers.ts';

const COMMANDS_DIR = join(ROOT, 'src', 'cli', 'commands');
const NAMES = readdirSync(COMMANDS_DIR)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''));

type Spec = CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;
const specOf = async (name: string): Promise<Spec> => ((await import(join(COMMANDS_DIR, `${name}.ts`))) as { spec: Spec }).spec;

/** The sections of a command's help: usage line, option rows (key → text), exit-code lines. */
function sections(help: string) {
  const lines = help.split('\n');
  const block = (title: string) => {
    const start = lines.findIndex((l) => l.startsWith(title));
    const end = lines.indexOf('', start);
    return lines.slice(start + 1, end === -1 ? undefined : end);
  };
  const usage = lines.find((l) => l.startsWith('Usage: ')) ?? '';
  // "  --to FILE     The subscriber list…": a key and its text, two spaces or more apart.
  const options = new Map(block('Options:').map((l) => /^ {2}(\S.*?) {2,}(\S.*)$/.exec(l)!.slice(1, 3) as [string, string]));
  return { usage, options, exits: block('Exit codes'), examples: block('Examples:') };
}

/** `--to FILE` → "to"; `-h, --help` → "help"; `ISSUE.md` → undefined (a positional). */
const flagOf = (key: string) => /--([a-z][a-z-]*)/.exec(key)?.[1];

describe.each(NAMES)('newsletter %s --help', (name) => {
  it('lists every flag the command accepts (and --debug, --help) in its usage line and options, and nothing it does not accept', async () => {
    const spec = await specOf(name);
    const r = await runCli([name, '--help']);
    expect(r.code).toBe(0);
    const { usage, options, examples } = sections(r.stdout);
    const accepted = [...Object.keys(spec.options), 'debug', 'help'].sort();
    expect(usage.startsWith(`Usage: newsletter ${name} `)).toBe(true);
    // The options list: exactly the accepted flags, plus positionals.
    expect([...options.keys()].map(flagOf).filter(Boolean).sort()).toEqual(accepted);
    // The usage line names each row as the list does (`--to FILE`, `ISSUE.md`).
    for (const key of options.keys()) expect(usage, `usage of ${name} lacks ${key}`).toContain(key.replace('-h, ', ''));
    // Any --flag anywhere in the help (usage, descriptions, examples) is one the command accepts.
    const mentioned = new Set([...r.stdout.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]!));
    expect([...mentioned].filter((f) => !accepted.includes(f))).toEqual([]);
    expect(examples.length).toBeGreaterThan(0);
    for (const e of examples) expect(e.trim().startsWith(`newsletter ${name}`)).toBe(true);
  });

  it('states every default one way, last: "(default: X)."', async () => {
    const { options } = sections((await runCli([name, '--help'])).stdout);
    for (const [key, text] of options) {
      if (!/default/i.test(text)) continue;
      expect(text, `${name} ${key}`).toMatch(/ \(default: [^()]+\)\.$/);
      expect(text.match(/default/gi)).toHaveLength(1);
    }
  });

  it('lists the exit codes the command can end with, from the catalogue', async () => {
    const spec = await specOf(name);
    const { exits } = sections((await runCli([name, '--help'])).stdout);
    expect(exits).toEqual(exitCodeLines(spec.ends));
    const numbers = exits.map((l) => Number(/^\s*(\d+)/.exec(l)?.[1]));
    expect(numbers).toContain(EXIT.OK);
    expect(numbers).toContain(EXIT.BUG);
    expect(numbers).toContain(EXIT.INVALID); // every command refuses a bad flag (EUSAGE)
  });

  // The spec's list is checked against the command's code: the command bundled alone (esbuild drops what
  // it never calls), then every error code it constructs or returns, every exit reason it names, and
  // every exit it returns without an error, outside the catalogue itself.
  it("declares exactly the error codes, reasons and exits its code can end with (spec.ends against the command's bundled code)", async () => {
    const spec = await specOf(name);
    expect(normalized(spec.ends)).toEqual(await endsInCode(name));
  });
});

function normalized(ends: CommandEnds) {
  return { errors: [...ends.errors].sort(), reasons: [...(ends.reasons ?? [])].sort(), results: [...(ends.results ?? [])].sort() };
}

async function endsInCode(name: string) {
  const out = await build({ entryPoints: [join(COMMANDS_DIR, `${name}.ts`)], bundle: true, write: false, format: 'esm', platform: 'node', packages: 'external', jsx: 'automatic', logLevel: 'silent' });
  // esbuild starts each module's code with a `// path` comment: leave out the catalogue, which names everything.
  const code = out.outputFiles[0]!.text.split(/^(?=\/\/ \S+\.tsx?$)/m).filter((part) => !part.startsWith('// src/errors.ts')).join('');
  const found = (re: RegExp) => new Set([...code.matchAll(re)].map((m) => m[1]!));
  const errors = new Set([...found(/new NewsletterError\("(\w+)"/g), ...found(/ERROR_CODES\.(\w+)/g)]);
  const reasons = (Object.keys(EXIT_REASONS) as ExitReason[]).filter((r) => code.includes(`"${r}"`));
  const results = [...found(/\bEXIT\.(\w+)/g)].filter((e) => e !== 'OK' && e !== 'BUG');
  for (const e of errors) expect(Object.keys(ERROR_CODES)).toContain(e);
  return normalized({ errors: [...errors] as ErrorCode[], reasons, results: results as ExitName[] });
}

describe('newsletter --version', () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  it.each(['--version', '-v'])("%s prints package.json's version, from any working directory", async (flag) => {
    const r = await runCli([flag], { cwd: await tempDir() });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${version}\n`);
    expect(r.code).toBe(0);
  });
});

describe('the help the README quotes', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  /** The lines a `$ command` line in a README console block is followed by, up to the next `$` or the fence. */
  const quoted = (command: string) => {
    const start = readme.indexOf(`$ ${command}\n`);
    expect(start, `README.md quotes \`$ ${command}\``).toBeGreaterThan(-1);
    return readme.slice(start + command.length + 3).split(/^(?:\$ |```)/m)[0];
  };
  it.each(['build --help', '--version'])('`npx newsletter %s`: the README shows what prints', async (args) => {
    expect(quoted(`npx newsletter ${args}`)).toBe((await runCli(args.split(' '))).stdout);
  });
});

describe('newsletter --help', () => {
  it('lists every command with its one-line summary and points at --version and <command> --help', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    const listed = r.stdout.split('Commands:\n')[1]!.trimEnd().split('\n').map((l) => /^ {2}(\S+) {2,}\S/.exec(l)?.[1]);
    expect(listed.sort()).toEqual([...NAMES].sort());
    expect(r.stdout).toContain('newsletter --version');
    // -v as a flag of its own, not the `-v` inside `--version`.
    expect(r.stdout).toMatch(/(?:^|[\s(])-v(?![\w-])/m);
    expect(r.stdout).toContain('newsletter <command> --help');
  });

  it('`newsletter help build` is `newsletter build --help`', async () => {
    const [a, b] = await Promise.all([runCli(['help', 'build']), runCli(['build', '--help'])]);
    expect(a.stdout).toBe(b.stdout);
    expect(a.code).toBe(0);
  });
});

describe('the command to paste (resume hint)', () => {
  const NPM = { npm_lifecycle_event: 'newsletter', npm_lifecycle_script: 'node bin/newsletter.js', npm_command: 'run-script', npm_config_user_agent: 'npm/10.8.2 node/v20.19.0 linux x64 workspaces/false' };
  const NONE = { npm_lifecycle_event: '', npm_lifecycle_script: '', npm_command: '', npm_config_user_agent: '' };

  it.each([
    ['npm run newsletter', NPM, "npm run newsletter -- send --to 'my list.csv'"],
    ['npm run with the event only', { npm_lifecycle_event: 'newsletter' }, "npm run newsletter -- send --to 'my list.csv'"],
    ['pnpm', { ...NPM, npm_config_user_agent: 'pnpm/9.1.0 npm/? node/v20.19.0' }, "pnpm run newsletter send --to 'my list.csv'"],
    ['npx newsletter', { npm_command: 'exec', npm_lifecycle_event: 'npx', npm_lifecycle_script: "'newsletter'" }, "npx newsletter send --to 'my list.csv'"],
    ['the tests under npx vitest', { npm_command: 'exec', npm_lifecycle_event: 'npx', npm_lifecycle_script: "'vitest'" }, "newsletter send --to 'my list.csv'"],
    ['npm start (a script with its own arguments)', { ...NPM, npm_lifecycle_event: 'start', npm_lifecycle_script: 'node bin/newsletter.js build' }, "newsletter send --to 'my list.csv'"],
    ['npm test', { ...NPM, npm_lifecycle_event: 'test', npm_lifecycle_script: 'vitest run' }, "newsletter send --to 'my list.csv'"],
    ['the bin directly', NONE, "newsletter send --to 'my list.csv'"],
  ])('%s', (_, env, expected) => {
    expect(commandLine(['send', '--to', 'my list.csv'], env)).toBe(expected);
  });

  it('quotes what the shell would change, so the pasted command is the same one', () => {
    expect(commandLine(['send', '--to', "it's $HOME.csv", '--retry-failed=all', '--test', 'a+b@example.com'], {})).toBe(
      "newsletter send --to 'it'\\''s $HOME.csv' --retry-failed=all --test a+b@example.com",
    );
    expect(commandLine(['send', ''], {})).toBe("newsletter send ''");
  });

  it('a send stopped under `npm run newsletter` prints `resume: npm run newsletter -- send …` with its arguments quoted', async () => {
    const server = await startSmtpTestServer({ rejectAuth: true });
    try {
      const dir = await tempDir();
      const state = join(dir, 'my state');
      const list = join(SEND_FIXTURES, 'statuses.csv');
      const env = { ...CLEAN_ENV, ...cliEnv(server.port, { SMTP_URL: `smtp://me:pass@127.0.0.1:${server.port}` }), ...NPM };
      const r = await runCli(['send', ISSUE, '--content', CONTENT, '--to', list, '--state', state], { cwd: dir, env });
      expect(r.code).toBe(3);
      expect(r.stdout).toContain(`  resume: npm run newsletter -- send ${ISSUE} --content ${CONTENT} --to ${list} --state '${state}'\n`);
    } finally {
      await server.close();
    }
  });

  it('a send that --limit left unfinished prints the command that continues it', async () => {
    const server = await startSmtpTestServer();
    try {
      const dir = await tempDir();
      const list = join(SEND_FIXTURES, 'statuses.csv');
      const args = ['send', ISSUE, '--content', CONTENT, '--to', list, '--state', join(dir, 'state'), '--limit', '1'];
      const r = await runCli(args, { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server.port), ...NONE } });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`  continue: newsletter ${args.join(' ')}\n`);
    } finally {
      await server.close();
    }
  });
});

// The spec type needs no --debug or --help rows: the help adds them for every command.
it('every command gets --debug and --help from one place', async () => {
  for (const name of NAMES) for (const key of Object.keys((await specOf(name)).help)) expect(Object.keys(COMMON_HELP).map(flagOf)).not.toContain(flagOf(key));
});
