import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { blockOffMachine, launchBrowser } from '../browser/index.ts';
import { runAxe, type AxeRun } from './axe-page.ts';

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

/** The check's browser step: screenshots when `outDir` is given, axe-core when `axe` is set, in one browser. */
export interface BrowserPassOptions extends Omit<ScreenshotOptions, 'outDir'> {
  outDir?: string;
  axe?: boolean;
}

export interface BrowserPassResult extends Partial<ScreenshotResult> {
  /** axe-core's results at 1024 px, light then dark. */
  axe?: AxeRun[];
}

export const SCREENSHOT_WIDTHS = [375, 1024] as const;
export const COLOR_SCHEMES = ['light', 'dark'] as const;
type Width = (typeof SCREENSHOT_WIDTHS)[number];
type Scheme = (typeof COLOR_SCHEMES)[number];
/** First-screen heights; the PNG is the full page, this only sets the viewport. */
const HEIGHT: Record<Width, number> = { 375: 812, 1024: 768 };
/** axe runs on the desktop width: its rules do not depend on the width, and dark mode changes the colours it measures. */
const AXE_WIDTH: Width = 1024;

/**
 * Full-page PNGs of an email at phone and desktop widths, in light and dark
 * (prefers-color-scheme emulated, as Apple Mail and iOS apply it), plus the
 * sideways-overflow measurement at 375 px.
 */
export async function takeScreenshots(options: ScreenshotOptions): Promise<ScreenshotResult> {
  const { files = [], overflow375 = { overflowing: false, scrollWidth: 0 } } = await browserPass(options);
  return { files, overflow375 };
}

/** Load the email once per width and scheme needed, in one browser, and take the screenshots and axe runs asked for. */
export async function browserPass(options: BrowserPassOptions): Promise<BrowserPassResult> {
  const outDir = options.outDir === undefined ? undefined : resolve(options.outDir);
  if (outDir) await mkdir(outDir, { recursive: true });
  const widths = outDir ? SCREENSHOT_WIDTHS : [AXE_WIDTH];
  const result: BrowserPassResult = outDir ? { files: [] } : {};
  if (options.axe) result.axe = [];
  const browser = await launchBrowser();
  try {
    for (const width of widths)
      for (const colorScheme of COLOR_SCHEMES)
        await onPage(browser, options, width, colorScheme, async (page) => {
          if (outDir) await screenshot(page, outDir, width, colorScheme, result);
          if (result.axe && width === AXE_WIDTH) result.axe.push(await runAxe(page, colorScheme));
        });
    return result;
  } finally {
    await browser.close();
  }
}

/** The email loaded in a fresh context of the given width and scheme (requests off the machine blocked unless online). */
async function onPage(browser: Browser, options: BrowserPassOptions, width: Width, colorScheme: Scheme, use: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser.newContext({ viewport: { width, height: HEIGHT[width] }, colorScheme, deviceScaleFactor: 1 });
  try {
    if (!options.online) await blockOffMachine(context);
    const page = await context.newPage();
    await page.setContent(options.html, { waitUntil: 'load' });
    await use(page);
  } finally {
    await context.close();
  }
}

async function screenshot(page: Page, outDir: string, width: Width, colorScheme: Scheme, result: BrowserPassResult): Promise<void> {
  if (width === 375 && colorScheme === 'light') {
    const scrollWidth = await page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body?.scrollWidth ?? 0));
    result.overflow375 = { overflowing: scrollWidth > 375, scrollWidth };
  }
  const file = join(outDir, `${width}-${colorScheme}.png`);
  await fullPageShot(page, file);
  result.files?.push(file);
}

/**
 * A full-page screenshot, taken again once when Chromium answers "Unable to capture screenshot":
 * a known transient refusal of Page.captureScreenshot while the compositor is starved (a busy
 * machine), seen here when several browsers shoot at once; the second try finds it drawn.
 */
async function fullPageShot(page: Page, file: string): Promise<void> {
  try {
    await page.screenshot({ path: file, fullPage: true });
  } catch (error) {
    if (!(error instanceof Error) || !error.message.includes('Unable to capture screenshot')) throw error;
    await new Promise((resolve) => setTimeout(resolve, 500));
    await page.screenshot({ path: file, fullPage: true });
  }
}
