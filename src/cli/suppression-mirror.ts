// `--queue URL` for the commands that suppress addresses (server, bounces): the shared suppression
// list in Redis that every worker checks before each batch, connected here at the CLI edge.
import { suppressionEntries, type Suppression } from '../audience/index.ts';
import type { RedisSuppression } from '../redis/index.ts';

/**
 * How long a suppression waits for Redis before it fails. The endpoint's caller (a mail client's
 * one-click POST, an ESP's webhook) then gets a 500 and retries, rather than no answer while
 * Redis is down; `bounces` stops with the message left unprocessed for the next run.
 */
export const MIRROR_TIMEOUT_MS = 5000;

export interface OpenedMirror {
  redis: RedisSuppression;
  /** The URL without its password. */
  display: string;
  /** Persistence settings that weaken what Redis keeps across a crash (see persistenceWarnings). */
  warnings: string[];
  /** Addresses in the shared list now. */
  size: number;
  /** The local list with every addition written to Redis first (mirroredSuppression). */
  wrap(local: Suppression): Suppression;
  close(): Promise<void>;
}

/** The help line both commands show for --queue. */
export const QUEUE_HELP =
  'Also write every address this command suppresses to the suppression list shared in Redis (redis://[:PASSWORD@]HOST:PORT/DB, rediss:// for TLS), the one `newsletter worker`s check before each batch; written there first, then to suppression.csv.';

/** Parse the URL and connect (a bad URL or an unreachable Redis is an error here, before anything else is opened). */
export async function openSuppressionMirror(queue: string, role: string, stateDir: string): Promise<OpenedMirror> {
  // Loaded only with --queue: the Redis client is not needed otherwise.
  const { parseQueueUrl, connectRedis, persistenceWarnings, RedisSuppression, mirroredSuppression } = await import('../redis/index.ts');
  const url = parseQueueUrl(queue);
  const connection = await connectRedis(url, { name: `newsletter-${role}-${process.pid}`, commandTimeout: MIRROR_TIMEOUT_MS });
  try {
    const redis = new RedisSuppression(connection);
    const warnings = await persistenceWarnings(connection, url.display);
    // This machine's list into the shared one first: the ledger skips an address it finds suppressed
    // locally, which would otherwise never reach the workers.
    await redis.addMany(suppressionEntries(stateDir));
    const size = await redis.size();
    return {
      redis,
      display: url.display,
      warnings,
      size,
      wrap: (local) => mirroredSuppression(local, redis, url.display),
      close: async () => {
        // QUIT lets the replies in flight arrive. A Redis that is gone is let go at once: a QUIT would
        // queue behind the writes that already timed out and wait for a reconnect that may not come.
        if (connection.status === 'ready') await connection.quit().then(() => undefined, () => connection.disconnect());
        else connection.disconnect();
      },
    };
  } catch (error) {
    connection.disconnect();
    throw error;
  }
}
