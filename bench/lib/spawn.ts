import { spawn } from 'node:child_process';

export interface SpawnResult {
  /** Wall time from spawn to exit, in milliseconds. */
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion, timing it from spawn to exit. */
export function timedSpawn(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - start, code, stdout, stderr }));
  });
}

/** Like timedSpawn, but a non-zero exit is an error carrying the output. */
export async function mustSpawn(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<SpawnResult> {
  const r = await timedSpawn(command, args, options);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r;
}
