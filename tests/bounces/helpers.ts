import { isNewsletterError, type NewsletterError } from '../../src/errors.ts';
import type { BounceSource, SourceMessage } from '../../src/bounces/index.ts';

/** Every message a source yields, in order. */
export async function collect(source: BounceSource): Promise<SourceMessage[]> {
  const out: SourceMessage[] = [];
  for await (const m of source.messages()) out.push(m);
  return out;
}

/** The NewsletterError `promise` rejects with (anything else fails the test). */
export async function rejection(promise: Promise<unknown>): Promise<NewsletterError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!isNewsletterError(error)) throw new Error(`expected a NewsletterError, got ${String(error)}`);
  return error;
}
