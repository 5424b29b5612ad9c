import type { ChildProcess } from 'node:child_process';
import { runInChild, type BuildRequest } from './rebuild.ts';

/**
 * The Check view: `newsletter check` run in a child process (fresh templates,
 * like the build), once per build generation and only when asked for, since
 * SpamAssassin takes a few seconds.
 */
export class CheckView {
  #cached: { generation: number; text: Promise<string> } | undefined;
  #children = new Set<ChildProcess>();

  constructor(
    private readonly request: BuildRequest,
    private readonly cwd: string,
  ) {}

  text(generation: number): Promise<string> {
    if (this.#cached?.generation !== generation) this.#cached = { generation, text: this.#run() };
    return this.#cached.text;
  }

  async #run(): Promise<string> {
    const { outcome, child } = runInChild('check', this.request, this.cwd);
    this.#children.add(child);
    const result = await outcome.finally(() => this.#children.delete(child));
    if (result.ok) return result.text + '\n';
    const { message, fix, stack } = result.error;
    return [`The check could not run.`, '', message, fix ? `fix: ${fix}` : '', stack ?? ''].filter(Boolean).join('\n') + '\n';
  }

  close(): void {
    for (const c of this.#children) c.kill();
  }
}
