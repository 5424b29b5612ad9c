import { GMAIL_CLIP_BYTES } from '../render/index.ts';
import { finding, type Finding } from './report.ts';

/** Leave room: past this, a longer issue or a longer name tips it over. */
export const SIZE_WARNING_BYTES = 80_000;

const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;

/**
 * Size of the HTML as sent: pass it personalized with long values, because
 * merge fields grow the message for every recipient with a long name or address.
 */
export function checkSize(html: string): Finding[] {
  const bytes = Buffer.byteLength(html, 'utf8');
  const data = { bytes, clipAt: GMAIL_CLIP_BYTES, warnAt: SIZE_WARNING_BYTES };
  if (bytes >= GMAIL_CLIP_BYTES)
    return [
      finding('size', 'error', 'clipped', `HTML is ${bytes.toLocaleString('en')} bytes (${kb(bytes)}); Gmail clips messages from ${GMAIL_CLIP_BYTES.toLocaleString('en')} bytes and hides the rest, including the unsubscribe link`, {
        fix: 'Shorten the issue (fewer sections or stories), or move long parts to the web version and link to them.',
        data,
      }),
    ];
  if (bytes >= SIZE_WARNING_BYTES)
    return [
      finding('size', 'warning', 'near-clip', `HTML is ${bytes.toLocaleString('en')} bytes (${kb(bytes)}); Gmail clips from ${GMAIL_CLIP_BYTES.toLocaleString('en')}`, {
        fix: 'Keep it well under the limit: trim the issue before adding more.',
        data,
      }),
    ];
  return [finding('size', 'info', 'bytes', `HTML is ${bytes.toLocaleString('en')} bytes (${kb(bytes)}) with long sample values; Gmail clips from ${GMAIL_CLIP_BYTES.toLocaleString('en')}`, { data })];
}
