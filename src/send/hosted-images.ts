import { createHash } from 'node:crypto';
import { isReservedExampleHost } from '../config/index.ts';
import { NewsletterError } from '../errors.ts';
import type { ImageAsset } from '../render/index.ts';

const TIMEOUT_MS = 15_000;
const CONCURRENCY = 4;

export interface HostedImagesOptions {
  fetch?: typeof fetch;
  /**
   * Images at a reserved example domain: a refusal for a send to the list (they never will be
   * online), a warning for a `--test` copy to yourself (trying the issue before you have hosting).
   */
  exampleDomain: 'refuse' | 'warn';
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

/**
 * Before anything is sent: every image of the issue's own (assets/) must be online at the URL the
 * message loads it from, byte for byte, or every reader gets a blank box that cannot be fixed once
 * the mail is out. Images at a reserved example domain are never fetched: they never will be
 * online. Returns the warnings; throws EIMAGES naming every image that fails.
 */
export async function verifyHostedImages(assets: readonly ImageAsset[], options: HostedImagesOptions): Promise<string[]> {
  const atExample = assets.filter((a) => isReservedExampleHost(new URL(a.url).hostname));
  const exampleLine = atExample.length ? `${atExample.length} of the issue's ${assets.length} images load from an example domain (${new URL(atExample[0]!.url).origin}), which is never online, so readers would see blank boxes` : '';
  const exampleFix = 'Set assetsBaseUrl (or siteUrl) in content/newsletter.yml to where you host the images, then ' + (atExample[0] ? UPLOAD_FIX(atExample[0]) : '') + '.';
  if (atExample.length && options.exampleDomain === 'refuse')
    throw new NewsletterError('EIMAGES', `${exampleLine}; nothing was sent`, { where: 'content/newsletter.yml assetsBaseUrl', fix: `${exampleFix} --skip-image-check sends without looking.` });
  const warnings = atExample.length ? [`⚠ Warning: ${exampleLine}\n  fix: ${exampleFix}`] : [];
  const toFetch = assets.filter((a) => !atExample.includes(a));
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
