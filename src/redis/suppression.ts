import type { Redis } from 'ioredis';
import type { Suppression, SuppressionReason } from '../audience/index.ts';
import { NewsletterError } from '../errors.ts';
import { SUPPRESSED_KEY } from './keys.ts';

const keyOf = (email: string) => email.trim().toLowerCase();

export interface SuppressionEntryInput {
  email: string;
  reason: SuppressionReason;
  source: string;
}

/** One suppression entry as stored in Redis (the same columns as suppression.csv). */
export interface SuppressedEntry {
  reason: SuppressionReason;
  source: string;
  at: string;
}

/**
 * The suppression list in Redis, shared by every worker, the endpoint server and `bounces` when
 * they are given --queue: a worker checks it right before claiming each batch, so an unsubscribe
 * that reaches any of them stops the campaign's later messages on every machine.
 */
export class RedisSuppression {
  constructor(private readonly redis: Redis) {}

  /** Which of these addresses are suppressed (one round trip). */
  async hasMany(emails: readonly string[]): Promise<boolean[]> {
    if (!emails.length) return [];
    const found = await this.redis.hmget(SUPPRESSED_KEY, ...emails.map(keyOf));
    return found.map((v) => v !== null);
  }

  /** Suppress an address; false when it already was (the first reason is kept, as in suppression.csv). */
  async add(email: string, reason: SuppressionReason, source: string): Promise<boolean> {
    const entry: SuppressedEntry = { reason, source, at: new Date().toISOString() };
    return (await this.redis.hsetnx(SUPPRESSED_KEY, keyOf(email), JSON.stringify(entry))) === 1;
  }

  /** Add many at once (enqueue copies the local suppression.csv): pipelined, the first reason kept. Returns how many were new. */
  async addMany(entries: Iterable<SuppressionEntryInput> | AsyncIterable<SuppressionEntryInput>): Promise<number> {
    let added = 0;
    let pipe = this.redis.pipeline();
    let n = 0;
    const at = new Date().toISOString();
    const run = async () => {
      const results = (await pipe.exec()) ?? [];
      for (const [error, value] of results) {
        if (error) throw error;
        if (value === 1) added++;
      }
      pipe = this.redis.pipeline();
      n = 0;
    };
    for await (const e of entries) {
      pipe.hsetnx(SUPPRESSED_KEY, keyOf(e.email), JSON.stringify({ reason: e.reason, source: e.source, at } satisfies SuppressedEntry));
      if (++n === 1000) await run();
    }
    if (n) await run();
    return added;
  }

  async size(): Promise<number> {
    return this.redis.hlen(SUPPRESSED_KEY);
  }
}

/**
 * The local list with every addition also written to Redis first (the endpoint server and `bounces`
 * with --queue): workers on other machines see it before their next batch, and the local
 * suppression.csv keeps the record for sends without a queue.
 */
export function mirroredSuppression(local: Suppression, redis: RedisSuppression, display: string): Suppression {
  return {
    get path() {
      return local.path;
    },
    get size() {
      return local.size;
    },
    has: (email) => local.has(email),
    add: async (email, reason, source) => {
      try {
        await redis.add(email, reason, source);
      } catch (cause) {
        throw new NewsletterError('EQUEUE', `Cannot add ${email} to the suppression list in Redis (${display}): ${(cause as Error).message}`, {
          where: '--queue',
          fix: 'Check that Redis is running and reachable; the request is not recorded, so the sender (or ESP) will retry it.',
          cause,
        });
      }
      return local.add(email, reason, source);
    },
    close: () => local.close(),
  };
}
