import type { ImageAsset } from '../render/index.ts';
import { finding, type Finding } from './report.ts';

/** An issue's images together: past 1 MB a phone on a slow connection waits; past 5 MB many readers see blanks. */
export const IMAGES_WARN_BYTES = 1_000_000;
export const IMAGES_ERROR_BYTES = 5_000_000;

const FIX = 'Use fewer or smaller images: crop to what matters, prefer JPEG for photos (PNG only for flat graphics and transparency), and keep each under ~200 KB.';

// Decimal units, like the thresholds (1 MB = 1,000,000 bytes), so 3,795.2 kB and 3.80 MB agree.
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

/**
 * Each image's bytes and the total image weight. Local images (the processed files in
 * assets/) are always weighed; hosted ones only when `check --online` fetched them (`hostedBytes`).
 */
export function checkImageWeight(assets: readonly ImageAsset[], hostedBytes: ReadonlyMap<string, number>, hostedImages: number): Finding[] {
  const findings = assets.map((a) =>
    finding('images', 'info', 'asset', `${a.name}: ${kb(a.bytes)}, ${a.width}×${a.height} ${a.type === 'image/png' ? 'PNG' : 'JPEG'} (from ${a.source})`, { where: a.source, data: { name: a.name, bytes: a.bytes, width: a.width, height: a.height, url: a.url } }),
  );
  for (const [url, bytes] of hostedBytes) findings.push(finding('images', 'info', 'hosted', `${kb(bytes)}: ${url}`, { where: url, data: { url, bytes } }));
  const total = assets.reduce((sum, a) => sum + a.bytes, 0) + [...hostedBytes.values()].reduce((sum, b) => sum + b, 0);
  const unweighed = Math.max(0, hostedImages - hostedBytes.size);
  const count = assets.length + hostedBytes.size;
  if (!count && !unweighed) return findings;
  if (!count) return [...findings, finding('images', 'info', 'weight', `${unweighed} hosted image${unweighed === 1 ? '' : 's'} not weighed: run check --online to fetch them`, { data: { totalBytes: 0, weighed: 0, unweighed } })];
  const note = unweighed ? ` (${unweighed} hosted image${unweighed === 1 ? '' : 's'} not weighed: run check --online to fetch them)` : '';
  const data = { totalBytes: total, weighed: count, unweighed };
  const message = `images weigh ${mb(total)} in all, ${count} image${count === 1 ? '' : 's'}${note}`;
  if (total > IMAGES_ERROR_BYTES) findings.push(finding('images', 'error', 'weight', `${message}: over 5 MB, many readers on phones will see blank boxes`, { fix: FIX, data }));
  else if (total > IMAGES_WARN_BYTES) findings.push(finding('images', 'warning', 'weight', `${message}: over 1 MB, slow to open on a phone connection`, { fix: FIX, data }));
  else findings.push(finding('images', 'info', 'weight', message, { data }));
  return findings;
}
