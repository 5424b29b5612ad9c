// The journal's line format, apart from journal.ts so the scanner that reads it needs no import back.
export type JournalRecord =
  | { s: 'run'; t: number; issue: string; list: string; pid: number; concurrency: number; rate: number | null }
  | { s: 'sending'; e: string; n: number; t: number }
  | { s: 'sent'; e: string; r: string; t: number }
  | { s: 'pending'; e: string; n: number; why: string; t: number }
  // `row`: the recipient's row in the list, for the failures CSV (absent in journals written before it was recorded).
  | { s: 'failed'; e: string; k: 'permanent' | 'transient'; code: string; rc?: number; cmd?: string; m: string; row?: number; t: number }
  | { s: 'skipped'; e: string; why: string; t: number }
  // A hard bounce to add to the suppression list (`why` is its source), written before the list is:
  // the next run writes every one again (a no-op when already there). It changes no recipient's state.
  | { s: 'suppress'; e: string; why: string; t: number };

export type FailedRecord = Extract<JournalRecord, { s: 'failed' }>;
export type SuppressRecord = Extract<JournalRecord, { s: 'suppress' }>;
