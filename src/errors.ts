/**
 * The one catalogue of error codes. Every failure a user can act on is a
 * NewsletterError carrying a code, what went wrong, where, and the fix.
 * Anything else reaching the CLI's top-level handler is a bug.
 */
export const ERROR_CODES = {
  ECONTENT: 'The issue content or newsletter config is invalid.',
  ECONFIG: 'An environment variable or option is missing or invalid.',
  EUSAGE: 'The command line is wrong (unknown command, flag or value).',
  ESUBSCRIBERS: 'The subscriber list cannot be read or is invalid.',
  ESEND: 'Delivery failed or was stopped.',
  ESTATE: 'The state folder (journal, lock, suppression list, failures report) cannot be used as it is; the run stopped (exit 3) or was refused (exit 1, a symlink).',
  EOUTPUT: 'Output files could not be written.',
  ECHECK: 'The pre-send check found errors.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetails {
  /** Where: "content/issues/x.md:3", "subscribers.csv row 12", a recipient address. */
  where?: string;
  /** What to do about it, phrased as an instruction. */
  fix?: string;
  /** The underlying error, kept for --debug. */
  cause?: unknown;
  /** Exit code the CLI should use (1 = bad input, 2+ = other failures). */
  exitCode?: number;
}

export class NewsletterError extends Error {
  readonly code: ErrorCode;
  readonly where: string | undefined;
  readonly fix: string | undefined;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'NewsletterError';
    this.code = code;
    this.where = details.where;
    this.fix = details.fix;
    this.exitCode = details.exitCode ?? (code === 'ECONTENT' || code === 'ECONFIG' || code === 'EUSAGE' || code === 'ESUBSCRIBERS' ? 1 : code === 'ESTATE' ? 3 : 2);
  }
}

export function isNewsletterError(error: unknown): error is NewsletterError {
  return error instanceof NewsletterError;
}
