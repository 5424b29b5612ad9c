import { Redis } from 'ioredis';
import { NewsletterError } from '../errors.ts';

/** A validated `--queue` URL: what to connect to, and how to name it without its password. */
export interface QueueUrl {
  url: string;
  /** redis://HOST:PORT/DB with any password replaced by ***: for messages and status lines. */
  display: string;
  tls: boolean;
  /** The database number (0 when the URL names none). */
  db: number;
  /** The URL carries a password (user info or ?password=), which `display` hides: hints to paste say to put it back. */
  hasPassword: boolean;
}

const FIX = 'Pass --queue redis://[:PASSWORD@]HOST:PORT/DB (or rediss:// for TLS), e.g. --queue redis://127.0.0.1:6379/0.';

/** Parse and check a `--queue` URL: redis:// or rediss://, a host, a port, a database number. */
export function parseQueueUrl(text: string): QueueUrl {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new NewsletterError('EUSAGE', `--queue ${JSON.stringify(text)} is not a URL`, { where: '--queue', fix: FIX });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new NewsletterError('EUSAGE', `--queue must be a redis:// or rediss:// URL, not ${u.protocol}//`, { where: '--queue', fix: FIX });
  if (!u.hostname) throw new NewsletterError('EUSAGE', '--queue names no host', { where: '--queue', fix: FIX });
  const db = u.pathname.replace(/^\//, '');
  // Any number: a server's range is its `databases` setting (16 by default, 0–15), checked on connecting.
  if (db !== '' && !/^\d{1,9}$/.test(db)) throw new NewsletterError('EUSAGE', `--queue: the database must be a number (0–15 on a default server), not ${JSON.stringify(db)}`, { where: '--queue', fix: FIX });
  const shown = new URL(u.href);
  if (shown.password) shown.password = '***';
  // ioredis also takes the password from the query string (?password=…): hidden the same way.
  const queryPassword = shown.searchParams.has('password');
  if (queryPassword) shown.searchParams.set('password', '***');
  return { url: u.href, display: shown.href, tls: u.protocol === 'rediss:', db: db === '' ? 0 : Number(db), hasPassword: u.password !== '' || queryPassword };
}

/**
 * Said once after a hint with a command to paste whose --queue URL shows the password as ***
 * (never printed): " (password hidden: put yours back)", or '' when the URL has none.
 */
export function hiddenPasswordNote(hasPassword: boolean): string {
  return hasPassword ? ' (password hidden: put yours back)' : '';
}

export interface ConnectOptions {
  /** CLIENT SETNAME, so `CLIENT LIST` on the server shows who is connected. */
  name: string;
  /**
   * A command without a reply after this many ms fails instead of waiting for Redis to come back
   * (ioredis commandTimeout): for a connection that answers someone waiting, like the endpoint
   * server, whose caller must get a 5xx to retry on rather than no answer. Default: wait.
   */
  commandTimeout?: number | undefined;
}

/**
 * A connection that waits through a Redis restart: commands queue while it reconnects and go out
 * once it is back (maxRetriesPerRequest null, as BullMQ requires of its workers too), so a Redis
 * restarted from its AOF costs a pause, not a stopped send. The first connection is checked now:
 * a wrong host, port, password or database number is an error here, before anything is read.
 */
export async function connectRedis(q: QueueUrl, options: ConnectOptions): Promise<Redis> {
  const redis = new Redis(q.url, { maxRetriesPerRequest: null, connectionName: options.name, lazyConnect: true, ...(options.commandTimeout ? { commandTimeout: options.commandTimeout } : {}), retryStrategy: (n) => Math.min(n * 200, 2000) });
  // Reconnects are ioredis's job; an unhandled 'error' event would end the process. The last one
  // is kept: a failed connect rejects with only "Connection is closed.", the cause is in the event.
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (cause) {
    redis.disconnect();
    throw new NewsletterError('EQUEUE', `Cannot use the Redis queue at ${q.display}: ${connectProblem(q, cause as Error, lastError)}`, {
      where: '--queue',
      fix: 'Start Redis there (or fix the host, port or password in the URL), then run the same command again.',
      cause: lastError ?? cause,
    });
  }
  await checkDatabase(redis, q);
  return redis;
}

/** Why the first connection failed, in the words of the error behind ioredis's "Connection is closed.". */
function connectProblem(q: QueueUrl, thrown: Error, event: Error | undefined): string {
  const error = event ?? thrown;
  const code = (error as NodeJS.ErrnoException).code;
  const text = code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  // A TLS client against a plain Redis port waits for a handshake that never comes, until the connect timeout.
  if (q.tls && code === 'ETIMEDOUT') return `${text} (no TLS handshake: if this port serves plain Redis, use redis:// instead of rediss://)`;
  return text;
}

/**
 * ioredis sends the URL's SELECT on connecting and reports a refusal only as an 'error' event,
 * then goes on in database 0, where another campaign may live: selected again here, so a
 * database beyond the server's range is an error rather than a silent db 0.
 */
async function checkDatabase(redis: Redis, q: QueueUrl): Promise<void> {
  if (q.db === 0) return;
  try {
    await redis.select(q.db);
  } catch (cause) {
    const count = await databaseCount(redis);
    redis.disconnect();
    const host = new URL(q.display).host;
    throw new NewsletterError('EQUEUE', `Cannot use the Redis queue at ${q.display}: database ${q.db} does not exist on ${host} (${count === undefined ? `${(cause as Error).message}; its \`databases\` setting cannot be read` : `it has \`databases\` ${count}: 0–${count - 1}`})`, {
      where: '--queue',
      fix: `Use a database number below ${count ?? 'its `databases` setting (16 by default)'} in the URL (…/DB), the same on every machine; or raise \`databases\` in that server's redis.conf and restart it.`,
      cause,
    });
  }
}

/** The server's `databases` setting, or undefined when CONFIG is refused (managed Redis). */
async function databaseCount(redis: Redis): Promise<number | undefined> {
  try {
    const [, value] = (await redis.config('GET', 'databases')) as string[];
    return value === undefined ? undefined : Number(value);
  } catch {
    return undefined;
  }
}

/**
 * What Redis keeps across a crash. The exactly-once bound holds across a Redis restart only with
 * the AOF on and each write on disk before Redis replies (appendfsync always); with `everysec`
 * up to a second of records can be lost, and each lost `sent` is a possible second copy.
 * Returns warnings (empty when all is well); a server that refuses CONFIG (managed Redis) gets one that says so.
 */
export async function persistenceWarnings(redis: Redis, display: string): Promise<string[]> {
  let config: string[];
  try {
    config = (await redis.config('GET', 'append*')) as string[];
  } catch {
    return [`Cannot read the persistence settings of ${display} (CONFIG is refused): make sure it runs with appendonly yes and appendfsync always, or a crash of Redis can lose records (see the README, "Sending from several machines").`];
  }
  const value = (name: string) => config[config.indexOf(name) + 1];
  const warnings: string[] = [];
  if (value('appendonly') !== 'yes') warnings.push(`${display} runs without the AOF (appendonly no): if Redis crashes, the campaign's records since its last snapshot are lost and those recipients can be mailed twice. Set appendonly yes and appendfsync always.`);
  else if (value('appendfsync') !== 'always') warnings.push(`${display} syncs its AOF ${value('appendfsync') ?? 'not on every write'}: if the machine crashes, up to a second of records is lost and those recipients can be mailed twice. Set appendfsync always for the exactly-once bound.`);
  return warnings;
}
