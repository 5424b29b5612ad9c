import { createRequire } from 'node:module';
import type { Result, RunOptions } from 'axe-core';
import type { Page } from 'playwright-core';

/** What axe-core found on one page: rule violations, and rules it could not decide (to review by hand). */
export interface AxeRun {
  scheme: 'light' | 'dark';
  violations: Result[];
  incomplete: Result[];
}

/**
 * axe-core's options. Every rule runs (WCAG A/AA and best practices) except
 * these two, which judge a web page's landmarks, not an email's: an email is
 * shown inside the mail client's own page (its <main>, its regions), so the
 * email's landmark is the role="article" wrapper around the content
 * (emails/newsletter.tsx), which axe does not count as a landmark. A <main> in
 * the email would give the reader's inbox page a second one.
 * accessibility.ts checks the wrapper instead (`accessibility.article`).
 */
export const AXE_OPTIONS = {
  resultTypes: ['violations', 'incomplete'],
  rules: {
    'landmark-one-main': { enabled: false },
    region: { enabled: false },
  },
} satisfies RunOptions;

/** Run axe-core in a page that already shows the email (the browser step's page). */
export async function runAxe(page: Page, scheme: AxeRun['scheme']): Promise<AxeRun> {
  // The script file as it ships in node_modules (like playwright-core, not bundled into the CLI), not `axe.source`.
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  const { violations, incomplete } = await page.evaluate(async (options) => {
    // The page's global, set by the script tag above.
    const { axe } = globalThis as unknown as { axe: typeof import('axe-core') };
    const results = await axe.run(document, options);
    return { violations: results.violations, incomplete: results.incomplete };
  }, AXE_OPTIONS);
  return { scheme, violations, incomplete };
}
