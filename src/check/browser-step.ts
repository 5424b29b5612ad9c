import { isNewsletterError } from '../errors.ts';
import { axeFindings } from './axe.ts';
import { finding, type Finding } from './report.ts';
import type { BrowserPassOptions, BrowserPassResult } from './browser-pass.ts';

/** The browser module (src/check/browser-pass.ts), loaded only when the browser step runs. */
export interface BrowserModule {
  browserPass(options: BrowserPassOptions): Promise<BrowserPassResult>;
}

export interface BrowserStepResult {
  findings: Finding[];
  files?: string[];
  /** axe-core's findings, when it ran (check removes the hand-written findings they replace). */
  axe?: Finding[];
}

// A dynamic import: the browser code (and playwright-core) is loaded only when the step runs.
const loadBrowser = (): Promise<BrowserModule> => import('./browser-pass.ts');

/**
 * The check's Chromium step, one browser for both: PNGs at 375 and 1024 px, light and
 * dark, with an error when the page scrolls sideways at 375 px (when `outDir` is given),
 * and axe-core on the light and dark page (when `axe` is set).
 */
export async function runBrowserStep(options: BrowserPassOptions, load: () => Promise<BrowserModule> = loadBrowser): Promise<BrowserStepResult> {
  let mod: BrowserModule;
  try {
    mod = await load();
  } catch (error) {
    return { findings: skipped(options, `the browser step is not available in this version: ${(error as Error).message.split('\n')[0]}.`, undefined, 'unavailable') };
  }
  try {
    const pass = await mod.browserPass(options);
    const axe = pass.axe ? axeFindings(pass.axe) : undefined;
    return { findings: screenshotFindings(pass, options.outDir), files: pass.files, axe };
  } catch (error) {
    // Chromium missing or failing to start is a known, fixable condition: report it, keep the rest of the report.
    if (isNewsletterError(error)) return { findings: skipped(options, error.message, error.fix) };
    throw error;
  }
}

function screenshotFindings({ files, overflow375 }: BrowserPassResult, outDir: string | undefined): Finding[] {
  if (!files || !outDir) return [];
  const findings = [finding('screenshots', 'info', 'files', `wrote ${files.length} screenshots to ${outDir}`, { data: { files } })];
  if (overflow375?.overflowing)
    findings.unshift(
      finding('screenshots', 'error', 'overflow', `the email is ${overflow375.scrollWidth} px wide on a 375 px phone screen: readers have to scroll sideways`, {
        fix: 'Find the element with a fixed width over ~335 px (a table width, an image without max-width:100%, a long unbroken word or URL) and make it fluid.',
        data: { ...overflow375 },
      }),
    );
  return findings;
}

/**
 * Screenshots asked for and not taken are a warning; axe not run is a note, since the hand-written
 * checks still ran. Each part asked for gets its finding, whatever stopped the browser step.
 * `screenshotsId`: `unavailable` when this build has no browser module, `skipped` when Chromium is missing or fails to start.
 */
function skipped(options: BrowserPassOptions, message: string, fix: string | undefined, screenshotsId: 'skipped' | 'unavailable' = 'skipped'): Finding[] {
  const findings: Finding[] = [];
  if (options.axe) findings.push(finding('accessibility', 'info', 'axe-skipped', `axe-core skipped: ${message} The hand-written accessibility checks ran instead.`, { fix }));
  if (options.outDir) findings.push(finding('screenshots', 'warning', screenshotsId, `screenshots skipped: ${message}`, { fix }));
  return findings;
}
