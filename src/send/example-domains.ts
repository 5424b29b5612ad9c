import { isReservedExampleHost, type SendEnv } from '../config/index.ts';
import type { NewsletterConfig } from '../content/index.ts';

/**
 * Warnings for a real send (and --test) whose sender or unsubscribe link is still at an example
 * domain, as the seed newsletter.yml is: receivers reject or junk mail from a domain that cannot
 * publish SPF or DKIM, and readers cannot unsubscribe through a link to nowhere. Warnings, not
 * refusals: a test relay on this machine may carry such names on purpose.
 */
export function exampleDomainWarnings(newsletter: NewsletterConfig, env: SendEnv): string[] {
  const warnings: string[] = [];
  const from = env.from?.address ?? newsletter.from.email;
  if (isReservedExampleHost(domainOf(from)))
    warnings.push(warning(`the From address ${from} is at an example domain that no receiver accepts mail from`, env.from ? 'Set MAIL_FROM in .env to an address at your own domain' : 'Set from.email in content/newsletter.yml (or MAIL_FROM in .env) to an address at your own domain'));
  const unsubscribe = env.unsubscribeUrl ?? newsletter.unsubscribeUrl;
  if (isReservedExampleHost(new URL(unsubscribe).hostname))
    warnings.push(warning(`the unsubscribe link ${unsubscribe} is at an example domain, so readers could not unsubscribe`, 'Set UNSUBSCRIBE_URL in .env (or unsubscribeUrl in content/newsletter.yml) to where `newsletter unsubscribe-server` is reachable'));
  return warnings;
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);
const warning = (what: string, fix: string) => `⚠ Warning: ${what}\n  fix: ${fix}.`;
