/**
 * A minimal SMTP sink for the delivery benchmarks: smtp-server on 127.0.0.1,
 * port 0, no TLS, no AUTH, accepting everything and only counting (messages,
 * bytes, distinct recipients) so the work can be checked. It runs in its own
 * process, as a real server would, so receiving does not share the sender's
 * thread. Control over IPC: 'reset' clears the counters, 'stats' reports them.
 *
 * Started with `{ faults: true }` it can also misbehave the way real MTAs do,
 * per run (`reset(plan)`): defer a share of RCPT attempts with 451, and hold a
 * 421 storm. Only then are the fault hooks installed at all, so the `deliver`
 * benchmark's sink is exactly the plain one. In fault mode a recipient counts
 * when its message is accepted (end of DATA), with the time, since a RCPT that
 * was accepted may still lose its message to a 421 at DATA.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { seededRandom } from '../../tests/helpers/seeded-random.ts';

/** What goes wrong during one run (fault mode only). Every draw comes from a generator seeded with `seed`. */
export interface FaultPlan {
  /** Share (0..1) of RCPT TO attempts answered `451 4.7.1 Please try again later`; each attempt is drawn anew, so a retry may be deferred again. */
  deferRate?: number;
  seed?: number;
  /** A 421 storm of `ms` milliseconds, starting once `afterRecipients` recipients are accepted: `421 4.7.0` at connect and to any command, then the connection is closed. */
  storm?: { afterRecipients: number; ms: number };
}

export interface SinkStats {
  messages: number;
  bytes: number;
  distinctRecipients: number;
  /**
   * When the first and the last message of the run were accepted (end of DATA), in ms on the sink's
   * own monotonic clock (only their difference means anything). The rate between them excludes
   * what happens before the first message (a sender's login check, connection set-up) for every sender alike.
   */
  firstAcceptedMs?: number;
  lastAcceptedMs?: number;
  /** Fault mode: when each distinct recipient was first accepted (epoch ms, ascending). */
  accepted?: number[];
  /** Fault mode: RCPT attempts answered 451, and replies of 421 (connects and commands). */
  deferred?: number;
  refused421?: number;
  /** Fault mode: when the storm ran (epoch ms), if it started. */
  storm?: { start: number; end: number };
}

type Reply = { port: number } | SinkStats;
type Op = { op: 'reset'; plan?: FaultPlan } | { op: 'stats' };

export interface Sink {
  port: number;
  /** Clear the counters; in fault mode, `plan` is what goes wrong in the next run (none when omitted). */
  reset(plan?: FaultPlan): Promise<void>;
  stats(): Promise<SinkStats>;
  close(): void;
}

/** Start the sink in a child process and wait for its port. */
export async function startSink(options: { faults?: boolean } = {}): Promise<Sink> {
  const args = ['--sink', ...(options.faults ? ['--faults'] : [])];
  const child: ChildProcess = fork(new URL(import.meta.url), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies: ((r: Reply) => void)[] = [];
  child.on('message', (r: Reply) => replies.shift()?.(r));
  const ask = (op: Op | 'hello') =>
    new Promise<Reply>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`SMTP sink exited (${code})`));
      child.once('exit', onExit);
      replies.push((r) => {
        child.off('exit', onExit);
        resolve(r);
      });
      if (op !== 'hello') child.send(op);
    });
  const hello = await ask('hello');
  if (!('port' in hello)) throw new Error('SMTP sink did not report its port');
  return {
    port: hello.port,
    reset: async (plan) => {
      if (plan && !options.faults) throw new Error('this sink was started without { faults: true }');
      await ask({ op: 'reset', ...(plan ? { plan } : {}) });
    },
    stats: async () => (await ask({ op: 'stats' })) as SinkStats,
    close: () => child.kill(),
  };
}

/** An SMTP reply for smtp-server (it hides its own enhanced codes by default, so ours lead the text). */
const reply = (responseCode: number, text: string) => Object.assign(new Error(text), { responseCode });
const DEFER = () => reply(451, '4.7.1 Please try again later');
const STORM = () => reply(421, '4.7.0 Too busy, try again later; closing connection');

/** The run's fault state and counters, replaced by each reset. */
class FaultRun {
  readonly plan: FaultPlan;
  readonly random: () => number;
  readonly delivered = new Map<string, number>();
  deferred = 0;
  refused421 = 0;
  stormStart: number | undefined;

  constructor(plan: FaultPlan) {
    this.plan = plan;
    this.random = seededRandom(plan.seed ?? 1);
  }

  /** In the storm now? Counts the 421 it is about to send. */
  storming(): boolean {
    const storm = this.plan.storm;
    const now = Date.now();
    const on = storm !== undefined && this.stormStart !== undefined && now < this.stormStart + storm.ms;
    if (on) this.refused421++;
    return on;
  }

  accept(recipients: readonly string[]): void {
    const now = Date.now();
    for (const r of recipients) if (!this.delivered.has(r)) this.delivered.set(r, now);
    const storm = this.plan.storm;
    if (storm && this.stormStart === undefined && this.delivered.size >= storm.afterRecipients) this.stormStart = now;
  }

  stats(): Pick<SinkStats, 'accepted' | 'deferred' | 'refused421' | 'storm'> {
    const { storm } = this.plan;
    return {
      accepted: [...this.delivered.values()].sort((a, b) => a - b),
      deferred: this.deferred,
      refused421: this.refused421,
      ...(storm && this.stormStart !== undefined ? { storm: { start: this.stormStart, end: this.stormStart + storm.ms } } : {}),
    };
  }
}

/** Fault mode's hooks: deferrals at RCPT, the storm everywhere, recipients counted at end of DATA. */
function faultHooks(run: () => FaultRun, count: (size: number) => void): Partial<SMTPServerOptions> {
  return {
    onConnect(_session, callback) {
      callback(run().storming() ? STORM() : undefined);
    },
    onMailFrom(_address, _session, callback) {
      callback(run().storming() ? STORM() : undefined);
    },
    onRcptTo(_address, _session, callback) {
      const r = run();
      if (r.storming()) return callback(STORM());
      if (r.random() < (r.plan.deferRate ?? 0)) {
        r.deferred++;
        return callback(DEFER());
      }
      callback();
    },
    onData(stream, session, callback) {
      let size = 0;
      stream.on('data', (chunk: Buffer) => (size += chunk.length));
      stream.on('end', () => {
        const r = run();
        if (r.storming()) return callback(STORM());
        count(size);
        r.accept(session.envelope.rcptTo.map((a) => a.address.toLowerCase()));
        callback(null, 'Queued by the bench sink');
      });
    },
  };
}

function serve(faults: boolean): void {
  let messages = 0;
  let bytes = 0;
  let first: number | undefined;
  let last: number | undefined;
  let recipients = new Set<string>();
  let run = new FaultRun({});
  const count = (size: number) => {
    messages++;
    bytes += size;
    last = performance.now();
    first ??= last;
  };
  const times = () => (first === undefined || last === undefined ? {} : { firstAcceptedMs: first, lastAcceptedMs: last });
  const plain: Partial<SMTPServerOptions> = {
    onRcptTo(address, _session, callback) {
      recipients.add(address.address.toLowerCase());
      callback();
    },
    onData(stream, _session, callback) {
      let size = 0;
      stream.on('data', (chunk: Buffer) => (size += chunk.length));
      stream.on('end', () => {
        count(size);
        callback(null, 'Queued by the bench sink');
      });
    },
  };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    banner: 'bench sink',
    size: 0,
    ...(faults ? faultHooks(() => run, count) : plain),
  });
  server.on('error', (error) => {
    console.error('sink:', error);
    process.exit(1);
  });
  process.on('message', (message: Op) => {
    if (message.op === 'reset') {
      messages = 0;
      bytes = 0;
      first = undefined;
      last = undefined;
      recipients = new Set();
      run = new FaultRun(message.plan ?? {});
      process.send!({ messages, bytes, distinctRecipients: 0 });
    } else if (faults) process.send!({ messages, bytes, distinctRecipients: run.delivered.size, ...times(), ...run.stats() });
    else process.send!({ messages, bytes, distinctRecipients: recipients.size, ...times() });
  });
  process.on('disconnect', () => process.exit(0));
  server.listen(0, '127.0.0.1', () => {
    const address = server.server.address();
    process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
  });
}

if (process.argv.includes('--sink')) serve(process.argv.includes('--faults'));
