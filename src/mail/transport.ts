import { Transform } from 'node:stream';
import nodemailer from 'nodemailer';
import type { SMTPPoolOptions } from 'nodemailer/lib/smtp-pool';
import type { SmtpConfig, SmtpTlsConfig } from '../config/index.ts';

/**
 * No DKIM option, on purpose: messageFor signs each message as it makes it
 * (prepareIssue's `dkim`, dkim.ts), so the transport has nothing to sign and
 * no way to sign a second time.
 */
export interface TransportOptions {
  concurrency: number;
  /** Test hooks: timeouts, TLS options (e.g. a self-signed test server); never DKIM (see above). */
  overrides?: Omit<Partial<SMTPPoolOptions>, 'dkim'>;
}

/** Node's tls.connect options: `ca` replaces the system CAs, `servername` is both SNI and the name checked. */
function tlsOptions(tls: SmtpTlsConfig): NonNullable<SMTPPoolOptions['tls']> {
  return {
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
    rejectUnauthorized: tls.verify,
  };
}

export function poolOptions(smtp: SmtpConfig, options: TransportOptions): SMTPPoolOptions & { pool: true } {
  return {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTLS,
    ...(smtp.auth ? { auth: { user: smtp.auth.user, pass: smtp.auth.pass } } : {}),
    ...(smtp.tls ? { tls: tlsOptions(smtp.tls) } : {}),
    maxConnections: options.concurrency,
    maxMessages: 100,
    // The pool re-queues a message only when its connection closed before a byte of it
    // was sent; bound that (nodemailer <7 re-queued forever). Our own retries do the rest.
    maxRequeues: 2,
    // Our pacer does the rate limiting across all connections; no per-pool rateLimit.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 120_000,
    // No logging: the transaction log would carry AUTH exchanges.
    logger: false,
    debug: false,
    ...options.overrides,
    pool: true,
  };
}

/**
 * Mail option naming a promise the end of the message waits for. The sender
 * sets it to the previous message's journal commit, so a connection can carry
 * the next message while that commit is in progress, yet the server cannot
 * accept it (it needs the final "." of DATA) before the previous outcome is on
 * disk. That keeps "at most --concurrency messages can repeat after a crash"
 * without idling a connection for every fsync. A function instead of a promise is called when
 * the message reaches its end, and its promise is waited for (a pace that must hold at the server).
 */
export const COMMIT_GATE = 'newsletterCommitGate';

function holdEnd(gate: Promise<unknown> | (() => Promise<unknown>)): Transform {
  return new Transform({
    // A gate function is called at the message's end, which must be the end nodemailer is writing
    // after DATA: with the default 16 KB buffer a small message passes through whole as soon as its
    // stream is made, before MAIL FROM. Without a buffer it moves only as the socket reads it.
    ...(typeof gate === 'function' ? { readableHighWaterMark: 0 } : {}),
    transform(chunk, _encoding, callback) {
      callback(null, chunk);
    },
    flush(callback) {
      (typeof gate === 'function' ? gate() : gate).then(
        () => callback(),
        // A fresh error, not the gate's own: nodemailer rewrites the error it is handed (code ESTREAM, the
        // reply added to the message), and the gate's is the journal's, which the run reports as it is.
        (error: unknown) => callback(new Error(`The journal commit this message waits for failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })),
      );
    },
  });
}

export function createSmtpTransport(smtp: SmtpConfig, options: TransportOptions) {
  const transport = nodemailer.createTransport(poolOptions(smtp, options));
  transport.use('stream', (mail, done) => {
    const gate = (mail.data as Record<string, unknown>)[COMMIT_GATE];
    // A process function runs per read stream (a message the pool re-queues gets a fresh one),
    // after nodemailer's own pipeline: an extra pipeline stage made every message pay for a
    // stream-destroyed error object when the pipeline finished.
    if ((gate instanceof Promise || typeof gate === 'function') && mail.message)
      mail.message.processFunc((input) => {
        const output = holdEnd(gate as Promise<unknown> | (() => Promise<unknown>));
        input.on('error', (error) => output.destroy(error));
        return input.pipe(output);
      });
    done();
  });
  return transport;
}

export type SmtpTransport = ReturnType<typeof createSmtpTransport>;
