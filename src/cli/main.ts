import { readFileSync } from 'node:fs';
import { EXIT, isNewsletterError, type ExitCode } from '../errors.ts';
import { projectPath } from '../paths.ts';
import { commandHelp, type CommandSpec } from './command.ts';

/** Commands load lazily, so `newsletter build` never pays for nodemailer or the browser. */
/** Every command module exports its spec (for --help) and run(argv) → exit code (from the catalogue in errors.ts). */
interface CommandModule {
  spec: CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;
  run(argv: string[]): Promise<ExitCode>;
}

const COMMANDS = {
  build: { summary: 'Render an issue to out/<slug>/ (HTML, text, meta.json).', load: () => import('./commands/build.ts') },
  'preview-props': { summary: 'Write the React Email preview’s props from an issue (used by npm run dev).', load: () => import('./commands/preview-props.ts') },
  export: { summary: 'Export an issue for a mail platform (Mailchimp, SendGrid, Mailgun, Postmark, Brevo, SES, Resend, listmonk, Kit), a web version or an .eml.', load: () => import('./commands/export.ts') },
  check: { summary: 'Check an issue before sending: size, client support, links, images, accessibility, compliance, spam score.', load: () => import('./commands/check.ts') },
  archive: { summary: 'Build the web archive of every issue (pages, index, Atom and JSON feeds, sitemap) in out/site/; --serve to look at it.', load: () => import('./commands/archive.ts') },
  preview: { summary: 'Serve a live preview of an issue (desktop, mobile, dark, text, headers, check, screenshots).', load: () => import('./commands/preview.ts') },
  send: { summary: 'Send an issue to a subscriber list over SMTP (personalized, rate-limited, retried, resumable; --dry-run, --test).', load: () => import('./commands/send.ts') },
  server: { summary: 'Run the public endpoint: one-click unsubscribe (RFC 8058) and the ESP bounce/complaint webhooks (SES, SendGrid, Mailgun, Postmark).', load: () => import('./commands/server.ts') },
  'unsubscribe-server': { summary: 'The former name of `server`; the same command.', load: () => import('./commands/unsubscribe-server.ts') },
  bounces: { summary: 'Read bounces and complaints from the bounce mailbox (Maildir, mbox, .eml folder, IMAP) and keep the list clean.', load: () => import('./commands/bounces.ts') },
  stats: { summary: 'Report each sent issue: sent, failed, bounced, complained, unsubscribed, with the complaint and bounce rates against Gmail’s and Yahoo’s thresholds.', load: () => import('./commands/stats.ts') },
  worker: { summary: 'Send a campaign enqueued in Redis (send --queue) from this machine, over its own SMTP server; run one on each sending machine.', load: () => import('./commands/worker.ts') },
  status: { summary: 'Show the progress of a campaign enqueued in Redis (send --queue) across all its workers: sent, failed, pending, rate, ETA, per-worker lines.', load: () => import('./commands/status.ts') },
  pause: { summary: 'Pause a campaign in Redis: workers finish the messages in flight and take no more until resume.', load: () => import('./commands/pause.ts') },
  resume: { summary: 'Resume a paused campaign in Redis.', load: () => import('./commands/resume.ts') },
  cancel: { summary: 'Cancel a campaign in Redis for good: its waiting batches are removed, nothing more of it is sent.', load: () => import('./commands/cancel.ts') },
} as const satisfies Record<string, { summary: string; load: () => Promise<CommandModule> }>;

type CommandName = keyof typeof COMMANDS;

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'newsletter: write, preview, check, export and send an email newsletter.',
    '',
    'Usage: newsletter <command> [options]',
    '       newsletter <command> --help   (that command’s options, exit codes and examples)',
    '       newsletter --version          (or -v: the version)',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width + 2)}${c.summary}`),
  ].join('\n');
}

/**
 * package.json's version, read at run time from the project root (src/paths.ts finds it from the
 * sources and from the bundled dist/cli/ alike). A package.json without one is a broken install:
 * it reaches the top-level handler as a bug rather than printing a made-up version.
 */
function version(): string {
  const file = projectPath('package.json');
  const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
  if (typeof version !== 'string' || !version) throw new Error(`${file} has no "version"`);
  return version;
}

async function main(argv: string[]): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    console.log(version());
    return EXIT.OK;
  }
  // `newsletter help build` is `newsletter build --help`.
  if (name === 'help' && rest[0]) return main([rest[0], '--help']);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? EXIT.OK : EXIT.INVALID;
  }
  if (!(name in COMMANDS)) {
    console.error(`newsletter: unknown command "${name}"\n\n${usage()}`);
    return EXIT.INVALID;
  }
  const command = await COMMANDS[name as CommandName].load();
  // --help is handled here once for every command, before its flags are parsed.
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandHelp(command.spec));
    return EXIT.OK;
  }
  return command.run(rest);
}

const debug = process.argv.includes('--debug');
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (isNewsletterError(error)) {
    console.error(`✖ ${error.message}${error.where && !error.message.includes(error.where) ? `\n  at ${error.where}` : ''}`);
    if (error.fix) console.error(`  fix: ${error.fix}`);
    if (debug && error.stack) console.error(error.stack);
    process.exitCode = error.exitCode;
  } else {
    console.error('✖ Internal error — this is a bug in newsletter. Please report it with the output below.');
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = EXIT.BUG;
  }
}
