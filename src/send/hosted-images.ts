import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { isReservedExampleHost } from '../config/index.ts';
import { NewsletterError } from '../errors.ts';
import type { ImageAsset } from '../render/index.ts';

const TIMEOUT_MS = 15_000;
const CONCURRENCY = 4;

export interface HostedImagesOptions {
  fetch?: typeof fetch;
  /**
   * Images readers cannot load (an example domain, this machine, a private network): a refusal
   * for a send to the list or --queue, a warning for a `--test` copy to yourself (trying the
   * issue before the images have a public home).
   */
  unreachable: 'refuse' | 'warn';
  /** The setting the images' URLs come from, for the error: "content/newsletter.yml assetsBaseUrl" (or siteUrl). */
  setting: string;
}

/** Where an image's host is, for the readers' mail clients that load it. */
type Reach = 'example' | 'private' | 'public';

// Special-use names (RFC 6761, 6762): never resolvable on the internet.
const PRIVATE_NAME = /(^|\.)(localhost|local|test|internal|lan|home\.arpa)$/;
// Loopback, RFC 1918 private, link-local, CGNAT, unique-local and unspecified addresses.
const PRIVATE_V4 = /^(127\.|10\.|192\.168\.|169\.254\.|0\.|172\.(1[6-9]|2\d|3[01])\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/;
const PRIVATE_V6 = /^(::1?$|f[cd][0-9a-f]{2}:|fe[89ab][0-9a-f]:)/i;

/** Whether readers' mail clients, anywhere on the internet, could load an image from `url`'s host. */
export function readersReach(url: string): Reach {
  const host = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (isReservedExampleHost(host)) return 'example';
  if (isIP(host) === 4) return PRIVATE_V4.test(host) ? 'private' : 'public';
  if (isIP(host) === 6) return PRIVATE_V6.test(host) ? 'private' : 'public';
  if (!host.includes('.') || PRIVATE_NAME.test(host)) return 'private';
  return 'public';
}

/** Why one image is not what readers would load, or undefined when its URL serves exactly its bytes. */
async function problemOf(asset: ImageAsset, doFetch: typeof fetch): Promise<string | undefined> {
  try {
    const res = await doFetch(asset.url, { redirect: 'follow', signal: AbortSignal.timeout(TIMEOUT_MS), headers: { 'user-agent': 'newsletter-send/1 (image check)' } });
    if (res.status >= 400) return `answers HTTP ${res.status}`;
    const body = Buffer.from(await res.arrayBuffer());
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    return sha(body) === sha(asset.data) ? undefined : `serves other bytes (${body.byteLength} instead of ${asset.bytes}): an older or different file`;
  } catch (cause) {
    const error = cause as Error & { cause?: { code?: string } };
    return error.name === 'TimeoutError' ? `no answer in ${TIMEOUT_MS / 1000} s` : `cannot be fetched (${error.cause?.code ?? error.message})`;
  }
}

/** Where an image's folder is uploaded: its URL without `<hash>.<ext>` (assetsBaseUrl + "assets/"). */
const folderOf = (asset: ImageAsset) => asset.url.slice(0, asset.url.length - asset.name.length) + 'assets/';

const UPLOAD_FIX = (asset: ImageAsset) =>
  `run \`newsletter build\` (it writes the images to out/<slug>/assets/) or \`newsletter archive\` (out/site/assets/), and upload them to ${folderOf(asset)}`;

const WHY: Record<Exclude<Reach, 'public'>, string> = {
  example: 'an example domain, which is never online',
  private: 'this machine or a private network, which readers’ mail clients cannot reach',
};

/** The first image readers cannot load, as a sentence, or undefined when every host is public. */
function unreachableLine(assets: readonly ImageAsset[]): string | undefined {
  const first = assets.find((a) => readersReach(a.url) !== 'public');
  if (!first) return undefined;
  const kind = readersReach(first.url) as Exclude<Reach, 'public'>;
  const count = assets.filter((a) => readersReach(a.url) !== 'public').length;
  return `${count} of the issue's ${assets.length} images load from ${new URL(first.url).origin}, ${WHY[kind]}, so readers would see blank boxes`;
}

const UNREACHABLE_FIX = (asset: ImageAsset, setting: string) => `Set ${setting} to the public https:// address where you host the images, then ${UPLOAD_FIX(asset)}.`;

/**
 * Before anything is sent: every image of the issue's own (assets/) must be online at the URL the
 * message loads it from, byte for byte, or every reader gets a blank box that cannot be fixed once
 * the mail is out. For a send to the list, images on an example domain, this machine or a private
 * network are refused without fetching (they may answer here, never in a reader's client); for a
 * --test copy they are a warning, and those on this machine are still fetched. Example domains are
 * never fetched. Returns the warnings; throws EIMAGES naming every image that fails.
 */
export async function verifyHostedImages(assets: readonly ImageAsset[], options: HostedImagesOptions): Promise<string[]> {
  const unreachable = unreachableLine(assets);
  const firstUnreachable = assets.find((a) => readersReach(a.url) !== 'public');
  if (unreachable && firstUnreachable && options.unreachable === 'refuse')
    throw new NewsletterError('EIMAGES', `${unreachable}; nothing was sent`, { where: options.setting, fix: `${UNREACHABLE_FIX(firstUnreachable, options.setting)} --skip-image-check sends without looking.` });
  const warnings = unreachable && firstUnreachable ? [`⚠ Warning: ${unreachable}\n  fix: ${UNREACHABLE_FIX(firstUnreachable, options.setting)}`] : [];
  const toFetch = assets.filter((a) => readersReach(a.url) !== 'example');
  const doFetch = options.fetch ?? fetch;
  const problems: string[] = [];
  for (let i = 0; i < toFetch.length; i += CONCURRENCY) {
    const batch = toFetch.slice(i, i + CONCURRENCY);
    const found = await Promise.all(batch.map((a) => problemOf(a, doFetch)));
    found.forEach((p, j) => p && problems.push(`${batch[j]!.url} ${p} (${batch[j]!.source})`));
  }
  if (problems.length) {
    throw new NewsletterError('EIMAGES', `${problems.length} of the issue's ${assets.length} images ${problems.length === 1 ? 'is' : 'are'} not online at ${problems.length === 1 ? 'its URL' : 'their URLs'}, so readers would see blank boxes; nothing was sent:\n${problems.map((p) => `  ${p}`).join('\n')}`, {
      where: folderOf(toFetch[0]!),
      fix: `${UPLOAD_FIX(toFetch[0]!).replace(/^r/, 'R')}, then run the same command again; --skip-image-check sends without looking.`,
    });
  }
  return warnings;
}
