/**
 * A raw SMTP client over net.Socket, without nodemailer: EHLO once per
 * connection, then every message pipelined (RFC 2920) as one write per
 * message: the previous message's body and final dot, then the next MAIL
 * FROM, RCPT TO and DATA, waiting only for the 354. It does no MIME work and
 * no bookkeeping, so what it achieves is what the sink can accept on this
 * machine: the physical limit for delivery.
 */
import { connect, type Socket } from 'node:net';

class Replies {
  #buffer = '';
  #lines: string[] = [];
  #waiting: { resolve: (code: number) => void; reject: (e: Error) => void } | undefined;
  #queue: number[] = [];
  #error: Error | undefined;

  constructor(socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => {
      this.#buffer += data;
      for (let nl = this.#buffer.indexOf('\n'); nl !== -1; nl = this.#buffer.indexOf('\n')) {
        const line = this.#buffer.slice(0, nl).replace(/\r$/, '');
        this.#buffer = this.#buffer.slice(nl + 1);
        this.#lines.push(line);
        // A reply ends at a line with a space (or nothing) after its 3-digit code; "250-…" continues.
        if (line.length < 4 || line[3] === ' ') {
          this.#queue.push(Number(line.slice(0, 3)));
          this.#lines = [];
        }
      }
      this.#deliver();
    });
    const fail = (e: Error) => {
      this.#error = e;
      this.#waiting?.reject(e);
      this.#waiting = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  #deliver(): void {
    if (this.#waiting && this.#queue.length) {
      const w = this.#waiting;
      this.#waiting = undefined;
      w.resolve(this.#queue.shift()!);
    }
  }

  /** The next reply's code; throws unless it is `expected`. */
  async expect(expected: number, what: string): Promise<void> {
    const code = this.#queue.length
      ? this.#queue.shift()!
      : await new Promise<number>((resolve, reject) => {
          if (this.#error) return reject(this.#error);
          this.#waiting = { resolve, reject };
        });
    if (code !== expected) throw new Error(`raw SMTP: ${what} got ${code}, expected ${expected}`);
  }
}

/** Dot-stuff a CRLF message for DATA and end it with the terminating dot line. */
export function dataBlock(message: Buffer): string {
  let text = message.toString('latin1').replace(/\r?\n/g, '\r\n');
  if (!text.endsWith('\r\n')) text += '\r\n';
  return text.replace(/^\./gm, '..') + '.\r\n';
}

async function oneConnection(port: number, count: number, envelope: string, data: string): Promise<number> {
  const socket = connect({ port, host: '127.0.0.1', noDelay: true });
  const replies = new Replies(socket);
  try {
    await replies.expect(220, 'greeting');
    socket.write('EHLO bench.localhost\r\n');
    await replies.expect(250, 'EHLO');
    let accepted = 0;
    socket.write(envelope);
    for (let i = 0; i < count; i++) {
      await replies.expect(250, 'MAIL FROM');
      await replies.expect(250, 'RCPT TO');
      await replies.expect(354, 'DATA');
      // This body, then (pipelined) the next envelope; QUIT after the last.
      socket.write(i + 1 < count ? data + envelope : data + 'QUIT\r\n');
      await replies.expect(250, 'end of DATA');
      accepted++;
    }
    await replies.expect(221, 'QUIT');
    return accepted;
  } finally {
    socket.destroy();
  }
}

/** Send `messages` copies of `message` over `connections` connections; returns how many the server accepted. */
export async function rawSend(port: number, opts: { connections: number; messages: number; from: string; to: string; message: Buffer }): Promise<number> {
  const envelope = `MAIL FROM:<${opts.from}>\r\nRCPT TO:<${opts.to}>\r\nDATA\r\n`;
  const data = dataBlock(opts.message);
  const shares = Array.from({ length: opts.connections }, (_, i) => Math.floor(opts.messages / opts.connections) + (i < opts.messages % opts.connections ? 1 : 0));
  const counts = await Promise.all(shares.filter((n) => n > 0).map((n) => oneConnection(port, n, envelope, data)));
  return counts.reduce((a, b) => a + b, 0);
}
