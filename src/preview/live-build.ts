import type { ChildProcess } from 'node:child_process';
import { buildInChild, type BuildOutcome, type BuildRequest } from './rebuild.ts';

/**
 * The preview's current build. A change while a build runs queues exactly one
 * more build, so bursts of saves cost at most two builds and the last save
 * always wins. Readers wait for a build in progress, so the page never shows
 * content older than the newest save it was told about.
 */
export class LiveBuild {
  #latest: BuildOutcome | undefined;
  #running: Promise<BuildOutcome> | undefined;
  #again = false;
  #child: ChildProcess | undefined;
  #closed = false;
  /** Increases with every finished build; the page uses it to tell builds apart. */
  generation = 0;

  constructor(
    private readonly request: BuildRequest,
    private readonly cwd: string,
    private readonly onBuilt: (outcome: BuildOutcome, ms: number) => void = () => {},
  ) {}

  /** The newest outcome, after any build in progress. */
  current(): Promise<BuildOutcome> {
    if (this.#running) return this.#running;
    if (this.#latest) return Promise.resolve(this.#latest);
    return this.rebuild();
  }

  /** Start a build, or queue one after the build in progress. */
  rebuild(): Promise<BuildOutcome> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #loop(): Promise<BuildOutcome> {
    let outcome: BuildOutcome;
    do {
      this.#again = false;
      const started = performance.now();
      const { outcome: pending, child } = buildInChild(this.request, this.cwd);
      this.#child = child;
      outcome = await pending;
      this.#child = undefined;
      if (this.#closed) return outcome;
      this.#latest = outcome;
      this.generation++;
      if (!this.#again) this.onBuilt(outcome, performance.now() - started);
    } while (this.#again);
    return outcome;
  }

  close(): void {
    this.#closed = true;
    this.#child?.kill();
  }
}
