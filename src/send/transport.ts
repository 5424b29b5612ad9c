import nodemailer from 'nodemailer';
import type { SMTPPoolOptions } from 'nodemailer/lib/smtp-pool';
import type { DkimConfig, SmtpConfig } from './config.ts';

/**
 * The signed header list. nodemailer 10's default happens to include
 * List-Unsubscribe-Post, older ones did not; RFC 8058 one-click only counts
 * when the signature covers both List-Unsubscribe headers, so say it here.
 */
export const DKIM_SIGNED_HEADERS = [
  'From', 'Sender', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'To', 'Cc',
  'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding', 'Content-ID',
  'List-Id', 'List-Unsubscribe', 'List-Unsubscribe-Post',
].join(':');

export interface TransportOptions {
  concurrency: number;
  dkim?: DkimConfig | undefined;
  /** Test hooks: timeouts, TLS options (e.g. a self-signed test server). */
  overrides?: Partial<SMTPPoolOptions>;
}

export function poolOptions(smtp: SmtpConfig, options: TransportOptions): SMTPPoolOptions & { pool: true } {
  return {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTLS,
    ...(smtp.auth ? { auth: { user: smtp.auth.user, pass: smtp.auth.pass } } : {}),
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
    ...(options.dkim
      ? {
          dkim: {
            domainName: options.dkim.domainName,
            keySelector: options.dkim.keySelector,
            privateKey: options.dkim.privateKey,
            headerFieldNames: DKIM_SIGNED_HEADERS,
          },
        }
      : {}),
    ...options.overrides,
    pool: true,
  };
}

export function createSmtpTransport(smtp: SmtpConfig, options: TransportOptions) {
  return nodemailer.createTransport(poolOptions(smtp, options));
}

export type SmtpTransport = ReturnType<typeof createSmtpTransport>;
