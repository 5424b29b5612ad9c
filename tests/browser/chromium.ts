import type { Browser, BrowserContext, Page } from 'playwright-core';
import { blockOffMachine, chromiumPath, DEFAULT_CHROMIUM } from '../../src/browser/launch.ts';

/**
 * Browser tests need Debian's chromium. On a developer machine without it they
 * are skipped with a printed reason; on CI (CI=true, where .ci/run installs it)
 * they run, and fail if it is missing.
 */
export const SKIP_BROWSER = chromiumPath() === undefined && process.env.CI !== 'true';
if (SKIP_BROWSER) console.warn(`Skipping browser tests: no Chromium at ${process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM} (sudo apt-get install chromium).`);

export interface OpenPage {
  page: Page;
  context: BrowserContext;
}

/** A page of the given width in a fresh context; every request off this machine is blocked. */
export async function openPage(browser: Browser, width: number, colorScheme: 'light' | 'dark' = 'light'): Promise<OpenPage> {
  const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme });
  await blockOffMachine(context);
  return { page: await context.newPage(), context };
}

/** The width of a PNG, from its IHDR chunk. */
export function pngWidth(png: Buffer): number {
  expectPng(png);
  return png.readUInt32BE(16);
}

function expectPng(png: Buffer): void {
  if (!png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new Error('not a PNG file');
}
