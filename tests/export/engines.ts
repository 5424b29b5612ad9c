/**
 * The platforms' own template engines where they can run here but not from npm: Go's
 * html/template with Sprig (listmonk) and Django's engine (nearest to Brevo's). Both come from
 * Debian (.ci/run installs golang-go, golang-github-masterminds-sprig-dev, golang-golang-x-text-dev
 * for listmonk's own name rule, python3-django). On a
 * developer machine without them those platforms' rendering tests are skipped with a printed
 * note; on CI (CI=true) they run, and fail if a tool is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HERE = join(import.meta.dirname, 'engines');
// Debian's python, which python3-django installs into (a pyenv python3 on PATH would not see it).
const PYTHON = '/usr/bin/python3';
const GOPATH = '/usr/share/gocode';
const SPRIG = join(GOPATH, 'src', 'github.com', 'Masterminds', 'sprig');
// golang.org/x/text/cases: listmonk title-cases the name it makes for a nameless subscriber with it.
const X_TEXT = join(GOPATH, 'src', 'golang.org', 'x', 'text', 'cases');

function works(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/** Why an engine cannot run here (undefined: it can). */
export const MISSING: Record<'go' | 'django', string | undefined> = {
  go:
    works('go', ['version']) && existsSync(SPRIG) && existsSync(X_TEXT)
      ? undefined
      : 'Go with Sprig and x/text (sudo apt-get install golang-go golang-github-masterminds-sprig-dev golang-golang-x-text-dev)',
  django: works(PYTHON, ['-c', 'import django']) ? undefined : 'Django (sudo apt-get install python3-django)',
};

/** Skip a platform whose engine is missing, except on CI. */
export function skipEngine(engine: 'go' | 'django'): boolean {
  const missing = MISSING[engine];
  if (missing && process.env.CI !== 'true') {
    console.warn(`Skipping rendering with the real engine: no ${missing}.`);
    return true;
  }
  return false;
}

let listmonkBinary: string | undefined;

/** Build tests/export/engines/listmonk-render.go once per test process, offline (GOPATH mode, Debian's sources). */
function listmonkRenderer(): string {
  if (listmonkBinary) return listmonkBinary;
  const dir = mkdtempSync(join(tmpdir(), 'listmonk-render-'));
  const out = join(dir, 'listmonk-render');
  execFileSync('go', ['build', '-o', out, join(HERE, 'listmonk-render.go')], {
    env: { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '', GOPROXY: 'off', GOCACHE: join(dir, 'cache') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  listmonkBinary = out;
  return out;
}

export interface ListmonkInput {
  template: string;
  name: string;
  email: string;
  unsubscribeUrl: string;
  messageUrl: string;
}

/** One part rendered as listmonk renders a campaign (html/template, Sprig, listmonk's functions). */
export function renderListmonk(input: ListmonkInput): string {
  return execFileSync(listmonkRenderer(), { input: JSON.stringify(input), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** One part rendered by Django's template engine (autoescape in HTML only). */
export function renderDjango(template: string, part: 'html' | 'text', context: Record<string, unknown>): string {
  return execFileSync(PYTHON, [join(HERE, 'django-render.py')], { input: JSON.stringify({ template, part, context }), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}
