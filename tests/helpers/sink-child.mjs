// The SMTP sink's own process (started by tests/helpers/sink-process.ts with fork and IPC).
// Plain JavaScript so it starts in milliseconds without tsx, in tests and in the `workers` benchmark.
//
// Argument: one JSON object { logPath, delayMs, maxClients, deferEvery }.
// It listens on 127.0.0.1, port 0, accepts any sender and recipient without TLS or a login
// (a login, if a client offers one, is accepted too), reads every message to its end, waits
// delayMs (a remote relay across a network), appends one JSON line per recipient to logPath,
// and only then answers 250: a message its client saw accepted is always in the log.
//
// IPC: it sends { port } once listening; { op: 'stats' } → SinkChildStats; { op: 'stop' } →
// closes the server (open connections get a moment to finish), sends its final stats, exits 0.
import { appendFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';

const options = JSON.parse(process.argv[2] ?? '{}');
const logPath = options.logPath;
const delayMs = options.delayMs ?? 0;
const deferEvery = options.deferEvery ?? 0;
if (typeof logPath !== 'string' || !process.send) throw new Error('usage: fork(sink-child.mjs, [JSON { logPath, … }]) with an IPC channel');

/** Headers are read up to this many bytes for the Message-ID; a header block longer than that is not a real newsletter. */
const HEADER_LIMIT = 64 * 1024;

const counters = { connections: 0, messages: 0, recipients: 0, deferred: 0, rcptCommands: 0 };

/** An SMTP reply for smtp-server: the enhanced status code leads the text, as Postfix writes it. */
const reply = (responseCode, text) => Object.assign(new Error(text), { responseCode });

/** The Message-ID header (unfolded, with its angle brackets) from the header block, or undefined. */
function messageId(headerText) {
  const match = /^message-id:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)/im.exec(headerText);
  const value = match?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim();
  return value ? value : undefined;
}

/** Reads the stream to its end, keeping only the header block; resolves with it. */
function readHeaders(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let kept = 0;
    let done = false;
    stream.on('data', (chunk) => {
      if (done) return;
      chunks.push(chunk);
      kept += chunk.length;
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.search(/\r?\n\r?\n/);
      if (end !== -1 || kept >= HEADER_LIMIT) {
        done = true;
        chunks.length = 0;
        chunks.push(Buffer.from(end === -1 ? text : text.slice(0, end), 'latin1'));
      }
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    stream.on('error', reject);
  });
}

/** One line per recipient, all of the message's lines in ONE append: a kill never leaves half a message's lines. */
function record(envelope, id) {
  const t = Date.now();
  const from = envelope.mailFrom ? envelope.mailFrom.address : '';
  const lines = envelope.rcptTo.map((r) => JSON.stringify({ t, rcpt: r.address.toLowerCase(), ...(id ? { id } : {}), from }) + '\n');
  appendFileSync(logPath, lines.join(''));
  counters.messages++;
  counters.recipients += lines.length;
}

const server = new SMTPServer({
  secure: false,
  disabledCommands: ['STARTTLS'],
  authOptional: true,
  allowInsecureAuth: true,
  logger: false,
  banner: 'sink-process',
  size: 0,
  ...(options.maxClients ? { maxClients: options.maxClients } : {}),
  // Pooled clients keep their connections open: on stop, give them a moment, not smtp-server's 30 s.
  closeTimeout: 500,
  onConnect(_session, callback) {
    counters.connections++;
    callback();
  },
  onAuth(auth, _session, callback) {
    callback(null, { user: auth.username ?? 'anonymous' });
  },
  onRcptTo(_address, _session, callback) {
    counters.rcptCommands++;
    if (deferEvery > 0 && counters.rcptCommands % deferEvery === 0) {
      counters.deferred++;
      return callback(reply(451, '4.7.1 try later'));
    }
    callback();
  },
  onData(stream, session, callback) {
    readHeaders(stream).then(
      (headers) => {
        const answer = () => {
          try {
            record(session.envelope, messageId(headers));
          } catch (error) {
            return callback(reply(451, `4.3.0 sink could not write its log: ${error.message}`));
          }
          callback(null, '2.0.0 Ok: queued by sink-process');
        };
        if (delayMs > 0) setTimeout(answer, delayMs);
        else answer();
      },
      (error) => callback(error),
    );
  },
});

server.on('error', (error) => {
  // A client vanishing mid-session is routine; anything else is logged, the sink keeps serving.
  if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') console.error('sink-process:', error.message);
});

const stats = () => {
  const cpu = process.cpuUsage();
  return { ...counters, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, pid: process.pid };
};

process.on('message', (message) => {
  if (message?.op === 'stats') process.send({ stats: stats() });
  else if (message?.op === 'stop') {
    server.close(() => {
      process.send({ stats: stats() }, () => process.exit(0));
    });
  }
});
// The parent went away (crashed, or killed without stop): do not linger holding the port.
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  process.send({ port: typeof address === 'object' && address ? address.port : 0 });
});
