/**
 * Hands recipients to the sending workers: messages waiting for a retry first
 * (when due), then the next one from the streamed list. Retries wait in a
 * min-heap by due time, so a failing message never holds a connection while
 * it backs off. Only retries are held in memory, never the list.
 */
export class JobQueue<T> {
  readonly #source: AsyncIterator<T>;
  #sourceDone = false;
  #heap: { due: number; job: T }[] = [];
  #active = 0;
  #closed = false;
  #wake: (() => void) | undefined;
  #wakeTimer: NodeJS.Timeout | undefined;
  #idleUntil: number | undefined;
  readonly #onIdle: ((due: number) => void) | undefined;

  /** `onIdle`: the list is done, nothing is in flight, and only retries wait; called with the next one's due time. */
  constructor(source: AsyncIterator<T>, options: { onIdle?: (due: number) => void } = {}) {
    this.#source = source;
    this.#onIdle = options.onIdle;
  }

  /** When only retries are left: the time the next one is due (for the countdown); otherwise undefined. */
  get idleUntil(): number | undefined {
    return this.#idleUntil;
  }

  /** Messages waiting for a retry. */
  get waiting(): number {
    return this.#heap.length;
  }

  /** Jobs still waiting for a retry (for the report when the run stops). */
  get parked(): readonly T[] {
    return this.#heap.map((e) => e.job);
  }

  /** The next job, or undefined when everything is done or the queue was closed. Call finished() after each job. */
  async next(): Promise<T | undefined> {
    for (;;) {
      if (this.#closed) return undefined;
      const top = this.#heap[0];
      const now = Date.now();
      if (top && top.due <= now) {
        this.#active++;
        this.#idleUntil = undefined;
        return this.#pop().job;
      }
      if (!this.#sourceDone) {
        const r = await this.#source.next();
        if (this.#closed) return undefined;
        if (r.done) this.#sourceDone = true;
        else {
          this.#active++;
          return r.value;
        }
        continue;
      }
      if (!top && this.#active === 0) return undefined;
      if (top && this.#active === 0 && this.#idleUntil !== top.due) {
        this.#idleUntil = top.due;
        this.#onIdle?.(top.due);
      }
      await this.#sleep(top ? top.due - now : undefined);
    }
  }

  /** After each job (the job itself is not needed here: only how many are out). */
  finished(_job?: T): void {
    this.#active--;
    this.#notify();
  }

  retryAt(job: T, due: number): void {
    this.#heap.push({ due, job });
    let i = this.#heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#heap[parent]!.due <= this.#heap[i]!.due) break;
      [this.#heap[parent], this.#heap[i]] = [this.#heap[i]!, this.#heap[parent]!];
      i = parent;
    }
    this.#notify();
  }

  close(): void {
    this.#closed = true;
    this.#idleUntil = undefined;
    this.#notify();
  }

  #pop(): { due: number; job: T } {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l]!.due < heap[m]!.due) m = l;
        if (r < heap.length && heap[r]!.due < heap[m]!.due) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return top;
  }

  #sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const prev = this.#wake;
      this.#wake = () => {
        prev?.();
        resolve();
      };
      if (ms !== undefined) {
        clearTimeout(this.#wakeTimer);
        this.#wakeTimer = setTimeout(() => this.#notify(), Math.max(0, ms));
      }
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    clearTimeout(this.#wakeTimer);
    wake?.();
  }
}
