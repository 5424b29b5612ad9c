import { writeFile, mkdir, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildIssue, type BuiltIssue } from '../../src/render/build.ts';
import { ENV_VARS, parseSendEnv, type SendEnv } from '../../src/config/index.ts';
import { FIXTURES } from '../helpers/content.ts';

export const SEND_FIXTURES = join(FIXTURES, 'send');
export const CONTENT = join(SEND_FIXTURES, 'content');
export const ISSUE = join(CONTENT, 'issues', '2026-03-01-send-fixture.md');
export const LIST_ID = 'hemisphere-brief.hemispherebrief.example.com';
/** A test-only secret (never a real one). */
export const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

let built: Promise<BuiltIssue> | undefined;
/** The fixture issue (subject "{{firstName}}, your issue 3 is here"), built once per file. */
export function fixtureIssue(): Promise<BuiltIssue> {
  built ??= buildIssue({ contentDir: CONTENT, file: ISSUE });
  return built;
}

/** Environment for a loopback test server (no TLS needed on loopback). */
export function envFor(port: number, extra: Record<string, string> = {}): SendEnv {
  return parseSendEnv({ SMTP_URL: `smtp://127.0.0.1:${port}`, UNSUBSCRIBE_SECRET: SECRET, UNSUBSCRIBE_MAILTO: 'unsubscribe@example.com', ...extra });
}

/** The same, as variables for the CLI child process. */
export function cliEnv(port: number | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(port ? { SMTP_URL: `smtp://127.0.0.1:${port}` } : {}), UNSUBSCRIBE_SECRET: SECRET, ...extra };
}

export const addressOf = (i: number) => `user${i}@example.com`;

/** A list of n subscribers: user{i}@example.com, First{i} Last{i}. */
export async function writeList(dir: string, n: number, name = 'list.csv'): Promise<string> {
  const rows = Array.from({ length: n }, (_, i) => `${addressOf(i)},First${i},Last${i}`);
  const path = join(dir, name);
  await writeFile(path, `email,first_name,last_name\n${rows.join('\n')}\n`);
  return path;
}

/** A state folder holding the fixture suppression list. */
export async function stateWithSuppression(dir: string): Promise<string> {
  const state = join(dir, 'state');
  await mkdir(state, { recursive: true });
  await copyFile(join(SEND_FIXTURES, 'suppression.csv'), join(state, 'suppression.csv'));
  return state;
}

/** Variables a developer's shell might have set, blanked so only what a test passes counts. */
/** Every setting the tool reads, blanked: a test's child process sees only what the test gives it. */
export const CLEAN_ENV: Record<string, string> = Object.fromEntries(ENV_VARS.map((name) => [name, '']));

