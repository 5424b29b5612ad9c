import { connect, type Socket } from 'node:net';

/**
 * A minimal Marionette client: the remote protocol built into Gecko (Firefox, Thunderbird).
 *
 * Written by hand because no maintained Node client exists (the old `marionette-client`
 * package targets Firefox OS and has been dead for years), geckodriver is not packaged for
 * Debian, and the protocol is small: after a hello, every message is `LENGTH:JSON`, commands
 * `[0, id, name, params]` and replies `[1, id, error, result]`
 * (https://firefox-source-docs.mozilla.org/testing/marionette/Protocol.html).
 */
export interface Marionette {
  /** Send a command (e.g. "WebDriver:ExecuteScript") and wait for its result. */
  command<T = unknown>(name: string, params?: Record<string, unknown>): Promise<T>;
  close(): void;
}

export class MarionetteError extends Error {
  constructor(
    readonly command: string,
    readonly error: string,
    message: string,
  ) {
    super(`${command}: ${error}: ${message}`);
  }
}

const COMMAND_TIMEOUT_MS = 30_000;

interface Pending {
  name: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Connect to Marionette on 127.0.0.1:port; rejects when nothing listens or the hello does not come. */
export async function connectMarionette(port: number, timeoutMs = 5_000): Promise<Marionette> {
  const socket = connect({ host: '127.0.0.1', port });
  const pending = new Map<number, Pending>();
  let nextId = 0;
  const hello = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no Marionette hello on port ${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    readFrames(socket, (message) => {
      if (!Array.isArray(message)) {
        clearTimeout(timer);
        return resolve(); // the hello: {"applicationType":"gecko","marionetteProtocol":3}
      }
      const [, id, error, result] = message as [1, number, { error: string; message: string } | null, unknown];
      const waiting = pending.get(id);
      pending.delete(id);
      if (!waiting) return;
      if (error) waiting.reject(new MarionetteError(waiting.name, error.error, error.message));
      else waiting.resolve(result);
    });
  });
  socket.on('close', () => {
    for (const waiting of pending.values()) waiting.reject(new Error(`${waiting.name}: the connection to Marionette closed`));
    pending.clear();
  });
  try {
    await hello;
  } catch (error) {
    socket.destroy();
    throw error;
  }
  return {
    command<T>(name: string, params: Record<string, unknown> = {}): Promise<T> {
      const id = ++nextId;
      const body = JSON.stringify([0, id, name, params]);
      return new Promise<T>((resolve, reject) => {
        // A hung browser must not hang the caller: every command has a deadline.
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: no answer from Marionette within ${COMMAND_TIMEOUT_MS / 1000} s`));
        }, COMMAND_TIMEOUT_MS);
        const settle = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => {
          clearTimeout(timer);
          fn(...args);
        };
        pending.set(id, { name, resolve: settle(resolve as (value: unknown) => void), reject: settle(reject) });
        socket.write(`${Buffer.byteLength(body)}:${body}`);
      });
    },
    close: () => socket.destroy(),
  };
}

/** Split the stream into `LENGTH:JSON` frames. */
function readFrames(socket: Socket, onMessage: (message: unknown) => void): void {
  let buffer: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    for (;;) {
      const colon = buffer.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(buffer.subarray(0, colon).toString('latin1'));
      if (buffer.length < colon + 1 + length) return;
      const frame = buffer.subarray(colon + 1, colon + 1 + length).toString('utf8');
      buffer = buffer.subarray(colon + 1 + length);
      onMessage(JSON.parse(frame));
    }
  });
}
