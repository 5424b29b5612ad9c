import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { blockOffMachine, launchBrowser } from '../browser/index.ts';

export interface ScreenshotOptions {
  /** The email as sent (personalized HTML). */
  html: string;
  /** Folder for the PNGs; created when missing. */
  outDir: string;
  /**
   * Let the page load remote images and fonts. Off by default: many machines
   * are offline, and a screenshot with images blocked shows the alt text a
   * reader with images off would see.
   */
  online?: boolean;
}

export interface ScreenshotResult {
  /** Absolute paths: 375-light.png, 375-dark.png, 1024-light.png, 1024-dark.png. */
  files: string[];
  /** Whether the page is wider than a 375 px phone screen (it then scrolls sideways). */
  overflow375: { overflowing: boolean; scrollWidth: number };
}

export const SCREENSHOT_WIDTHS = [375, 1024] as const;
export const COLOR_SCHEMES = ['light', 'dark'] as const;
/** First-screen heights; the PNG is the full page, this only sets the viewport. */
const HEIGHT: Record<(typeof SCREENSHOT_WIDTHS)[number], number> = { 375: 812, 1024: 768 };

/**
 * Full-page PNGs of an email at phone and desktop widths, in light and dark
 * (prefers-color-scheme emulated, as Apple Mail and iOS apply it), plus the
 * sideways-overflow measurement at 375 px.
 */
export async function takeScreenshots(options: ScreenshotOptions): Promise<ScreenshotResult> {
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const browser = await launchBrowser();
  try {
    const files: string[] = [];
    let overflow375 = { overflowing: false, scrollWidth: 0 };
    for (const width of SCREENSHOT_WIDTHS) {
      for (const colorScheme of COLOR_SCHEMES) {
        const context = await browser.newContext({ viewport: { width, height: HEIGHT[width] }, colorScheme, deviceScaleFactor: 1 });
        try {
          if (!options.online) await blockOffMachine(context);
          const page = await context.newPage();
          await page.setContent(options.html, { waitUntil: 'load' });
          if (width === 375 && colorScheme === 'light') {
            const scrollWidth = await page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body?.scrollWidth ?? 0));
            overflow375 = { overflowing: scrollWidth > 375, scrollWidth };
          }
          const file = join(outDir, `${width}-${colorScheme}.png`);
          await page.screenshot({ path: file, fullPage: true });
          files.push(file);
        } finally {
          await context.close();
        }
      }
    }
    return { files, overflow375 };
  } finally {
    await browser.close();
  }
}
