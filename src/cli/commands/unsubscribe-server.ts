// The endpoint's name before it also served the ESP webhooks (issue 14): kept working, same options.
import type { ExitCode } from '../../errors.ts';
import type { CommandSpec } from '../command.ts';
import { runAs, spec as server } from './server.ts';

export const spec = {
  ...server,
  name: 'unsubscribe-server',
  summary: 'The former name of `newsletter server` (one-click unsubscribe and ESP webhooks); the same command.',
  usage: server.usage.replace(/^server/, 'unsubscribe-server'),
  examples: server.examples.map((e) => e.replace(/^newsletter server/, 'newsletter unsubscribe-server')),
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export function run(argv: string[]): Promise<ExitCode> {
  return runAs(spec, argv);
}
