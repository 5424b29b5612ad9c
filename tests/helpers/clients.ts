/**
 * Real mail clients for tests (src/clients/): which are installed, and reading what they drew.
 *
 * Like the Redis, Postfix and Dovecot tests: without a client's programs its tests are skipped
 * with a printed note, except under CI=true, where .ci/run installs them and they fail instead.
 */
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { EVOLUTION_INSTALL, evolutionMissing, THUNDERBIRD_INSTALL, thunderbirdMissing } from '../../src/clients/index.ts';

const thunderbird = thunderbirdMissing();
export const SKIP_THUNDERBIRD = thunderbird !== undefined && process.env.CI !== 'true';
if (SKIP_THUNDERBIRD) console.warn(`Skipping Thunderbird tests: ${thunderbird} (${THUNDERBIRD_INSTALL}).`);

const evolution = evolutionMissing();
export const SKIP_EVOLUTION = evolution !== undefined && process.env.CI !== 'true';
if (SKIP_EVOLUTION) console.warn(`Skipping Evolution tests: ${evolution} (${EVOLUTION_INSTALL}).`);

/** A PNG's size from its IHDR chunk (width at bytes 16–19, height at 20–23, big-endian). */
export async function pngSize(file: string): Promise<{ width: number; height: number }> {
  const bytes = await readFile(file);
  if (!bytes.subarray(1, 4).equals(Buffer.from('PNG'))) throw new Error(`${file} is not a PNG`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** How many pixels of the PNG are exactly `hex` (`#rrggbb`), from ImageMagick's histogram. */
export async function countColour(file: string, hex: string): Promise<number> {
  const { stdout } = await promisify(execFile)('convert', [file, '-format', '%c', 'histogram:info:-'], { maxBuffer: 64 * 1024 * 1024 });
  // Rows look like "  60000: (255,  0,255) #FF00FF srgb(255,0,255)".
  const row = stdout.split('\n').find((line) => line.includes(` ${hex.toUpperCase()} `));
  return row ? Number(/^\s*(\d+):/.exec(row)?.[1] ?? 0) : 0;
}

/**
 * The live processes (zombies excluded: they have ended and only wait to be reaped) whose
 * environment or command line contains `marker`, e.g. a temp folder only one test run uses.
 */
export async function processesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const [environ, cmdline, stat] = await Promise.all(
      ['environ', 'cmdline', 'stat'].map((file) => readFile(`/proc/${name}/${file}`, 'latin1').catch(() => '')),
    );
    // The state is the field after "(comm)"; comm itself may hold spaces and parentheses.
    const state = stat?.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === '') continue;
    if (environ?.includes(marker) || cmdline?.includes(marker)) found.push(Number(name));
  }
  return found;
}

/** A one-part HTML message as a client receives it (8-bit UTF-8, fixed Date and Message-ID). */
export function htmlEml(subject: string, html: string): Buffer {
  const headers = [
    'From: Sender <sender@example.com>',
    'To: Ana <ana@example.com>',
    `Subject: ${subject}`,
    'Date: Thu, 05 Feb 2026 00:00:00 +0000',
    `Message-ID: <${subject.toLowerCase().replace(/[^a-z0-9]+/g, '-')}@example.com>`,
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ];
  return Buffer.from([...headers, '', html].join('\r\n'));
}
