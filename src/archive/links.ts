import type { ImageAsset } from '../assets/index.ts';
import type { UrlOf } from './article.tsx';
import { absoluteUrl, relativeHref, sitePathOf } from './urls.ts';

/** Where a content URL points inside the site: a processed local image (assets/…), or a URL under siteUrl. */
function siteTarget(url: string, siteUrl: string | undefined, assets: ReadonlyMap<string, string>): string | undefined {
  return assets.get(url) ?? sitePathOf(url, siteUrl);
}

export const assetMap = (assets: readonly ImageAsset[]): ReadonlyMap<string, string> => new Map(assets.map((a) => [a.url, a.name]));

/** URLs as a page at `fromFile` writes them: into the site relative, elsewhere as written. */
export function pageUrls(fromFile: string, siteUrl: string | undefined, assets: ReadonlyMap<string, string>): UrlOf {
  return (url) => {
    const target = siteTarget(url, siteUrl, assets);
    return target === undefined ? url : relativeHref(fromFile, target);
  };
}

/** URLs as a feed writes them: into the site absolute on the base URL (--base-url, or siteUrl), elsewhere as written. */
export function absoluteUrls(baseUrl: string, siteUrl: string | undefined, assets: ReadonlyMap<string, string>): UrlOf {
  return (url) => {
    const target = siteTarget(url, siteUrl, assets);
    return target === undefined ? url : absoluteUrl(baseUrl, target);
  };
}
