/**
 * A real redis-server for tests: its own config and data folder in a temp folder, on 127.0.0.1,
 * on a free port, with AOF on (`appendfsync always`, as the README asks production to run it for
 * the exactly-once bound), stopped in teardown.
 *
 *   const redis = await startRedis();
 *   // … redis.url (redis://127.0.0.1:PORT/0) …
 *   await redis.kill();      // SIGKILL: no shutdown save, only what the AOF holds survives
 *   await redis.restart();   // same port, same folder: loads the AOF
 *   await redis.stop();
 *
 * Like the Postfix and Dovecot tests: without redis-server the tests are skipped with a printed
 * note, except under CI=true, where .ci/run installs redis-server and they fail instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackChild } from './children.ts';
import { freePort } from './postfix.ts';

export const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
const missing = REDIS_SERVER ? undefined : 'no redis-server (sudo apt-get install redis-server)';
export const SKIP_REDIS = missing !== undefined && process.env.CI !== 'true';
if (SKIP_REDIS) console.warn(`Skipping Redis tests: ${missing}.`);

const STARTUP_MS = 10_000;

export interface RedisOptions {
  /** `always` (default: every write on disk before the reply) or `everysec`. */
  appendfsync?: 'always' | 'everysec';
  /** requirepass: the URL then carries it (redis://:PASSWORD@…). */
  password?: string;
}

export interface RedisServer {
  port: number;
  /** redis://127.0.0.1:PORT/0, with the password when there is one. */
  url: string;
  dir: string;
  /** SIGKILL, as a crash or power loss would: nothing is saved on the way down. */
  kill(): Promise<void>;
  /** Start again on the same port and folder (after kill or stop): the AOF is loaded. */
  restart(): Promise<void>;
  log(): Promise<string>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function config(dir: string, port: number, options: RedisOptions): string {
  return [
    '# Test instance: loopback only (see tests/helpers/redis.ts).',
    'bind 127.0.0.1',
    `port ${port}`,
    `dir ${dir}`,
    'daemonize no',
    'protected-mode yes',
    `logfile ${join(dir, 'redis.log')}`,
    'appendonly yes',
    `appendfsync ${options.appendfsync ?? 'always'}`,
    // No RDB snapshots: what survives a kill is what the AOF holds, nothing else.
    'save ""',
    ...(options.password ? [`requirepass ${options.password}`] : []),
    '',
  ].join('\n');
}

/** Resolves once the server answers PING (any reply, +PONG or -NOAUTH), retrying until the deadline. */
function waitForPing(port: number, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      const retry = (error: Error) => {
        socket.destroy();
        if (Date.now() > deadline) reject(error);
        else setTimeout(attempt, 50);
      };
      socket.setTimeout(1000, () => retry(new Error('no reply to PING within 1 s')));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (chunk: Buffer) => {
        const line = chunk.toString('latin1');
        socket.destroy();
        // "-LOADING" while the AOF is read: not ready yet.
        if (line.startsWith('-LOADING')) retry(new Error('still loading the AOF'));
        else resolve();
      });
      socket.once('error', retry);
    };
    attempt();
  });
}

/** Start a redis-server; stop it with `stop()` in afterAll (the process's exit kills any left running). */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'newsletter-redis-'));
  let port = await freePort();
  const conf = join(dir, 'redis.conf');
  await writeFile(conf, config(dir, port, options));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async () => {
    const c = spawn(REDIS_SERVER!, [conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    running.add(c);
    trackChild(c, 'redis-server');
    let stderr = '';
    c.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 10_000) stderr += chunk.toString('utf8');
    });
    exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    try {
      await Promise.race([
        waitForPing(port, Date.now() + STARTUP_MS),
        exited.then(() => Promise.reject(new Error(`redis-server exited with ${c.exitCode ?? c.signalCode}`))),
      ]);
    } catch (cause) {
      const log = await readFile(join(dir, 'redis.log'), 'utf8').catch(() => '(no log)');
      c.kill('SIGKILL');
      throw new Error(`redis-server did not start in ${dir}: ${(cause as Error).message}\n--- stderr ---\n${stderr}\n--- log (tail) ---\n${log.slice(-4000)}`);
    }
  };
  const halt = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || !running.delete(c) || c.exitCode !== null || c.signalCode !== null) return;
    c.kill(signal);
    const killed = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killed);
  };

  // freePort's port can be taken by someone else before redis-server binds it: try another.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt < 3 && /Address already in use/.test(String((error as Error).message))) {
        port = await freePort();
        await writeFile(conf, config(dir, port, options));
        continue;
      }
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}/0`,
    dir,
    kill: () => halt('SIGKILL'),
    restart: async () => {
      await halt('SIGTERM');
      await launch();
    },
    log: () => readFile(join(dir, 'redis.log'), 'utf8'),
    stop: async () => {
      await halt('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
