/**
 * What to change when TLS with the SMTP server fails. nodemailer reports a
 * failed certificate check as `code: 'ESOCKET'` (or 'ETLS') with Node's own
 * code kept in `originalCode` (smtp-connection `_formatError`); a server that
 * refuses STARTTLS as `ETLS` with its reply at command 'STARTTLS'. Node's codes
 * are OpenSSL's verify results (https://docs.openssl.org/3.0/man1/openssl-verify/
 * "DIAGNOSTICS") plus ERR_TLS_CERT_ALTNAME_INVALID from tls.checkServerIdentity.
 */

import type { SmtpConfig } from '../config/index.ts';

/** The certificate is signed by nobody we trust: a self-signed relay or a private CA. */
const UNTRUSTED: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);
const EXPIRED: ReadonlySet<string> = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
/** TLS spoken to a port that talks plain SMTP first (OpenSSL "wrong version number"). */
const PLAIN_PORT: ReadonlySet<string> = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'EPROTO']);

export const CA_FILE_FIX =
  "Set SMTP_TLS_CA_FILE to the relay's certificate (PEM), or the CA that signed it, e.g. SMTP_TLS_CA_FILE=/etc/ssl/certs/ssl-cert-snakeoil.pem for Debian's default Postfix; `openssl s_client -starttls smtp -connect HOST:PORT -showcerts` prints it. (SMTP_TLS_VERIFY=false also gets through, but only for a throwaway test: anyone on the path can then read and change the mail.)";

interface ErrorLike {
  code?: unknown;
  originalCode?: unknown;
  command?: unknown;
  responseCode?: unknown;
  message?: unknown;
  reason?: unknown;
  host?: unknown;
  cert?: { subjectaltname?: unknown; subject?: { CN?: unknown } };
  cause?: unknown;
}

/** The error and the errors it wraps (`cause`), nearest first; bounded against cycles. */
function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let e: unknown = error;
  while (e && typeof e === 'object' && out.length < 5) {
    out.push(e);
    e = (e as ErrorLike).cause;
  }
  return out;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The names the certificate is good for: "DNS:relay.test, IP Address:10.0.0.1", or its CN. */
function certificateNames(e: ErrorLike): string {
  const san = str(e.cert?.subjectaltname);
  if (san) return san;
  const cn = str(e.cert?.subject?.CN);
  if (cn) return `CN=${cn}`;
  // Node's reason reads "Host: x. is not cert's CN: relay.test" or "IP: 127.0.0.1 is not in the cert's list: DNS:relay.test".
  const listed = /(?:cert's CN|cert's list):\s*(.+)$/.exec(str(e.reason))?.[1];
  return listed?.trim() ?? '';
}

function fixFor(e: ErrorLike): string | undefined {
  const codes = [str(e.originalCode), str(e.code)];
  const message = str(e.message);
  if (codes.some((c) => UNTRUSTED.has(c)) || /self[- ]signed certificate|unable to (verify|get (local )?issuer)/i.test(message)) return CA_FILE_FIX;
  if (codes.includes('ERR_TLS_CERT_ALTNAME_INVALID') || /does not match certificate's altnames/i.test(message)) {
    const names = certificateNames(e);
    return `Set SMTP_TLS_SERVERNAME to the name on the certificate${names ? ` (it says: ${names})` : ''}, e.g. when SMTP_HOST is an IP address; or point SMTP_HOST at that name.`;
  }
  if (codes.some((c) => EXPIRED.has(c)) || /certificate (has expired|is not yet valid)/i.test(message))
    return "The server's certificate is outside its validity dates: renew it on the server (and check this machine's clock). Trusting it through SMTP_TLS_CA_FILE does not help.";
  if (str(e.command) === 'STARTTLS' && typeof e.responseCode === 'number')
    return 'The server does not offer STARTTLS: enable it on the server, or use smtps:// (port 465) if it offers TLS there. Set SMTP_REQUIRE_TLS=false only for a trusted relay on this machine.';
  if (/HELO does not support required STARTTLS/i.test(message))
    return 'The server does not offer STARTTLS: enable it on the server. Set SMTP_REQUIRE_TLS=false only for a trusted relay on this machine.';
  if (codes.some((c) => PLAIN_PORT.has(c)) && /wrong version number|packet length too long/i.test(message))
    return 'This port does not speak TLS from the first byte: use smtp:// (STARTTLS, port 587 or 25) instead of smtps://, or SMTP_PORT=465 for TLS from the start.';
  return undefined;
}

/**
 * The fix for a TLS or certificate failure, naming the setting that solves it;
 * undefined when the error is not about TLS.
 */
export function certificateFix(error: unknown): string | undefined {
  for (const e of chain(error)) {
    const fix = fixFor(e);
    if (fix) return fix;
  }
  return undefined;
}

/** The warning for SMTP_TLS_VERIFY=false, printed on every run that uses SMTP; undefined when certificates are checked. */
export function verifyOffWarning(smtp: Pick<SmtpConfig, 'display' | 'tls'>): string | undefined {
  if (!smtp.tls || smtp.tls.verify) return undefined;
  return `⚠ SMTP_TLS_VERIFY=false: the certificate of ${smtp.display} is not checked, so anyone on the network path can pose as the server and read or change every message (and the SMTP password). Trust the relay's certificate with SMTP_TLS_CA_FILE instead.`;
}
