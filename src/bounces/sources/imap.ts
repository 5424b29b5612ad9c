/**
 * An IMAP mailbox through imapflow: the UIDs to read are searched once at open (UNSEEN, or ALL),
 * then each message is fetched on its own, by UID, with BODY.PEEK (reading does not set \Seen:
 * a message that is not understood stays unseen). imapflow cannot run another command inside a
 * fetch() iterator (its docs: "You can not run any IMAP commands in this loop"), hence one
 * fetchOne per message, which also keeps one message in memory at a time.
 */
import type { ConnectionOptions } from 'node:tls';
import { ImapFlow, type ImapFlowError, type ListResponse } from 'imapflow';
import { NewsletterError } from '../../errors.ts';
import { imapUrlError, parseImapUrl, type ImapTarget } from './imap-url.ts';
import { MAX_MESSAGE_BYTES, tooBig, type BounceSource, type SkippedMessage, type SourceMessage } from './source.ts';

export interface ImapOptions {
  url: string;
  /** Default: the URL's path, else INBOX. */
  folder?: string;
  /** Move processed messages into this folder (it must exist). */
  moveTo?: string;
  /** Every message in the folder, seen or not. */
  all?: boolean;
  /** Open the folder read-only (a dry run): nothing is flagged or moved. */
  readOnly?: boolean;
  tls?: { ca?: string; rejectUnauthorized?: boolean };
}

/** Bounded waits and sizes: a slow or hostile server costs at most these. */
const LIMITS = {
  connectionTimeout: 15_000,
  greetingTimeout: 10_000,
  socketTimeout: 120_000,
  // A message is fetched as at most MAX_MESSAGE_BYTES + 1 bytes (a partial fetch), so no literal is larger.
  maxLiteralSize: MAX_MESSAGE_BYTES + 1024,
  // The UID SEARCH answer is one line: 64 MB holds several million UIDs.
  maxLineLength: 64 * 1024 * 1024,
  maxResponseSize: 80 * 1024 * 1024,
};

function clientFor(target: ImapTarget, tls: ImapOptions['tls']): ImapFlow {
  const tlsOptions: ConnectionOptions = {
    ...(tls?.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls?.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
  };
  return new ImapFlow({
    host: target.host,
    port: target.port,
    secure: target.secure,
    // Required to another machine; on loopback used when offered, as SMTP does (SMTP_REQUIRE_TLS's default).
    ...(target.requireTLS ? { doSTARTTLS: true } : {}),
    auth: { user: target.user, pass: target.password },
    tls: tlsOptions,
    logger: false,
    // BINARY.PEEK[] would hand back decoded parts; the bounce parser wants the bytes as stored.
    disableBinary: true,
    disableAutoIdle: true,
    ...LIMITS,
  });
}

/** A refused login, TLS trouble or an unreachable server, as an error naming IMAP_URL and never its password. */
function connectError(target: ImapTarget, error: ImapFlowError): NewsletterError {
  const at = `${target.display}${target.secure ? ' (TLS)' : ''}`;
  if (error.authenticationFailed) {
    return imapUrlError(`login refused by ${at}`, 'Check the user and password in IMAP_URL (characters like @ : / ? # % written %-encoded, e.g. %40 for @) and that this account may use IMAP.');
  }
  if (error.tlsFailed || /STARTTLS|certificate|TLS|SSL/i.test(`${error.code ?? ''} ${error.message}`)) {
    return imapUrlError(`could not set up TLS with ${at}: ${error.message}`, "Use imaps:// (port 993) or a server offering STARTTLS; for a self-signed server give its certificate (the CA option), don't turn verification off.");
  }
  const why = error.code === 'ECONNREFUSED' ? 'connection refused'
    : error.code === 'CONNECT_TIMEOUT' || error.code === 'GREETING_TIMEOUT' ? `no answer in time (${error.code})`
    : error.code === 'ENOTFOUND' ? 'host not found'
    : `${error.code ?? 'error'}: ${error.message}`;
  return imapUrlError(`could not reach ${at}: ${why}`, 'Check the host and port in IMAP_URL (993 for imaps://, 143 for imap://) and the network, then run the same command again.');
}

function folderError(target: ImapTarget, name: string, role: string, folders: ListResponse[]): NewsletterError {
  const existing = folders.map((f) => f.path).sort();
  // A server can list thousands: the first 50 name enough to spot a typo.
  const shown = existing.length > 50 ? `${existing.slice(0, 50).join(', ')} and ${existing.length - 50} more` : existing.join(', ');
  return new NewsletterError('EUSAGE', `The ${role} folder "${name}" does not exist on ${target.display}; folders there: ${shown || '(none listed)'}.`, {
    where: `IMAP ${target.display}/${name}`,
    fix: `Name one of the folders above (case and the server's separator matter)${role === 'move-to' ? ', or create it in your mail client first' : ''}.`,
  });
}

export async function openImap(options: ImapOptions): Promise<BounceSource> {
  const target = parseImapUrl(options.url);
  const folder = options.folder ?? target.folder ?? 'INBOX';
  const client = clientFor(target, options.tls);
  // imapflow reports socket errors as 'error' events too: without a listener Node would crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    client.close();
    throw connectError(target, error as ImapFlowError);
  }
  let uids: number[];
  try {
    const folders = await client.list();
    const exists = (name: string) => folders.some((f) => f.path === name || (name.toUpperCase() === 'INBOX' && f.path.toUpperCase() === 'INBOX'));
    if (!exists(folder)) throw folderError(target, folder, 'bounce', folders);
    if (options.moveTo !== undefined && !exists(options.moveTo)) throw folderError(target, options.moveTo, 'move-to', folders);
    // A dry run changes nothing, not even \Recent.
    await client.mailboxOpen(folder, { readOnly: options.readOnly === true });
    const found = await client.search(options.all === true ? { all: true } : { seen: false }, { uid: true });
    // Oldest first: UIDs only grow (RFC 3501 2.3.1.1).
    uids = (Array.isArray(found) ? found : []).sort((a, b) => a - b);
  } catch (error) {
    await client.logout().catch(() => client.close());
    if (error instanceof NewsletterError) throw error;
    throw new NewsletterError('ECONFIG', `Reading folder "${folder}" on ${target.display} failed: ${(error as Error).message}.`, {
      where: 'IMAP_URL',
      fix: 'Check the folder name and that this account may read it, then run the same command again.',
      cause: error,
    });
  }
  return imapSource(client, target, folder, uids, options);
}

/** One message's bytes, `tooBig` past MAX_MESSAGE_BYTES, undefined when it is gone (expunged by another client since the search). */
async function fetchBounded(client: ImapFlow, uid: number): Promise<{ raw: Buffer } | { tooBig: number } | undefined> {
  const meta = await client.fetchOne(String(uid), { uid: true, size: true }, { uid: true });
  if (meta === false) return undefined;
  if ((meta.size ?? 0) > MAX_MESSAGE_BYTES) return { tooBig: meta.size ?? 0 };
  const message = await client.fetchOne(String(uid), { uid: true, source: { maxLength: MAX_MESSAGE_BYTES + 1 } }, { uid: true });
  if (message === false || message.source === undefined) return undefined;
  // The server's RFC822.SIZE can be wrong: the bytes themselves decide.
  return message.source.length > MAX_MESSAGE_BYTES ? { tooBig: message.source.length } : { raw: message.source };
}

function imapSource(client: ImapFlow, target: ImapTarget, folder: string, uids: number[], options: ImapOptions): BounceSource {
  const skipped: SkippedMessage[] = [];
  const pending = new Map<string, number>(); // ref → UID of messages yielded and not yet marked
  const ref = (uid: number) => `imap ${folder} uid ${uid}`;
  return {
    describe: `IMAP ${target.display}/${folder} (${uids.length} ${options.all === true ? 'messages' : 'unseen'})`,
    skipped,
    async *messages(): AsyncGenerator<SourceMessage> {
      for (const uid of uids) {
        const message = await fetchBounded(client, uid).catch((error: unknown) => {
          throw new NewsletterError('ECONFIG', `The connection to ${target.display} failed while reading ${ref(uid)}: ${(error as Error).message}.`, {
            where: 'IMAP_URL',
            fix: 'Check the server and the network, then run the same command again (what was recorded is not applied twice).',
            cause: error,
          });
        });
        if (message === undefined) continue;
        if ('tooBig' in message) skipped.push({ ref: ref(uid), reason: tooBig(message.tooBig) });
        else {
          pending.set(ref(uid), uid);
          yield { ref: ref(uid), raw: message.raw };
        }
      }
    },
    async markProcessed(message) {
      const uid = pending.get(message.ref);
      if (uid === undefined) throw new Error(`IMAP markProcessed: ${message.ref} was not read from this source`);
      try {
        if (!(await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true }))) throw new Error('the server did not set \\Seen');
        // MOVE (RFC 6851), or COPY + \Deleted + EXPUNGE where the server lacks it: imapflow picks. A crash between
        // the two leaves it seen in the folder, already recorded: `--all` reads it again, finds it recorded, and moves it.
        if (options.moveTo !== undefined && !(await client.messageMove(String(uid), options.moveTo, { uid: true }))) throw new Error(`the server did not move it to "${options.moveTo}"`);
      } catch (error) {
        throw new NewsletterError('EOUTPUT', `Could not mark ${message.ref} on ${target.display} as processed: ${(error as Error).message}.`, {
          where: message.ref,
          fix: 'Check the connection and that this account may change flags (and move messages) in the folder, then run the same command again (what was recorded is not applied twice).',
          cause: error,
        });
      }
      pending.delete(message.ref);
    },
    async close() {
      await client.logout().catch(() => client.close());
    },
  };
}
