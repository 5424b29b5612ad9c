/**
 * What every place bounce messages are read from looks like to the `bounces` command:
 * messages one at a time, oldest first, and a way to say "this one is recorded".
 */
import { open, type FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';

export interface SourceMessage {
  /** Shown to the user and recorded: the file path ("…/new/1733-1.host"), "mbox FILE#3 (byte 12345)", "imap INBOX uid 42". */
  ref: string;
  raw: Buffer;
}

/** A message that was not yielded, and why (too big, unreadable): the summary lists them. */
export interface SkippedMessage {
  ref: string;
  reason: string;
}

export interface BounceSource {
  /** One line for the summary: "Maildir /var/mail/bounces (12 new)", "IMAP bounces@127.0.0.1:1143/INBOX". */
  readonly describe: string;
  /** Messages not yielded by messages() so far (over MAX_MESSAGE_BYTES, unreadable); they stay where they are. */
  readonly skipped: readonly SkippedMessage[];
  /** Messages not yet processed, oldest first, one at a time (never the whole mailbox in memory). */
  messages(): AsyncIterable<SourceMessage>;
  /** After the message is recorded durably: flag or move it so the next run does not see it. Never for messages not understood. */
  markProcessed(message: SourceMessage): Promise<void>;
  close(): Promise<void>;
}

/**
 * The largest message read, in bytes. Bounces quote at most the original message (RFC 3464
 * lets the reporter return headers only), and a newsletter is far below this; anything bigger
 * is not a bounce worth the memory and is listed as skipped.
 */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export const tooBig = (size: number) => `larger than ${MAX_MESSAGE_BYTES / 1024 / 1024} MB (${size} bytes): not read`;

export type BoundedRead = { ok: true; raw: Buffer } | { ok: false; reason: string } | { ok: false; vanished: true };

/**
 * Reads a regular file of at most MAX_MESSAGE_BYTES without following a symbolic link at its
 * last component (O_NOFOLLOW: a link swapped in after listing is refused, not read).
 * A file gone since it was listed (another reader moved it) is `vanished`, not an error.
 */
export async function readBoundedFile(path: string): Promise<BoundedRead> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, vanished: true };
    if (code === 'ELOOP') return { ok: false, reason: 'a symbolic link: not followed' };
    return { ok: false, reason: `cannot be read (${code ?? String(error)})` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, reason: 'not a regular file' };
    if (info.size > MAX_MESSAGE_BYTES) return { ok: false, reason: tooBig(info.size) };
    // One byte more than the cap, so a file that grew since the stat is still caught.
    const buffer = Buffer.alloc(Math.min(info.size, MAX_MESSAGE_BYTES) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    if (length > MAX_MESSAGE_BYTES) return { ok: false, reason: tooBig(length) };
    if (length === buffer.length) return { ok: false, reason: 'grew while it was read: not read, try again' };
    return { ok: true, raw: buffer.subarray(0, length) };
  } finally {
    await handle.close();
  }
}
