export const SUBSCRIBER_STATUSES = ['subscribed', 'unsubscribed', 'bounced', 'complained'] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

export interface Subscriber {
  /** Row in the file as a spreadsheet shows it (the header is row 1). */
  row: number;
  /** The address as written (trimmed). */
  email: string;
  /** The address lowercased: the identity used for dedupe, suppression and the journal. */
  key: string;
  firstName?: string;
  lastName?: string;
  status: SubscriberStatus;
  /** Every other column, by its header as written (trimmed): merge data. */
  fields: Record<string, string>;
}

export interface RowProblem {
  row: number;
  /** The column as its header names it, or "column N" where it has none. */
  column: string;
  reason: string;
  /** The value received, when there is one worth quoting. */
  value?: string;
  /** The row's address as written (trimmed), when its email cell is not empty: for reports, whatever the problem. */
  email?: string;
}

export type SubscriberEvent =
  | { kind: 'subscriber'; subscriber: Subscriber }
  | { kind: 'invalid'; problem: RowProblem }
  /** reason: "duplicate of row N" */
  | { kind: 'duplicate'; problem: RowProblem };

export interface ReadOptions {
  /** Refuse the whole list (throw ESUBSCRIBERS) at the first invalid or duplicate row. */
  strict?: boolean;
  /** Ends a wait for a FIFO's writer (Ctrl-C). */
  signal?: AbortSignal | undefined;
  /** About how many rows the list has (its line count, when the caller counted them): the dedupe index is sized for them at once. */
  expectedRows?: number | undefined;
}
