/**
 * An SMTP sink in its own process, for tests and benchmarks where the senders are other
 * processes (workers) and the sink must outlive, or be killed apart from, the test's own
 * thread. It accepts everything and writes one JSON line per accepted recipient to a log
 * file BEFORE answering 250, so what a client saw accepted is always in `deliveries()`.
 *
 *   const sink = await startSinkProcess({ delayMs: 50 });
 *   // … workers send to smtp://127.0.0.1:${sink.port} …
 *   expect((await sink.counts()).get('ada@example.com')).toBe(1);
 *   await sink.stop();
 *   await sink.remove();
 *
 * The child is tests/helpers/sink-child.mjs (plain JavaScript: it starts without tsx).
 * For fault plans and parsed messages use smtp-test-server.ts, in the test's own process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./sink-child.mjs', import.meta.url));
const STARTUP_MS = 10_000;
const STOP_MS = 10_000;

export interface SinkProcessOptions {
  /** Wait this long after the end of DATA before answering 250 (a relay across a network). */
  delayMs?: number;
  /** smtp-server's maxClients: connections beyond it are refused with 421. */
  maxClients?: number;
  /** Answer every Nth RCPT TO (counted over all connections) `451 4.7.1 try later`. */
  deferEvery?: number;
  /** Folder for the log (default: a new temp folder, removed by `remove()`). */
  dir?: string;
}

/** One accepted recipient, as the sink logged it. */
export interface Delivery {
  /** When the message was accepted (epoch ms), just before the 250. */
  t: number;
  /** The RCPT TO address, lower-cased. */
  rcpt: string;
  /** The message's Message-ID header, with its angle brackets, when it had one. */
  id?: string;
  /** The envelope sender (MAIL FROM); '' for the null sender. */
  from: string;
}

/** The sink's counters and its own CPU time (process.cpuUsage, microseconds). */
export interface SinkProcessStats {
  connections: number;
  messages: number;
  recipients: number;
  /** RCPT TO commands answered 451 by `deferEvery`. */
  deferred: number;
  rcptCommands: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  pid: number;
}

export interface SinkProcess {
  port: number;
  pid: number;
  logPath: string;
  /** Every accepted recipient so far, in log order (whole lines only). */
  deliveries(): Promise<Delivery[]>;
  /** Accepted messages per recipient (lower-cased): more than 1 is a duplicate. */
  counts(): Promise<Map<string, number>>;
  /** Counters and CPU time now (the process must be running). */
  stats(): Promise<SinkProcessStats>;
  /** Close the server (open connections get 0.5 s), exit; resolves with the final stats. The log stays readable. */
  stop(): Promise<SinkProcessStats>;
  /** SIGKILL, as a crash would; the log stays readable. */
  kill(): Promise<void>;
  /** Stop if running and delete the temp folder made for the log (not a `dir` given in the options). */
  remove(): Promise<void>;
}

type FromChild = { port: number } | { stats: SinkProcessStats };

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Parse the log: every complete line (a line without its newline is still being written, and skipped). */
export function parseDeliveries(text: string): Delivery[] {
  const lines = text.split('\n');
  lines.pop(); // after the last newline: '' or an incomplete line
  return lines.filter((line) => line !== '').map((line) => JSON.parse(line) as Delivery);
}

export async function startSinkProcess(options: SinkProcessOptions = {}): Promise<SinkProcess> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'newsletter-sink-')));
  const logPath = join(dir, `sink-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.jsonl`);
  await writeFile(logPath, '');
  const args = JSON.stringify({ logPath, delayMs: options.delayMs ?? 0, maxClients: options.maxClients ?? 0, deferEvery: options.deferEvery ?? 0 });
  // execArgv []: the child is plain JavaScript; it does not need the parent's tsx or vitest loaders.
  const child = fork(CHILD, [args], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => running.delete(child), () => {});

  /** Resolves with the next message of this shape from the child; rejects if it exits first. */
  const next = <K extends 'port' | 'stats'>(key: K, timeoutMs: number) =>
    new Promise<Extract<FromChild, Record<K, unknown>>>((resolve, reject) => {
      const onMessage = (m: FromChild) => {
        if (key in m) {
          done();
          resolve(m as Extract<FromChild, Record<K, unknown>>);
        }
      };
      const onExit = (code: number | null, signal: string | null) => {
        done();
        reject(new Error(`sink process exited (${code ?? signal}) before sending ${key}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`sink process sent no ${key} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });

  let port: number;
  try {
    port = (await next('port', STARTUP_MS)).port;
  } catch (error) {
    child.kill('SIGKILL');
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const alive = () => child.exitCode === null && child.signalCode === null;

  const deliveries = async () => parseDeliveries(await readFile(logPath, 'utf8'));
  const stop = async (): Promise<SinkProcessStats> => {
    if (!alive()) throw new Error('sink process is not running');
    const final = next('stats', STOP_MS);
    child.send({ op: 'stop' });
    const { stats } = await final;
    await exited;
    return stats;
  };
  const kill = async () => {
    if (alive()) child.kill('SIGKILL');
    await exited;
  };

  return {
    port,
    pid: child.pid!,
    logPath,
    deliveries,
    counts: async () => {
      const counts = new Map<string, number>();
      for (const d of await deliveries()) counts.set(d.rcpt, (counts.get(d.rcpt) ?? 0) + 1);
      return counts;
    },
    stats: async () => {
      if (!alive()) throw new Error('sink process is not running');
      const reply = next('stats', STOP_MS);
      child.send({ op: 'stats' });
      return (await reply).stats;
    },
    stop,
    kill,
    remove: async () => {
      await kill();
      if (ownDir) await rm(dir, { recursive: true, force: true });
      else await rm(logPath, { force: true });
    },
  };
}
