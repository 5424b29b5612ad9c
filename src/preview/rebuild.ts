import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { BuiltIssue } from '../render/index.ts';
import { projectPath } from '../paths.ts';

export interface BuildRequest {
  file?: string | undefined;
  contentDir?: string | undefined;
}

/** What the child does: render the issue, or run `newsletter check` on it and format the report. */
export type ChildTask = 'build' | 'check';

export interface ChildError {
  code?: string | undefined;
  message: string;
  where?: string | undefined;
  fix?: string | undefined;
  stack?: string | undefined;
}

/** What the page shows: a built issue, or why there is none (content problems, a broken template). */
export type BuildOutcome = { ok: true; built: BuiltIssue } | { ok: false; error: ChildError };
/** The check report as text (with its error count), or why it could not run. */
export type CheckOutcome = { ok: true; text: string; errors: number } | { ok: false; error: ChildError };

interface Outcomes {
  build: BuildOutcome;
  check: CheckOutcome;
}

// From the project root, not import.meta.url: this module may run from the bundled dist/cli/.
const CHILD = projectPath('src', 'preview', 'render-child.ts');
// Absolute, so the child finds tsx even when run from a folder without node_modules.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
// The project's tsconfig (automatic JSX runtime) whatever the working directory is.
const TSCONFIG = projectPath('tsconfig.json');

/**
 * Run a task in a child process. Each run gets a fresh module graph:
 * ESM modules cannot be unloaded, and a cache-busting query on the template
 * would only reload that one file, not emails/components/* it imports.
 * A new process costs a second or two and is always right.
 */
export function runInChild<T extends ChildTask>(task: T, request: BuildRequest, cwd: string): { outcome: Promise<Outcomes[T]>; child: ChildProcess } {
  const child = fork(CHILD, [task, JSON.stringify(request)], {
    cwd,
    execArgv: ['--import', TSX],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
    // The whole environment and cwd: the Check view loads the newsletter settings (src/config) from them, as the CLI did.
    env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 20_000) stderr += chunk.toString();
  });
  child.stdout?.resume(); // a template that logs must not block on a full pipe
  const outcome = new Promise<Outcomes[T]>((resolve) => {
    let result: Outcomes[T] | undefined;
    child.on('message', (message) => {
      result = message as Outcomes[T];
    });
    const failed = (error: ChildError) => ({ ok: false, error }) as Outcomes[T];
    child.on('error', (cause) => resolve(failed({ message: `Could not start the render process: ${cause.message}` })));
    child.on('exit', (code, signal) => {
      resolve(result ?? failed({ message: `The render process ended without a result (${signal ?? `exit code ${String(code)}`}).`, stack: stderr.trim() || undefined }));
    });
  });
  return { outcome, child };
}

export const buildInChild = (request: BuildRequest, cwd: string) => runInChild('build', request, cwd);
