import { isReservedExampleHost, type SendEnv } from '../config/index.ts';
import type { PreparedIssue } from '../mail/index.ts';

/**
 * Warnings for a real send (and --test) whose sender, Reply-To or unsubscribe link or address is
 * still at an example domain, as the seed newsletter.yml's are: receivers reject or junk mail from a
 * domain that cannot publish SPF or DKIM, replies and unsubscribe requests reach nobody. Warnings,
 * not refusals: a test relay on this machine may carry such names on purpose.
 *
 * Checks the values the messages are made with (`prepared`, after MAIL_FROM & co. override
 * newsletter.yml); `env` only tells which of the two a value came from, for the fix.
 */
export function exampleDomainWarnings(prepared: PreparedIssue, env: SendEnv): string[] {
  const warnings: string[] = [];
  const from = prepared.from.address;
  if (atExampleDomain(from))
    warnings.push(warning(`the From address ${from} is at an example domain that no receiver accepts mail from`, env.from ? 'Set MAIL_FROM in .env to an address at your own domain' : 'Set from.email in content/newsletter.yml (or MAIL_FROM in .env) to an address at your own domain'));
  const replyTo = prepared.replyTo?.address;
  if (replyTo !== undefined && atExampleDomain(replyTo))
    warnings.push(warning(`the Reply-To address ${replyTo} is at an example domain, so replies would reach nobody`, env.replyTo ? 'Set REPLY_TO in .env to an address at your own domain' : 'Set replyTo in content/newsletter.yml (or REPLY_TO in .env) to an address at your own domain'));
  const unsubscribe = prepared.unsubscribeBase;
  if (isReservedExampleHost(new URL(unsubscribe).hostname))
    warnings.push(warning(`the unsubscribe link ${unsubscribe} is at an example domain, so readers could not unsubscribe`, 'Set UNSUBSCRIBE_URL in .env (or unsubscribeUrl in content/newsletter.yml) to where `newsletter server` is reachable'));
  const mailto = prepared.unsubscribeMailto;
  if (mailto !== undefined && atExampleDomain(mailto))
    warnings.push(warning(`the unsubscribe address ${mailto} (UNSUBSCRIBE_MAILTO, in every List-Unsubscribe) is at an example domain, so unsubscribe requests by mail would reach nobody`, 'Set UNSUBSCRIBE_MAILTO in .env to an address of yours that handles them, or leave it unset'));
  return warnings;
}

const atExampleDomain = (address: string) => isReservedExampleHost(address.slice(address.lastIndexOf('@') + 1));
const warning = (what: string, fix: string) => `⚠ Warning: ${what}\n  fix: ${fix}.`;
