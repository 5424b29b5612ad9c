/**
 * A minimal SMTP sink for the delivery benchmark: smtp-server on 127.0.0.1,
 * port 0, no TLS, no AUTH, accepting everything and only counting (messages,
 * bytes, distinct recipients) so the work can be checked. It runs in its own
 * process, as a real server would, so receiving does not share the sender's
 * thread. Control over IPC: 'reset' clears the counters, 'stats' reports them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { SMTPServer } from 'smtp-server';

export interface SinkStats {
  messages: number;
  bytes: number;
  distinctRecipients: number;
}

type Reply = { port: number } | SinkStats;

export interface Sink {
  port: number;
  reset(): Promise<void>;
  stats(): Promise<SinkStats>;
  close(): void;
}

/** Start the sink in a child process and wait for its port. */
export async function startSink(): Promise<Sink> {
  const child: ChildProcess = fork(new URL(import.meta.url), ['--sink'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies: ((r: Reply) => void)[] = [];
  child.on('message', (r: Reply) => replies.shift()?.(r));
  const ask = (op: 'reset' | 'stats' | 'hello') =>
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
    reset: async () => void (await ask('reset')),
    stats: async () => (await ask('stats')) as SinkStats,
    close: () => child.kill(),
  };
}

function serve(): void {
  let messages = 0;
  let bytes = 0;
  let recipients = new Set<string>();
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    banner: 'bench sink',
    size: 0,
    onRcptTo(address, _session, callback) {
      recipients.add(address.address.toLowerCase());
      callback();
    },
    onData(stream, _session, callback) {
      let size = 0;
      stream.on('data', (chunk: Buffer) => (size += chunk.length));
      stream.on('end', () => {
        messages++;
        bytes += size;
        callback(null, 'Queued by the bench sink');
      });
    },
  });
  server.on('error', (error) => {
    console.error('sink:', error);
    process.exit(1);
  });
  process.on('message', (op: string) => {
    if (op === 'reset') {
      messages = 0;
      bytes = 0;
      recipients = new Set();
      process.send!({ messages, bytes, distinctRecipients: 0 });
    } else process.send!({ messages, bytes, distinctRecipients: recipients.size });
  });
  process.on('disconnect', () => process.exit(0));
  server.listen(0, '127.0.0.1', () => {
    const address = server.server.address();
    process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
  });
}

if (process.argv.includes('--sink')) serve();
