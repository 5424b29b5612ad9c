/**
 * The one catalogue of exit codes and error codes. Every failure a user can
 * act on is a NewsletterError carrying a code, what went wrong, where, and the
 * fix; its exit code comes from this file and nowhere else. Anything else
 * reaching the CLI's top-level handler is a bug (EXIT.BUG).
 * The README's exit-code tables are checked against it (tests/cli/exit-codes.test.ts).
 */

/** Exit codes of every command. */
export const EXIT = {
  OK: 0,
  INVALID: 1,
  FAILURES: 2,
  STOPPED: 3,
  /** EX_SOFTWARE, "internal software error" (sysexits.h, https://man.freebsd.org/cgi/man.cgi?query=sysexits). */
  BUG: 70,
} as const;

export type ExitName = keyof typeof EXIT;
export type ExitCode = (typeof EXIT)[ExitName];

/** Each exit code in a few words, for a command's --help; its meaning below starts with them. */
export const EXIT_LABELS: Record<ExitName, string> = {
  OK: 'done',
  INVALID: 'invalid input or config',
  FAILURES: 'finished with failures',
  STOPPED: 'stopped early',
  BUG: 'internal error',
};

export const EXIT_MEANINGS: Record<ExitName, string> = {
  OK: 'done: everything asked for was written, checked or sent (a send: everyone delivered, or skipped by a rule)',
  INVALID: 'invalid input or config (command line, content, subscriber list, environment), errors found by `check`, or a send refused before it began (see the reasons below); nothing sent',
  FAILURES: 'finished with failures: someone was not delivered (or the `--test` message was refused), or output files could not be written',
  STOPPED: 'stopped early, resumable: Ctrl-C, the SMTP server refused the login, the sender or the message, or could not be reached; or the state folder needs a look. Fix what the message says, then run the same command again',
  BUG: 'internal error: a bug in newsletter; the stack trace is printed, please report it',
};

interface CatalogueEntry {
  exit: ExitCode;
  meaning: string;
}

/** Each error code with its one-line meaning and the exit code it ends a command with. */
export const ERROR_CODES = {
  EUSAGE: { exit: EXIT.INVALID, meaning: 'The command line is wrong (unknown command, flag or value).' },
  ECONTENT: { exit: EXIT.INVALID, meaning: 'The issue content or newsletter config is invalid.' },
  ECONFIG: { exit: EXIT.INVALID, meaning: 'An environment variable or option is missing or invalid.' },
  ESUBSCRIBERS: { exit: EXIT.INVALID, meaning: 'The subscriber list cannot be read or is invalid.' },
  // `check` prints its whole report, then exits with this entry's code when the report has errors. The mail-client
  // renders (src/clients/) throw it when a client fails; check reports that (a warning, an error for a
  // client named with --client) and goes on.
  ECHECK: { exit: EXIT.INVALID, meaning: 'The pre-send check found errors.' },
  // A send (or --test, or --queue) checks that the issue's own images are online at their URLs first.
  EIMAGES: { exit: EXIT.INVALID, meaning: 'The issue\'s own images (assets/) are not online at their URLs yet; nothing was sent.' },
  ESEND: { exit: EXIT.FAILURES, meaning: 'A message could not be made or delivered.' },
  EOUTPUT: { exit: EXIT.FAILURES, meaning: 'Output files could not be written.' },
  ESTATE: { exit: EXIT.STOPPED, meaning: 'The state folder (journal, lock, suppression list, failures report) cannot be used as it is; the run stopped.' },
  EQUEUE: { exit: EXIT.STOPPED, meaning: 'The Redis queue (`--queue`) cannot be reached or used as it is; nothing more was sent. Fix it and run the same command again.' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The cases where an error code ends a command with another exit code than
 * its own, each named with its reason. An error opts in with `reason`.
 */
export const EXIT_REASONS = {
  stateSymlink: { code: 'ESTATE', exit: EXIT.INVALID, meaning: 'A state file is a symbolic link: refused (state files are never followed through links), nothing sent.' },
  lockHeld: { code: 'ESEND', exit: EXIT.INVALID, meaning: 'Another send of this issue to this list holds the send lock, or may (an unreadable lock, an unfinished takeover): refused, nothing sent.' },
  journalWriteFailed: { code: 'ESEND', exit: EXIT.STOPPED, meaning: 'The send journal could not be written mid-run (disk full, permissions): the run stopped, resumable.' },
  testSendStopped: { code: 'ESEND', exit: EXIT.STOPPED, meaning: 'The `--test` message was refused for a reason that would stop a real send too: the login, the sender, or the server cannot be reached.' },
  noJournals: { code: 'ESTATE', exit: EXIT.INVALID, meaning: 'No send journals in the state folder (nor, with --queue, campaigns in Redis): `newsletter bounces` matches reports to whom `send` mailed, so nothing was read.' },
  bouncesLocked: { code: 'ESTATE', exit: EXIT.INVALID, meaning: 'Another `newsletter bounces` is reading into the same state folder: refused, nothing read.' },
  campaignConflict: { code: 'EQUEUE', exit: EXIT.INVALID, meaning: 'The campaign in Redis does not match this command: the issue, the list or the secrets changed since it was enqueued, or it was cancelled. Refused, nothing sent.' },
  stoppedWaitingForList: { code: 'ESUBSCRIBERS', exit: EXIT.STOPPED, meaning: 'Stopped while waiting for a program to write the list to a named pipe: nothing sent.' },
} as const satisfies Record<string, CatalogueEntry & { code: ErrorCode }>;

export type ExitReason = keyof typeof EXIT_REASONS;
/** The reasons that belong to error code C. */
export type ExitReasonOf<C extends ErrorCode> = ReasonsByCode[C];
type ReasonsByCode = { [K in ErrorCode]: { [R in ExitReason]: (typeof EXIT_REASONS)[R]['code'] extends K ? R : never }[ExitReason] };

export interface ErrorDetails<C extends ErrorCode = ErrorCode> {
  /** Where: "content/issues/x.md:3", "subscribers.csv row 12", a recipient address. */
  where?: string;
  /** What to do about it, phrased as an instruction. */
  fix?: string;
  /** The underlying error, kept for --debug. */
  cause?: unknown;
  /** Why this error ends the command with another exit code than its code's (see EXIT_REASONS). */
  reason?: ExitReasonOf<C>;
}

export class NewsletterError<out C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly where: string | undefined;
  readonly fix: string | undefined;
  readonly reason: ExitReasonOf<C> | undefined;
  /** The exit code the CLI ends with: the reason's when there is one, else the code's. */
  readonly exitCode: ExitCode;

  constructor(code: C, message: string, details: ErrorDetails<C> = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'NewsletterError';
    this.code = code;
    this.where = details.where;
    this.fix = details.fix;
    this.reason = details.reason;
    this.exitCode = details.reason === undefined ? ERROR_CODES[code].exit : EXIT_REASONS[details.reason].exit;
  }
}

export function isNewsletterError(error: unknown): error is NewsletterError {
  return error instanceof NewsletterError;
}
