/**
 * 7. workers: the distributed send's scaling. A campaign is enqueued with the CLI
 * (`send ISSUE --to LIST --queue redis://…`), then 1, 2 or 4 worker processes
 * (`worker --queue … --concurrency 5 --exit-when-done`) start together and send it
 * to an SMTP sink in its own process (tests/helpers/sink-process.ts) that answers
 * each message 50 ms after its end of DATA, like a relay across a network: the
 * workers are bound by latency, as in production, not by this machine's cores.
 * Redis is tests/helpers/redis.ts's: a real redis-server, AOF with
 * `appendfsync always`, as production should run it.
 *
 * Each run sends PER_WORKER × workers recipients (about 15 s whatever the count),
 * to a flushed Redis, and is checked: every recipient accepted exactly once.
 * Throughput is on the sink's clock: accepted − 1 over last − first acceptance.
 * Alongside: CPU of the workers (this process's reaped children, /proc), of Redis
 * (INFO cpu) and of the sink (process.cpuUsage), and Redis commands per message:
 * all of them (INFO stats total_commands_processed, reset before the workers
 * start; Redis 7 counts the commands a Lua script runs too), and, in one extra
 * run under MONITOR, those the workers send themselves. The sink's own limit is
 * measured once: the same sink and delay driven by one nodemailer pool of 40
 * connections from its own process.
 * Alternating rounds (BENCH_ROUNDS, default 3); medians.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ENV_VARS, parseSendEnv } from '../../src/config/index.ts';
import { messageFor, prepareIssue, toRfc822 } from '../../src/mail/index.ts';
import { REDIS_SERVER, startRedis, type RedisServer } from '../../tests/helpers/redis.ts';
import { startSinkProcess, type Delivery, type SinkProcess, type SinkProcessStats } from '../../tests/helpers/sink-process.ts';
import { alternate } from '../lib/alternate.ts';
import { reapedChildrenCpuMs } from '../lib/proc-cpu.ts';
import { ROOT, SEED_FILE, seedIssue } from '../lib/seed.ts';
import { mustSpawn } from '../lib/spawn.ts';
import { atLeast, median, rateFigure, timeFigure, type BenchResult, type Figure } from '../lib/stats.ts';
import { fakeSubscriber, writeSubscriberCsv } from '../lib/subscribers.ts';
import { steadyRate } from '../lib/timeline.ts';

const DELAY_MS = 50;
const CONNECTIONS = 5; // per worker: the CLI's default --concurrency
const WORKER_COUNTS = [1, 2, 4] as const;
/** Recipients per worker and run: 5 connections at ~50 ms a message ≈ 100 msgs/s, so ~15 s a run. */
const PER_WORKER = 1_500;
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 3;
const FLOOD = { connections: 40, messages: 8_000 };
/** A run that takes longer has hung (a worker that never exits): its workers are killed and the benchmark fails. */
const RUN_CAP_MS = 240_000;
const SECRET = 'bench-unsubscribe-secret-0123456789abcdef';
const BIN = join(ROOT, 'bin', 'newsletter.js');
const TARGETS = { 2: 1.8, 4: 3.2 } as const;

/** What one run measured. */
interface Run {
  workers: number;
  messages: number;
  /** Messages/s on the sink's clock, first to last acceptance. */
  rate: number;
  /** The same between the 10 % and 90 % marks: without the workers' ramp-up and the last batches' tail. */
  steadyRate: number;
  /** From the workers' spawn to the last one's exit. */
  wallMs: number;
  workerCpuMs: number;
  redisCpuMs: number;
  sinkCpuMs: number;
  /** Redis commands while the workers ran, per message. */
  commandsPerMessage: number;
  /** Redis commands of the enqueue, per recipient. */
  enqueueCommandsPerMessage: number;
  /** The workers' phase, per command name: calls per message. */
  commandMix: Map<string, number>;
  /** With `monitor`: commands the workers sent themselves (MONITOR, not those run inside Lua scripts), per message, by name. */
  clientCommands?: Map<string, number>;
}

/** Counts the commands clients send (MONITOR shows commands run by Lua scripts with the source "lua"; those are left out). */
async function monitorClientCommands(client: Redis): Promise<{ stop: () => Promise<Map<string, number>> }> {
  const counts = new Map<string, number>();
  const monitor = await client.monitor();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === 'lua') return;
    const name = (args[0] ?? '?').toLowerCase();
    counts.set(name, (counts.get(name) ?? 0) + 1);
  });
  return {
    stop: async () => {
      // PING through the monitored server: once its echo is seen, every earlier command was too.
      const seen = new Promise<void>((resolve) => monitor.on('monitor', (_t: string, args: string[]) => args[0]?.toLowerCase() === 'echo' && args[1] === 'bench-monitor-end' && resolve()));
      await client.echo('bench-monitor-end');
      await seen;
      monitor.disconnect();
      const echoes = (counts.get('echo') ?? 1) - 1; // ours, not a worker's
      if (echoes > 0) counts.set('echo', echoes);
      else counts.delete('echo');
      return counts;
    },
  };
}

/** Parse a Redis INFO section into its fields. */
function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** The environment for the CLI children: this one without any newsletter setting (the project's .env holds them). */
function childEnv(bundle: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NEWSLETTER_BUNDLE: bundle, NO_COLOR: '1' };
  for (const name of ENV_VARS) delete env[name];
  return env;
}

/** Redis as the benchmark reads it: CPU seconds, commands processed, and per-command calls. */
class RedisProbe {
  constructor(readonly client: Redis) {}

  async cpuMs(): Promise<number> {
    const f = infoFields(await this.client.info('cpu'));
    return (Number(f.get('used_cpu_user')) + Number(f.get('used_cpu_sys'))) * 1000;
  }

  async commands(): Promise<number> {
    return Number(infoFields(await this.client.info('stats')).get('total_commands_processed'));
  }

  /** Calls per command name since the last CONFIG RESETSTAT. */
  async commandCalls(): Promise<Map<string, number>> {
    const calls = new Map<string, number>();
    for (const [key, value] of infoFields(await this.client.info('commandstats'))) {
      const n = /(?:^|,)calls=(\d+)/.exec(value);
      if (n) calls.set(key.replace(/^cmdstat_/, ''), Number(n[1]));
    }
    return calls;
  }

  /** An empty Redis and zeroed statistics: every run starts from the same place. */
  async reset(): Promise<void> {
    await this.client.flushall();
    await this.client.config('RESETSTAT');
  }
}

/** The processes and files every run shares. */
class Rig {
  readonly lists = new Map<number, string>();
  constructor(
    readonly dir: string,
    readonly project: string,
    readonly env: NodeJS.ProcessEnv,
    readonly redis: RedisServer,
    readonly probe: RedisProbe,
    readonly sink: SinkProcess,
    readonly log: (line: string) => void,
  ) {}

  cli(args: string[]) {
    return mustSpawn(process.execPath, [BIN, ...args], { cwd: this.project, env: this.env });
  }

  /** Start `count` workers together; resolves when all exited, rejecting if one failed or the cap passed. */
  async workers(count: number): Promise<void> {
    const args = [BIN, 'worker', '--queue', this.redis.url, '--concurrency', String(CONNECTIONS), '--exit-when-done'];
    const children = Array.from({ length: count }, () => spawn(process.execPath, args, { cwd: this.project, env: this.env, stdio: ['ignore', 'ignore', 'pipe'] }));
    const cap = setTimeout(() => {
      for (const c of children) c.kill('SIGKILL');
    }, RUN_CAP_MS);
    try {
      const exits = await Promise.all(
        children.map(
          (c) =>
            new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve, reject) => {
              let stderr = '';
              c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
              c.on('error', reject);
              c.on('close', (code, signal) => resolve({ code, signal, stderr }));
            }),
        ),
      );
      const bad = exits.filter((e) => e.code !== 0);
      if (bad.length) throw new Error(`${bad.length} of ${count} workers failed: ${bad.map((e) => `exit ${e.code ?? e.signal}\n${e.stderr}`).join('\n---\n')}`);
    } finally {
      clearTimeout(cap);
      // One worker failing rejects the wait: the others must not outlive the run (their Redis is stopped next).
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
  }

  /** One campaign of PER_WORKER × workers recipients, sent by that many workers; checked and measured. */
  async run(workers: number, { monitor = false } = {}): Promise<Run> {
    const messages = PER_WORKER * workers;
    const list = this.lists.get(workers)!;
    await this.probe.reset();
    await this.cli(['send', join(ROOT, SEED_FILE), '--content', join(ROOT, 'content'), '--to', list, '--queue', this.redis.url]);
    const enqueueCommands = await this.probe.commands();
    await this.probe.client.config('RESETSTAT');

    const logged = (await this.sink.deliveries()).length;
    const before = { children: reapedChildrenCpuMs(), redis: await this.probe.cpuMs(), sink: await this.sink.stats() };
    const monitoring = monitor ? await monitorClientCommands(this.probe.client) : undefined;
    const t0 = performance.now();
    await this.workers(workers);
    const wallMs = performance.now() - t0;
    const clientCommands = await monitoring?.stop();
    const after = { children: reapedChildrenCpuMs(), redis: await this.probe.cpuMs(), sink: await this.sink.stats() };
    // Read before the probe's own INFO calls add to it.
    const commands = await this.probe.commands();
    const calls = await this.probe.commandCalls();

    const got = (await this.sink.deliveries()).slice(logged);
    checkExactlyOnce(got, messages, workers);
    const accepted = got.map((d) => d.t).sort((a, b) => a - b);
    const first = accepted[0]!;
    const last = accepted[accepted.length - 1]!;
    const run: Run = {
      workers,
      messages,
      rate: (got.length - 1) / ((last - first) / 1000),
      steadyRate: steadyRate(accepted, messages),
      wallMs,
      workerCpuMs: after.children - before.children,
      redisCpuMs: after.redis - before.redis,
      sinkCpuMs: cpuMs(after.sink) - cpuMs(before.sink),
      commandsPerMessage: commands / messages,
      enqueueCommandsPerMessage: enqueueCommands / messages,
      commandMix: new Map([...calls].map(([name, n]) => [name, n / messages])),
      ...(clientCommands ? { clientCommands: new Map([...clientCommands].map(([name, n]) => [name, n / messages])) } : {}),
    };
    this.log(
      `workers: ${workers} worker(s), ${messages} messages: ${run.rate.toFixed(0)} msgs/s (sink clock), ${(wallMs / 1000).toFixed(1)} s to the last exit; ` +
        `CPU workers ${(run.workerCpuMs / 1000).toFixed(1)} s, Redis ${(run.redisCpuMs / 1000).toFixed(1)} s, sink ${(run.sinkCpuMs / 1000).toFixed(1)} s; ${run.commandsPerMessage.toFixed(1)} Redis commands/msg`,
    );
    return run;
  }

  /** The sink's own ceiling at this delay: one nodemailer pool of 40 connections, in its own process. */
  async sinkLimit(messageFile: string): Promise<{ rate: number; sinkCpuShare: number; sinkCpuMsPerMessage: number }> {
    const logged = (await this.sink.deliveries()).length;
    const before = await this.sink.stats();
    const out = await mustSpawn(process.execPath, [...process.execArgv, join(ROOT, 'bench', 'lib', 'pool-flood.ts'), String(this.sink.port), String(FLOOD.connections), String(FLOOD.messages), messageFile]);
    const after = await this.sink.stats();
    const { accepted } = JSON.parse(out.stdout.trim().split('\n').pop()!) as { accepted: number };
    const got = (await this.sink.deliveries()).slice(logged);
    if (accepted !== FLOOD.messages || got.length !== FLOOD.messages) throw new Error(`sink limit: ${accepted} accepted, ${got.length} logged, of ${FLOOD.messages}`);
    const spanMs = got[got.length - 1]!.t - got[0]!.t;
    const sinkMs = cpuMs(after) - cpuMs(before);
    return { rate: (got.length - 1) / (spanMs / 1000), sinkCpuShare: sinkMs / spanMs, sinkCpuMsPerMessage: sinkMs / got.length };
  }
}

const cpuMs = (s: SinkProcessStats) => (s.cpuUserUs + s.cpuSystemUs) / 1000;

/** Every recipient of the run accepted once: `messages` lines, as many distinct addresses, none missing. */
function checkExactlyOnce(got: readonly Delivery[], messages: number, workers: number): void {
  const distinct = new Set(got.map((d) => d.rcpt));
  if (got.length !== messages || distinct.size !== messages) {
    throw new Error(`${workers} worker(s): the sink accepted ${got.length} messages for ${distinct.size} distinct recipients, expected ${messages} each once`);
  }
  for (const i of [1, messages]) {
    const rcpt = fakeSubscriber(i).email.toLowerCase();
    if (!distinct.has(rcpt)) throw new Error(`${workers} worker(s): ${rcpt} never arrived`);
  }
}

/** The CLI bundled once for this benchmark (as the tests do), so every child runs the same code and starts fast. */
async function bundleCli(): Promise<{ bundle: string; dir: string }> {
  await mkdir(join(ROOT, 'dist'), { recursive: true });
  // Inside the project, so the bundle's external imports resolve from node_modules.
  const dir = await mkdtemp(join(ROOT, 'dist', 'bench-cli-'));
  await mustSpawn(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs'), dir]);
  return { bundle: join(dir, 'main.js'), dir };
}

/** The message the workers send (subscriber 1's), as bytes, for the sink-limit flood. */
async function floodMessage(path: string): Promise<number> {
  const env = parseSendEnv({ SMTP_URL: 'smtp://127.0.0.1:25', UNSUBSCRIBE_SECRET: SECRET }, ROOT);
  const bytes = await toRfc822(messageFor(prepareIssue(await seedIssue(), env, env.unsubscribeSecret!), fakeSubscriber(1)));
  await writeFile(path, bytes);
  return bytes.length;
}

const byWorkers = (runs: readonly Run[], w: number) => runs.filter((r) => r.workers === w);
const share = (cpu: number, wall: number) => (cpu / wall) * 100;

function figuresFor(runs: readonly Run[], w: number): Figure[] {
  const rs = byWorkers(runs, w);
  const n = rs[0]!.messages;
  return [
    rateFigure(`${w} worker(s) × ${CONNECTIONS} connections, ${n} recipients (sink clock)`, 'msgs/s', rs.map((r) => r.rate)),
    rateFigure(`  ${w}w: steady, 10 % to 90 % of the recipients (not the check)`, 'msgs/s', rs.map((r) => r.steadyRate)),
    timeFigure(`  ${w}w: worker CPU, all workers together, % of one core over the run`, '%', rs.map((r) => share(r.workerCpuMs, r.wallMs))),
    timeFigure(`  ${w}w: worker CPU per message`, 'ms', rs.map((r) => r.workerCpuMs / r.messages)),
    timeFigure(`  ${w}w: Redis CPU, % of one core over the run`, '%', rs.map((r) => share(r.redisCpuMs, r.wallMs))),
    timeFigure(`  ${w}w: Redis CPU per message`, 'ms', rs.map((r) => r.redisCpuMs / r.messages)),
    timeFigure(`  ${w}w: sink CPU, % of one core over the run`, '%', rs.map((r) => share(r.sinkCpuMs, r.wallMs))),
    timeFigure(`  ${w}w: Redis commands per message, Lua scripts' own included (workers)`, 'cmds', rs.map((r) => r.commandsPerMessage)),
  ];
}

/** Per-message counts by command name, medians over `mixes`, the largest first. */
function mixText(mixes: readonly Map<string, number>[], top = 10): string {
  const names = new Set(mixes.flatMap((m) => [...m.keys()]));
  const mix = [...names].map((name) => [name, median(mixes.map((m) => m.get(name) ?? 0))] as const).sort((a, b) => b[1] - a[1]);
  return mix
    .slice(0, top)
    .map(([n, v]) => `${n} ${v.toFixed(2)}`)
    .join(', ');
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

export async function workersBench(log: (line: string) => void): Promise<BenchResult> {
  const started = performance.now();
  if (!REDIS_SERVER) throw new Error('the workers benchmark needs redis-server (sudo apt-get install redis-server)');
  const dir = await mkdtemp(join(tmpdir(), 'newsletter-bench-workers-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  try {
    const { bundle, dir: bundleDir } = await bundleCli();
    cleanups.push(() => rm(bundleDir, { recursive: true, force: true }));
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    cleanups.push(() => client.quit());
    const sink = await startSinkProcess({ delayMs: DELAY_MS, dir });
    cleanups.push(() => sink.remove());

    const project = join(dir, 'project');
    await mkdir(project);
    await writeFile(join(project, '.env'), `SMTP_URL=smtp://127.0.0.1:${sink.port}\nUNSUBSCRIBE_SECRET=${SECRET}\n`);
    const rig = new Rig(dir, project, childEnv(bundle), redis, new RedisProbe(client), sink, log);
    for (const w of WORKER_COUNTS) {
      const path = join(dir, `list-${w}.csv`);
      await writeSubscriberCsv(path, PER_WORKER * w, { clean: true });
      rig.lists.set(w, path);
    }

    const messageFile = join(dir, 'flood.eml');
    const messageBytes = await floodMessage(messageFile);
    const limit = await rig.sinkLimit(messageFile);
    log(`workers: sink limit ${limit.rate.toFixed(0)} msgs/s with ${FLOOD.connections} connections, sink CPU ${(limit.sinkCpuShare * 100).toFixed(0)} % of one core`);

    const samples = await alternate(
      WORKER_COUNTS.map((w) => ({ name: String(w), run: () => rig.run(w) })),
      { warmup: 0, rounds: ROUNDS, onRound: (r) => log(`workers: ${r}/${ROUNDS} rounds`) },
    );
    const runs = [...samples.values()].flat();
    // One more run, not in the figures above: MONITOR costs Redis time. It tells the commands the workers send from those their scripts run.
    log('workers: one more 2-worker run under MONITOR, for the commands clients send');
    const monitored = await rig.run(2, { monitor: true });
    const clientCommands = monitored.clientCommands!;
    const rate = (w: number) => median(byWorkers(runs, w).map((r) => r.rate));
    // Per round: 1, 2 and 4 workers ran back to back, so load from elsewhere hit them alike.
    const perRound = (w: number) => samples.get(String(w))!.map((r, i) => r.rate / samples.get('1')![i]!.rate);
    const latencyBound = (w: number) => (w * CONNECTIONS * 1000) / DELAY_MS;
    return {
      name: 'workers',
      figures: [
        ...WORKER_COUNTS.flatMap((w) => figuresFor(runs, w)),
        rateFigure('2 workers / 1 worker, per round (not the check)', '×', perRound(2)),
        rateFigure('4 workers / 1 worker, per round (not the check)', '×', perRound(4)),
        timeFigure('Redis commands per message sent by the workers themselves (MONITOR, one 2-worker run)', 'cmds', [sum(clientCommands)]),
        timeFigure('Redis commands per recipient while enqueueing (send --queue)', 'cmds', runs.map((r) => r.enqueueCommandsPerMessage)),
        rateFigure(`sink limit: one nodemailer pool, ${FLOOD.connections} connections, ${DELAY_MS} ms per message (sink clock)`, 'msgs/s', [limit.rate]),
        timeFigure('  sink limit: sink CPU, % of one core', '%', [limit.sinkCpuShare * 100]),
        timeFigure('  sink limit: sink CPU per message', 'ms', [limit.sinkCpuMsPerMessage]),
      ],
      checks: [2, 4].map((w) => atLeast(`workers: ${w} workers / 1 worker`, rate(w) / rate(1), TARGETS[w as 2 | 4], '×', `median(${w}w msgs/s) / median(1w msgs/s), alternating rounds`)),
      notes: [
        `${ROUNDS} rounds, 1, 2 and 4 workers in rotating order; each run a flushed Redis (AOF, appendfsync always) and PER_WORKER = ${PER_WORKER} recipients per worker; the sink answers ${DELAY_MS} ms after each end of DATA; ${(messageBytes / 1024).toFixed(1)} KB messages.`,
        `Latency bound (connections / delay): ${WORKER_COUNTS.map((w) => `${w}w ${latencyBound(w)}`).join(', ')} msgs/s; measured ${WORKER_COUNTS.map((w) => `${w}w ${rate(w).toFixed(0)} (${((rate(w) / latencyBound(w)) * 100).toFixed(0)} %)`).join(', ')}.`,
        `Sink limit ${limit.rate.toFixed(0)} msgs/s at ${(limit.sinkCpuShare * 100).toFixed(0)} % of one core (${limit.sinkCpuMsPerMessage.toFixed(2)} ms CPU a message: CPU-bound ceiling ≈ ${(1000 / limit.sinkCpuMsPerMessage).toFixed(0)} msgs/s); ${FLOOD.connections} connections allow ${(FLOOD.connections * 1000) / DELAY_MS}.`,
        `Worker CPU is this process's reaped children (cutime + cstime): all workers of the run, start-up included. The machine has ${cpus().length} cores for workers, Redis, the sink and this process together.`,
        `Redis commands per message while the workers ran, all (commandstats, medians; a Lua script's commands count under their own names): ${mixText(runs.map((r) => r.commandMix))}.`,
        `Of those, sent by the workers (MONITOR, 2-worker run; one round trip may carry several when pipelined): ${mixText([clientCommands])}; ` +
          `cross-check, EVALSHA in that run by commandstats (which scripts cannot call): ${(monitored.commandMix.get('evalsha') ?? 0).toFixed(2)} per message.`,
      ],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
