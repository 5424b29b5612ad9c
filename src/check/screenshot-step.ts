import { isNewsletterError } from '../errors.ts';
import { finding, type Finding } from './report.ts';

/** The screenshots module (src/check/screenshots.ts), owned by the preview work; loaded only for --screenshots. */
export interface ScreenshotsModule {
  takeScreenshots(options: { html: string; outDir: string }): Promise<{ files: string[]; overflow375: { overflowing: boolean; scrollWidth: number } }>;
}


/** PNGs at 375 and 1024 px, light and dark; an error when the page scrolls sideways at 375 px. */
export async function runScreenshots(html: string, outDir: string, // A dynamic import: the browser code (and playwright-core) is loaded only when asked for.
  load: () => Promise<ScreenshotsModule> = () => import('./screenshots.ts')): Promise<{ findings: Finding[]; files?: string[] }> {
  let mod: ScreenshotsModule;
  try {
    mod = await load();
  } catch (error) {
    return { findings: [finding('screenshots', 'warning', 'unavailable', `screenshots are not available in this version: ${(error as Error).message.split('\n')[0]}`)] };
  }
  try {
    const { files, overflow375 } = await mod.takeScreenshots({ html, outDir });
    const findings = [finding('screenshots', 'info', 'files', `wrote ${files.length} screenshots to ${outDir}`, { data: { files } })];
    if (overflow375.overflowing)
      findings.unshift(
        finding('screenshots', 'error', 'overflow', `the email is ${overflow375.scrollWidth} px wide on a 375 px phone screen: readers have to scroll sideways`, {
          fix: 'Find the element with a fixed width over ~335 px (a table width, an image without max-width:100%, a long unbroken word or URL) and make it fluid.',
          data: { ...overflow375 },
        }),
      );
    return { findings, files };
  } catch (error) {
    // Chromium missing or failing to start is a known, fixable condition: report it, keep the rest of the report.
    if (isNewsletterError(error))
      return { findings: [finding('screenshots', 'warning', 'skipped', `screenshots skipped: ${error.message}`, { fix: error.fix })] };
    throw error;
  }
}
