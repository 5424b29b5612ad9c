import { attr, type HtmlDoc } from './html-doc.ts';
import { finding, type Finding } from './report.ts';

/** Images above this are slow on a phone connection and may be clipped or blocked. */
export const IMAGE_MAX_BYTES = 1_000_000;
const TIMEOUT_MS = 15_000;
const CONCURRENCY = 6;

export interface OnlineOptions {
  /** URLs starting with this are only ever sent HEAD: a GET could unsubscribe the sample reader. */
  unsubscribeBase?: string;
  fetch?: typeof fetch;
}

interface Probe {
  url: string;
  status?: number;
  bytes?: number;
  contentType?: string;
  error?: string;
}

async function probe(url: string, image: boolean, headOnly: boolean, doFetch: typeof fetch): Promise<Probe> {
  const request = (method: 'HEAD' | 'GET') => doFetch(url, { method, redirect: 'follow', signal: AbortSignal.timeout(TIMEOUT_MS), headers: { 'user-agent': 'newsletter-check/1 (link checker)' } });
  try {
    let res = await request('HEAD');
    let bytes = Number(res.headers.get('content-length') ?? NaN);
    // Some servers refuse HEAD (405/501) or answer it badly; GET is the real test.
    if (!headOnly && (res.status >= 400 || (image && !Number.isFinite(bytes)))) {
      res = await request('GET');
      const body = new Uint8Array(await res.arrayBuffer());
      bytes = body.byteLength;
    }
    return { url, status: res.status, contentType: res.headers.get('content-type') ?? undefined, ...(Number.isFinite(bytes) ? { bytes } : {}) };
  } catch (cause) {
    const error = cause as Error & { cause?: { code?: string } };
    return { url, error: error.name === 'TimeoutError' ? `no answer in ${TIMEOUT_MS / 1000} s` : (error.cause?.code ?? error.message) };
  }
}

async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The bytes of each image `checkOnline` fetched (from its summary finding's data), by URL. */
export function fetchedImageBytes(findings: readonly Finding[]): Map<string, number> {
  const results = (findings.find((f) => f.id === 'links.online')?.data?.results ?? []) as (Probe & { image: boolean })[];
  return new Map(results.filter((r) => r.image && r.bytes !== undefined && r.status !== undefined && r.status < 400).map((r) => [r.url, r.bytes!]));
}

/** Fetch every http(s) link (HEAD, then GET when refused) and image; report failures and images over 1 MB. */
export async function checkOnline(doc: HtmlDoc, options: OnlineOptions = {}): Promise<Finding[]> {
  const doFetch = options.fetch ?? fetch;
  const web = (u: string | undefined): u is string => !!u && /^https?:\/\//i.test(u.trim());
  const links = [...new Set(doc.all('a[href]').map((a) => attr(a, 'href')?.trim()).filter(web))];
  const images = [...new Set(doc.all('img[src]').map((i) => attr(i, 'src')?.trim()).filter(web))];
  const headOnly = (u: string) => !!options.unsubscribeBase && u.startsWith(options.unsubscribeBase);
  const results = await pool([...links.map((url) => ({ url, image: false })), ...images.map((url) => ({ url, image: true }))], CONCURRENCY, async (t) => ({ ...t, ...(await probe(t.url, t.image, headOnly(t.url), doFetch)) }));
  const findings: Finding[] = [];
  for (const r of results) {
    const section = r.image ? 'images' : 'links';
    const what = r.image ? 'image' : 'link';
    if (r.error) findings.push(finding(section, 'warning', 'unreachable', `${what} could not be fetched (${r.error}): ${r.url}`, { where: r.url, fix: 'Check the address; if this machine is offline, run without --online.', data: { ...r } }));
    else if (r.status !== undefined && r.status >= 400)
      findings.push(finding(section, 'error', 'broken', `${what} answers HTTP ${r.status}: ${r.url}`, { where: r.url, fix: 'Fix or remove the URL.', data: { ...r } }));
    else if (r.image && r.contentType && !/^image\//i.test(r.contentType))
      findings.push(finding('images', 'warning', 'not-an-image', `image URL serves ${r.contentType}, not an image: ${r.url}`, { where: r.url, fix: 'Point src at the image file itself.', data: { ...r } }));
    else if (r.image && r.bytes !== undefined && r.bytes > IMAGE_MAX_BYTES)
      findings.push(finding('images', 'warning', 'too-large', `image is ${(r.bytes / 1e6).toFixed(1)} MB (over 1 MB): ${r.url}`, { where: r.url, fix: 'Resize it to at most twice its display width and compress it (JPEG at ~80% quality; PNG only for flat graphics: not every mail client shows WebP).', data: { ...r } }));
  }
  const ok = results.filter((r) => !r.error && r.status !== undefined && r.status < 400).length;
  findings.push(finding('links', 'info', 'online', `fetched ${links.length} links and ${images.length} images: ${ok} answered 2xx/3xx`, { data: { results } }));
  return findings;
}
