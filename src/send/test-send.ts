import type { SMTPPoolOptions } from 'nodemailer/lib/smtp-pool';
import { NewsletterError } from '../errors.ts';
import { classifySmtpError, describeFailure, type SmtpFailure } from './classify.ts';
import { requireSecret, requireSmtp, type SendEnv } from '../config/index.ts';
import { emptyDeliveryStats } from './deliver.ts';
import { messageFor, prepareIssue, type RecipientLike, createSmtpTransport } from '../mail/index.ts';
import { emptyTally } from './recipients.ts';
import { readSubscribers } from '../audience/index.ts';
import type { BuiltForSend } from './run.ts';
import { issueNamed, SmtpSendError, type SendSummary } from './summary.ts';
import { exampleDomainWarnings } from './example-domains.ts';

export interface TestSendOptions {
  built: BuiltForSend;
  to: string;
  /** When given and the address is on it, its names personalize the copy. */
  listPath?: string | undefined;
  env: SendEnv;
  transportOverrides?: Partial<SMTPPoolOptions>;
  /** Each warning about the message before it is sent (see SendOptions.onWarning). */
  onWarning?: (warning: string) => void;
}

async function findOnList(listPath: string, key: string): Promise<RecipientLike | undefined> {
  for await (const event of readSubscribers(listPath)) if (event.kind === 'subscriber' && event.subscriber.key === key) return event.subscriber;
  return undefined;
}

/** What to change: the classifier's fix names the setting; a connection or TLS problem is never the address's fault. */
function testFix(f: SmtpFailure, display: string): string {
  if (f.fix) return f.fix;
  switch (f.kind) {
    case 'unreachable':
    case 'connection':
      return `Check SMTP_URL (or SMTP_HOST and SMTP_PORT) and that ${display} accepts connections from here; for TLS: SMTP_TLS_CA_FILE, SMTP_TLS_SERVERNAME, SMTP_REQUIRE_TLS (see .env.example).`;
    case 'deferral':
    case 'throttle':
      return 'The server asked to try later: run the same --test command again in a few minutes.';
    case 'sender':
      return 'Check SMTP_USER/SMTP_PASSWORD (or the credentials in SMTP_URL) and MAIL_FROM.';
    case 'recipient':
    case 'unclear':
      return 'Read the server reply above: it refuses this address or this message; try another address or ask your provider.';
  }
}

/**
 * One personalized copy to one address, for a look before the real send.
 * Not recorded in the journal: the list's send is unaffected.
 */
export async function testSend(opts: TestSendOptions): Promise<SendSummary> {
  const started = Date.now();
  const smtp = requireSmtp(opts.env);
  // DKIM signs each message as messageFor makes it; the transport gets no key.
  const prepared = prepareIssue(opts.built, opts.env, requireSecret(opts.env), { dkim: opts.env.dkim });
  for (const w of exampleDomainWarnings(prepared, opts.env)) opts.onWarning?.(w);
  const address = opts.to.trim();
  if (!/^[^@\s]+@[^@\s]+$/.test(address) || /[\r\n]/.test(address))
    throw new NewsletterError('EUSAGE', `--test needs one email address; got "${address}"`, { fix: 'Example: --test you@example.com' });
  const onList = opts.listPath ? await findOnList(opts.listPath, address.toLowerCase()) : undefined;
  const recipient: RecipientLike = { ...onList, email: address };
  const transport = createSmtpTransport(smtp, { concurrency: 1, overrides: opts.transportOverrides });
  transport.on('error', () => {});
  const stats = emptyDeliveryStats();
  try {
    await transport.sendMail(messageFor(prepared, recipient));
    stats.sent = 1;
  } catch (error) {
    const f = classifySmtpError(error);
    // Sender and server problems would stop a real send too (exit 3); a refused recipient is a failure (exit 2).
    const stopped = f.kind === 'sender' || f.kind === 'unreachable';
    throw new SmtpSendError(f, `The test message to ${address} was not sent: ${describeFailure(f)}`, {
      where: address,
      fix: testFix(f, smtp.display),
      reason: stopped ? 'testSendStopped' : undefined,
      cause: error,
    });
  } finally {
    transport.close();
  }
  return { mode: 'test', issue: issueNamed(opts.built), list: opts.listPath, tally: emptyTally(), stats, durationMs: Date.now() - started, stop: undefined, retriesWaiting: 0, journal: undefined, failuresCsv: undefined, outbox: undefined, sampleSecret: false };
}
