import { AddressIndex } from '../audience/index.ts';

/** What happened after a send: an unsubscribe (suppression.csv), or a kind of feedback-ledger finding. */
export const EVENT_KINDS = ['unsubscribed', 'hard', 'soft', 'sender', 'complaint', 'auto-reply', 'delayed'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** One event of an address, with the journal its time points at (-1: no send to that address before it). */
export interface AttributedEvent {
  kind: EventKind;
  /** The issue the report names (a slug or "issue-N"), if any. */
  named: string | undefined;
  journal: number;
  /** For a hard bounce: the journal whose send saw the same address bounce (-1: none), see bouncedAtSend. */
  atSend: number;
}

/** Distinct issue names kept; past this (a ledger edited by hand) an item is treated as naming none. */
const MAX_NAMES = 10_000;

/**
 * The attribution rule's memory: every unsubscribe and every feedback item with an address, and
 * for each the newest `sent` record for that address at or before its time (the mail the
 * subscriber was reacting to), found while the journals stream past.
 *
 * Kept per event, not per recipient: the journals' million sends are looked up here (one hash
 * each) but never stored. Events are few next to sends; each costs the address index's 16–24
 * bytes plus 29 bytes of typed arrays (time, newest send, its journal, kind, named issue, next
 * event of the same address, the journal that saw it bounce), so even 1M events stay under
 * ~55 MB where a Map of objects would cost several times that.
 */
export class Events {
  /** Address → its latest event's number + 1; earlier ones chain through #next. */
  readonly #index = new AddressIndex(1024);
  #size = 0;
  #time = new Float64Array(1024);
  #bestTime = new Float64Array(1024);
  #journal = new Int32Array(1024);
  #next = new Int32Array(1024);
  #kind = new Uint8Array(1024);
  #named = new Int32Array(1024);
  #atSend = new Int32Array(1024);
  readonly #names: string[] = [];
  readonly #nameNumbers = new Map<string, number>();

  get size(): number {
    return this.#size;
  }

  /** Record an event of `email` at `time` (ms; NaN when unknown: then only a named issue can place it). */
  add(email: string, kind: EventKind, time: number, named?: string): void {
    if (this.#size === this.#time.length) this.#grow();
    const key = email.trim().toLowerCase();
    const i = this.#size++;
    this.#time[i] = time;
    this.#bestTime[i] = -Infinity;
    this.#journal[i] = -1;
    this.#kind[i] = EVENT_KINDS.indexOf(kind);
    this.#named[i] = named ? this.#nameNumber(named) : -1;
    this.#atSend[i] = -1;
    this.#next[i] = (this.#index.get(key) ?? 0) - 1;
    this.#index.set(key, i + 1);
  }

  /** A `sent` record of journal `journal` at `t` (ms) for `key` (lowercased): the newest send before each of the address's events. */
  sent(key: string, t: number, journal: number): void {
    for (let i = (this.#index.get(key) ?? 0) - 1; i >= 0; i = this.#next[i]!) {
      if (t <= this.#time[i]! && t > this.#bestTime[i]!) {
        this.#bestTime[i] = t;
        this.#journal[i] = journal;
      }
    }
  }

  /** Whether `key` (lowercased) has an event of `kind`. */
  reported(key: string, kind: EventKind): boolean {
    const k = EVENT_KINDS.indexOf(kind);
    for (let i = (this.#index.get(key) ?? 0) - 1; i >= 0; i = this.#next[i]!) if (this.#kind[i] === k) return true;
    return false;
  }

  /**
   * The send of journal `journal` saw `key` hard-bounce (it counts in that delivery): the
   * address's reported hard bounces carry it, so one attributed to the same issue is not counted again.
   */
  bouncedAtSend(key: string, journal: number): void {
    const hard = EVENT_KINDS.indexOf('hard');
    for (let i = (this.#index.get(key) ?? 0) - 1; i >= 0; i = this.#next[i]!) if (this.#kind[i] === hard) this.#atSend[i] = journal;
  }

  /** Each address's events (oldest recorded last), with the journal each was attributed to by time. */
  *byAddress(): Generator<AttributedEvent[]> {
    for (const head of this.#index.storedValues()) {
      const events: AttributedEvent[] = [];
      for (let i = head - 1; i >= 0; i = this.#next[i]!) {
        const named = this.#named[i]!;
        events.push({ kind: EVENT_KINDS[this.#kind[i]!]!, named: named >= 0 ? this.#names[named] : undefined, journal: this.#journal[i]!, atSend: this.#atSend[i]! });
      }
      yield events;
    }
  }

  #nameNumber(name: string): number {
    let n = this.#nameNumbers.get(name);
    if (n === undefined) {
      if (this.#names.length >= MAX_NAMES) return -1;
      n = this.#names.length;
      this.#names.push(name);
      this.#nameNumbers.set(name, n);
    }
    return n;
  }

  #grow(): void {
    const capacity = this.#time.length * 2;
    const grown = <T extends Float64Array | Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.#time = grown(this.#time, (n) => new Float64Array(n));
    this.#bestTime = grown(this.#bestTime, (n) => new Float64Array(n));
    this.#journal = grown(this.#journal, (n) => new Int32Array(n));
    this.#next = grown(this.#next, (n) => new Int32Array(n));
    this.#kind = grown(this.#kind, (n) => new Uint8Array(n));
    this.#named = grown(this.#named, (n) => new Int32Array(n));
    this.#atSend = grown(this.#atSend, (n) => new Int32Array(n));
  }
}
