/**
 * IMAP_URL: imaps://USER:PASSWORD@host:993 (TLS from the start) or imap://USER:PASSWORD@host:143
 * (STARTTLS required, except on this machine, as SMTP_REQUIRE_TLS defaults for SMTP). User and
 * password are %-decoded. An optional path names the folder (imap://…/Bounces, RFC 5092).
 * Nothing here ever puts the password into a message.
 */
import { isLoopback } from '../../config/index.ts';
import { NewsletterError } from '../../errors.ts';

export interface ImapTarget {
  host: string;
  port: number;
  /** TLS from the first byte (imaps://). */
  secure: boolean;
  /** imap:// to another machine: refuse to log in without STARTTLS. */
  requireTLS: boolean;
  user: string;
  password: string;
  /** The folder in the URL's path, if any. */
  folder: string | undefined;
  /** user@host:port, for messages (no password). */
  display: string;
}

const FORM = 'imaps://USER:PASSWORD@imap.your-domain.net:993 (or imap://…:143 with STARTTLS)';

export function imapUrlError(problem: string, fix?: string): NewsletterError<'ECONFIG'> {
  return new NewsletterError('ECONFIG', `IMAP_URL ${problem}.`, {
    where: 'IMAP_URL',
    fix: fix ?? `Write IMAP_URL in .env as ${FORM}; characters like @ : / ? # % in the user or password are written %-encoded (e.g. %40 for @, %23 for #).`,
  });
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw imapUrlError(`has a malformed %-escape in the ${what}`);
  }
}

export function parseImapUrl(text: string): ImapTarget {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    // URL's own message quotes the input, password included: not passed on.
    throw imapUrlError('is not a URL');
  }
  const secure = url.protocol === 'imaps:';
  if (!secure && url.protocol !== 'imap:') throw imapUrlError(`must start with imaps:// or imap://, not ${url.protocol}//`);
  if (url.username === '' || url.password === '') throw imapUrlError('needs the login: USER:PASSWORD@ before the host');
  if (url.search !== '' || url.hash !== '') throw imapUrlError('has a ? or # part (a "?" or "#" in the password must be written %3F or %23)');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw imapUrlError('has no host');
  const port = url.port === '' ? (secure ? 993 : 143) : Number(url.port);
  const user = decode(url.username, 'user');
  const path = url.pathname.replace(/^\//, '');
  return {
    host,
    port,
    secure,
    requireTLS: !secure && !isLoopback(host),
    user,
    password: decode(url.password, 'password'),
    folder: path === '' ? undefined : decode(path, 'folder'),
    display: `${user}@${host.includes(':') ? `[${host}]` : host}:${port}`,
  };
}
