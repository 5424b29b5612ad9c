import { isNewsletterError, type NewsletterError } from '../../src/errors.ts';

/** The NewsletterError `run` throws (anything else, or nothing, fails the test). */
export function thrownError(run: () => unknown): NewsletterError {
  try {
    run();
  } catch (error) {
    if (isNewsletterError(error)) return error;
    throw error;
  }
  throw new Error('expected a NewsletterError');
}

/** The NewsletterError `promise` rejects with (anything else, or none, fails the test). */
export async function rejection(promise: Promise<unknown>): Promise<NewsletterError> {
  try {
    await promise;
  } catch (error) {
    if (isNewsletterError(error)) return error;
    throw error;
  }
  throw new Error('expected a NewsletterError');
}
