/**
 * A real SMTP server for tests: `smtp-server` on 127.0.0.1, port 0, that
 * parses every accepted message with mailparser and can misbehave on demand
 * (temporary failures, throttling, permanent rejections, dropped connections,
 * slowness, auth trouble), deterministically when given a seed.
 *
 *   const smtp = await startSmtpTestServer({ tempFailRate: 0.3, seed: 7 });
 *   // … send to smtp://127.0.0.1:${smtp.port} …
 *   expect(smtp.count('ada@example.com')).toBe(1);
 *   await smtp.close();
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { Socket } from 'node:net';
import { seededRandom } from './seeded-random.ts';

export interface FaultPlan {
  /** 0..1: probability of answering a temporary failure to each RCPT TO and each DATA. */
  tempFailRate?: number;
  /** The code used for those temporary failures (default 451). 421 also closes the connection, as real servers do. */
  throttleCode?: 421 | 451 | 454;
  /** Answer 550 to RCPT TO for these recipients: `true` answers a hard bounce (5.1.1 user unknown), a string is the reply text to use instead (e.g. '5.7.1 …'). */
  permanentFail?: (rcpt: string) => boolean | string;
  /** Destroy the socket after the first chunk of DATA for message attempt n (1-based, counting every DATA command). */
  dropMidData?: (n: number) => boolean;
  /**
   * Accept (store) message attempt n, then destroy the socket before answering 250:
   * the "was it delivered?" case where a client cannot know, and a retry duplicates.
   */
  dropAfterAccept?: (n: number) => boolean;
  /** Wait this long before answering the greeting, MAIL, RCPT and the end of DATA (a slow server). */
  delayMs?: number;
  /** Answer 535 to every AUTH. */
  rejectAuth?: boolean;
  /** Answer 535 to AUTH once this many messages were accepted (a login that starts failing mid-run). */
  rejectAuthAfter?: number;
  /**
   * Never answer the end of DATA for message attempt n (1-based, as dropMidData), and do not store it:
   * the client waits, its message in flight, until the connection closes. See `stalled()`.
   */
  stallData?: (n: number) => boolean;
  /** Require AUTH with exactly these credentials (535 otherwise; 530 for mail without AUTH). */
  requireAuth?: { user: string; pass: string };
  /**
   * Seed for the temporary-failure dice (default 1). The dice are rolled in the order commands
   * arrive, so one connection sending in sequence fails the same attempts every run; with several
   * connections the interleaving, and so which attempts fail, can vary (the share does not).
   */
  seed?: number;
  /** Skip mailparser and keep only envelopes and counts (for benchmarks: parsing costs far more than receiving). */
  countOnly?: boolean;
  /**
   * A chosen reply at MAIL, RCPT or DATA (end of data), e.g. '451 4.2.0 greylisted' or
   * '552 5.3.4 Message size exceeds fixed limit'; undefined answers as usual. `attempt` is
   * 1-based: how often this recipient reached this stage (at MAIL, where no recipient is
   * known yet, `rcpt` is '' and `attempt` counts MAIL commands). A 421 also closes the connection.
   */
  replyFor?: (stage: Stage, rcpt: string, attempt: number) => string | undefined;
  /** A 421 storm for this long after the server starts, as Postfix's anvil answers: 421 at connect and at MAIL FROM. */
  stormMs?: number;
  /** The same, until this time (epoch ms). */
  stormUntil?: number;
  /** Offer STARTTLS with this PEM key and certificate (e.g. tests/fixtures/tls/snakeoil*.pem); without it STARTTLS is not offered. */
  tls?: { key: string; cert: string };
}

export type Stage = 'MAIL' | 'RCPT' | 'DATA';

export interface ReceivedMessage {
  /** Ordinal of the DATA attempt that delivered it (see FaultPlan.dropMidData). */
  n: number;
  envelopeFrom: string;
  envelopeTo: string[];
  parsed: ParsedMail;
  /** The session was upgraded with STARTTLS. */
  secure: boolean;
  /** The message source exactly as received (CRLF line endings, dot-unstuffed). */
  raw: string;
}

/** Every reply the fault plan decided, for asserting on what the client was told. */
export interface Reply {
  command: 'CONN' | 'AUTH' | 'MAIL' | 'RCPT' | 'DATA';
  code: number;
  rcpt?: string;
  n?: number;
}

export interface SmtpTestServer {
  port: number;
  host: '127.0.0.1';
  /** Accepted messages in order of acceptance (empty with countOnly). */
  received: ReceivedMessage[];
  /** Refusals and drops, in order. */
  replies: Reply[];
  /** Messages accepted for this recipient (case-insensitive). */
  count(rcpt: string): number;
  /** Messages accepted in total. */
  total(): number;
  /** Connections opened so far (to see whether the client kept its connection after a refusal). */
  connections(): number;
  /** Messages held unanswered by `stallData` whose connection is still open. */
  stalled(): number;
  /** Start a 421 storm now, for `ms` (see FaultPlan.stormMs). */
  storm(ms: number): void;
  close(): Promise<void>;
}

const MESSAGES: Record<number, string> = {
  421: '4.7.0 Too many messages, slow down; closing connection',
  451: '4.3.0 Temporary local problem, try again later',
  454: '4.7.0 Temporary service failure, try again later',
};

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpTestServer(plan: FaultPlan = {}): Promise<SmtpTestServer> {
  const rng = seededRandom(plan.seed ?? 1);
  const received: ReceivedMessage[] = [];
  const replies: Reply[] = [];
  const counts = new Map<string, number>();
  let accepted = 0;
  let dataAttempts = 0;
  const delay = (fn: () => void) => (plan.delayMs ? setTimeout(fn, plan.delayMs) : fn());
  const tempFail = () => plan.tempFailRate !== undefined && plan.tempFailRate > 0 && rng() < plan.tempFailRate;
  const tempCode = plan.throttleCode ?? 451;
  let connections = 0;
  let stalled = 0;
  let stormUntil = Math.max(plan.stormUntil ?? 0, plan.stormMs ? Date.now() + plan.stormMs : 0);
  const storming = () => Date.now() < stormUntil;
  const attempts = new Map<string, number>();
  /** The plan's chosen reply for this stage, as an smtp-server error, recorded in `replies`. */
  const chosen = (stage: Stage, rcpt: string): (Error & { responseCode: number }) | undefined => {
    if (!plan.replyFor) return undefined;
    const id = `${stage} ${rcpt.toLowerCase()}`;
    const attempt = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, attempt);
    const reply = plan.replyFor(stage, rcpt, attempt);
    const m = reply === undefined ? null : /^([45]\d\d)[ -]?(.*)$/.exec(reply);
    if (!m) return undefined;
    const code = Number(m[1]);
    replies.push({ command: stage, code, ...(rcpt ? { rcpt } : {}) });
    return smtpError(code, m[2]!);
  };

  // smtp-server gives onData no socket; find the connection of the session to drop it.
  const socketOf = (session: SMTPServerSession): Socket | undefined => {
    for (const c of (server as unknown as { connections: Set<{ id: string; _socket: Socket }> }).connections) if (c.id === session.id) return c._socket;
    return undefined;
  };

  const server: SMTPServer = new SMTPServer({
    secure: false,
    // Loopback only: no TLS needed, so the client never tries STARTTLS (unless the plan gives a certificate).
    ...(plan.tls ? { key: plan.tls.key, cert: plan.tls.cert } : { disabledCommands: ['STARTTLS'] }),
    authOptional: !plan.requireAuth,
    // What Postfix and Exchange answer at MAIL FROM without a login (smtp-server's default has no enhanced code).
    authRequiredMessage: '5.7.0 Authentication required',
    allowInsecureAuth: true,
    size: 50 * 1024 * 1024,
    logger: false,
    // Pooled clients keep connections open; do not wait 30 s for them on close().
    closeTimeout: 50,
    onConnect(_session, callback) {
      connections++;
      if (storming()) {
        replies.push({ command: 'CONN', code: 421 });
        return callback(smtpError(421, '4.7.0 Error: too many connections from 127.0.0.1'));
      }
      delay(() => callback());
    },
    onAuth(auth, _session, callback) {
      const late = plan.rejectAuthAfter !== undefined && accepted >= plan.rejectAuthAfter;
      const ok = !plan.rejectAuth && !late && (!plan.requireAuth || (auth.username === plan.requireAuth.user && auth.password === plan.requireAuth.pass));
      if (!ok) {
        replies.push({ command: 'AUTH', code: 535 });
        return callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
      }
      callback(null, { user: auth.username });
    },
    onMailFrom(_address, _session, callback) {
      delay(() => {
        if (storming()) {
          replies.push({ command: 'MAIL', code: 421 });
          return callback(smtpError(421, '4.7.0 Error: too many messages from 127.0.0.1'));
        }
        callback(chosen('MAIL', ''));
      });
    },
    onRcptTo(address, _session, callback) {
      const rcpt = address.address;
      delay(() => {
        const refusal = plan.permanentFail?.(rcpt);
        if (refusal) {
          replies.push({ command: 'RCPT', code: 550, rcpt });
          return callback(smtpError(550, typeof refusal === 'string' ? refusal : `5.1.1 <${rcpt}>: Recipient address rejected: User unknown`));
        }
        if (tempFail()) {
          replies.push({ command: 'RCPT', code: tempCode, rcpt });
          return callback(smtpError(tempCode, MESSAGES[tempCode]!));
        }
        callback(chosen('RCPT', rcpt));
      });
    },
    onData(stream, session, callback) {
      const n = ++dataAttempts;
      const socket = socketOf(session);
      const envelopeTo = session.envelope.rcptTo.map((a) => a.address);
      const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      if (plan.dropMidData?.(n)) {
        replies.push({ command: 'DATA', code: 0, n });
        stream.once('data', () => socket?.destroy());
        stream.resume();
        stream.on('end', () => callback(smtpError(451, '4.4.2 connection dropped')));
        return;
      }
      if (plan.stallData?.(n)) {
        // Counted once the whole message is in (the client then waits for the reply), until its connection closes.
        stream.on('end', () => {
          if (!socket || socket.destroyed) return;
          stalled++;
          socket.once('close', () => stalled--);
        });
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        void (async () => {
          if (tempFail()) {
            replies.push({ command: 'DATA', code: tempCode, n });
            return delay(() => callback(smtpError(tempCode, MESSAGES[tempCode]!)));
          }
          const refused = chosen('DATA', envelopeTo[0] ?? '');
          if (refused) return delay(() => callback(refused));
          const raw = Buffer.concat(chunks).toString('utf8');
          if (!plan.countOnly) received.push({ n, envelopeFrom, envelopeTo, parsed: await simpleParser(raw), raw, secure: session.secure });
          accepted++;
          for (const rcpt of envelopeTo) counts.set(rcpt.toLowerCase(), (counts.get(rcpt.toLowerCase()) ?? 0) + 1);
          if (plan.dropAfterAccept?.(n)) {
            replies.push({ command: 'DATA', code: 0, n });
            socket?.destroy();
            return;
          }
          delay(() => callback(null, `2.0.0 Ok: queued as test-${n}`));
        })().catch((error: unknown) => callback(error as Error));
      });
    },
  });
  server.on('error', () => {
    // A client vanishing mid-session (what dropMidData provokes) is not a test failure.
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('smtp test server has no port');

  return {
    port: address.port,
    host: '127.0.0.1',
    received,
    replies,
    count: (rcpt) => counts.get(rcpt.toLowerCase()) ?? 0,
    total: () => accepted,
    connections: () => connections,
    stalled: () => stalled,
    storm: (ms) => {
      stormUntil = Math.max(stormUntil, Date.now() + ms);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

