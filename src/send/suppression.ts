import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { z } from 'zod';
import { NewsletterError } from '../errors.ts';
import { AddressIndex } from './subscribers/address-index.ts';

/**
 * The suppression list: addresses that must never be mailed again
 * (unsubscribed, bounced, complained), honoured on every send.
 *
 * Stored as `<state dir>/suppression.csv`, `email,reason,source,added_at`:
 * a format an operator can open, grep, and import into or export from other
 * tools. It is append-only: each addition is one line written with a single
 * write() to a file opened O_APPEND, then fsync'd before `add` resolves, so a
 * crash loses no acknowledged unsubscribe, and two processes (the sender and
 * the unsubscribe endpoint) can append at once without interleaving lines.
 * A crash mid-write can leave a torn last line; loading reads past it, and
 * the next append starts on a fresh line.
 */
export const SUPPRESSION_FILE = 'suppression.csv';
const HEADER = 'email,reason,source,added_at\n';

export const SUPPRESSION_REASONS = ['unsubscribed', 'bounced', 'complained'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface Suppression {
  /** The file the list lives in. */
  readonly path: string;
  /** Number of distinct suppressed addresses. */
  readonly size: number;
  /** Is this address suppressed? Case-insensitive. */
  has(email: string): boolean;
  /**
   * Suppress an address, durably (fsync) before resolving. Returns false when
   * it was already suppressed (nothing is written). `source` says where the
   * request came from ("unsubscribe-server", "send: 550 from mx.example.com").
   */
  add(email: string, reason: SuppressionReason, source: string): Promise<boolean>;
  close(): Promise<void>;
}

const entry = z.object({
  email: z.email().max(254),
  reason: z.enum(SUPPRESSION_REASONS),
  source: z.string().max(500).refine((s) => !/[\r\n]/.test(s), 'must be one line'),
});

const keyOf = (email: string) => email.trim().toLowerCase();

/** Load the suppression list from `stateDir` (default .newsletter); a missing file is an empty list. */
export async function loadSuppression(stateDir = '.newsletter'): Promise<Suppression> {
  const path = join(stateDir, SUPPRESSION_FILE);
  const index = new AddressIndex(1024);
  await readInto(path, index);
  let handle: FileHandle | undefined;
  // Appends run one at a time, in call order.
  let queue: Promise<unknown> = Promise.resolve();

  async function append(line: string): Promise<void> {
    if (!handle) {
      await mkdir(stateDir, { recursive: true });
      handle = await open(path, 'a');
      const { size } = await handle.stat();
      if (size === 0) line = HEADER + line;
      else if (!(await endsWithNewline(path, size))) line = `\n${line}`;
    }
    await handle.write(line);
    await handle.sync();
  }

  return {
    path,
    get size() {
      return index.size;
    },
    has: (email) => index.has(keyOf(email)),
    add(email, reason, source) {
      const parsed = entry.safeParse({ email: email.trim(), reason, source });
      if (!parsed.success)
        return Promise.reject(
          new NewsletterError('ESUBSCRIBERS', `Cannot suppress ${JSON.stringify(email)}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`, {
            where: path,
            fix: `Pass a valid address and one of: ${SUPPRESSION_REASONS.join(', ')}.`,
          }),
        );
      const key = keyOf(email);
      const run = queue.then(async () => {
        if (index.has(key)) return false;
        await append(`${csvLine([parsed.data.email, reason, source, new Date().toISOString()])}\n`);
        index.add(key, 1);
        return true;
      });
      queue = run.catch(() => {});
      return run.catch((cause: unknown) => {
        throw new NewsletterError('ESUBSCRIBERS', `Could not write to the suppression list ${path}: ${(cause as Error).message}`, {
          where: path,
          fix: 'Check that the state folder is writable and the disk is not full.',
          cause,
        });
      });
    },
    async close() {
      await queue;
      await handle?.close();
      handle = undefined;
    },
  };
}

async function readInto(path: string, index: AddressIndex): Promise<void> {
  try {
    if (!(await stat(path)).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new NewsletterError('ESUBSCRIBERS', `Cannot read the suppression list ${path}: ${(cause as Error).message}`, { where: path, fix: 'Check the state folder (--state DIR) and its permissions.', cause });
  }
  const parser = createReadStream(path).pipe(
    // A hand-edited bad line is skipped, never fatal: failing here would block every send.
    parse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, skip_records_with_error: true }),
  );
  let first = true;
  for await (const record of parser as AsyncIterable<string[]>) {
    const email = record[0]?.trim() ?? '';
    if (first && email.toLowerCase() === 'email') continue;
    first = false;
    // No stricter check on purpose: a line torn by a crash suppresses at worst an address
    // nobody has (erring towards not mailing), while a hand-added address must always count.
    if (email.includes('@')) index.add(keyOf(email), 1);
  }
}

async function endsWithNewline(path: string, size: number): Promise<boolean> {
  const h = await open(path, 'r');
  try {
    const { buffer } = await h.read(Buffer.alloc(1), 0, 1, size - 1);
    return buffer[0] === 0x0a;
  } finally {
    await h.close();
  }
}

function csvLine(values: string[]): string {
  return values.map((v) => (/[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
}
