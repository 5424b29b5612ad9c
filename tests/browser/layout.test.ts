import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../src/browser/launch.ts';
import { buildIssue } from '../../src/render/build.ts';
import { ROOT } from '../helpers/content.ts';
import { personalizeBuilt } from '../helpers/render.ts';
import { openPage, SKIP_BROWSER } from './chromium.ts';

/** The column holding the headline: the widest ancestor of the h1 that is still narrower than the page. */
function columnBox(page: Page) {
  return page.evaluate(() => {
    const h1 = document.querySelector('h1');
    if (!h1) throw new Error('no h1 in the email');
    let column: Element = h1;
    for (let el = h1.parentElement; el && el !== document.body; el = el.parentElement) {
      if (el.getBoundingClientRect().width >= document.documentElement.clientWidth - 1) break;
      column = el;
    }
    const r = column.getBoundingClientRect();
    return { left: r.left, right: document.documentElement.clientWidth - r.right, width: r.width };
  });
}

const bodyBackground = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

describe.skipIf(SKIP_BROWSER)('the seed issue in headless Chromium', () => {
  let browser: Browser;
  let html: string;
  beforeAll(async () => {
    const built = await buildIssue({ cwd: ROOT });
    html = personalizeBuilt(built, { email: 'ana.maria@example.com', firstName: 'Ana María' }).html;
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  it('does not scroll sideways on a 375 px phone', async () => {
    const { page, context } = await openPage(browser, 375);
    await page.setContent(html, { waitUntil: 'load' });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await context.close();
  });

  it('shows a centred column of at most 600 px on a 1024 px screen', async () => {
    const { page, context } = await openPage(browser, 1024);
    await page.setContent(html, { waitUntil: 'load' });
    const box = await columnBox(page);
    expect(box.width).toBeLessThanOrEqual(600);
    expect(box.width).toBeGreaterThan(400);
    expect(Math.abs(box.left - box.right)).toBeLessThanOrEqual(2);
    await context.close();
  });

  it('changes the background of the email body when the reader prefers dark', async () => {
    const light = await openPage(browser, 600, 'light');
    const dark = await openPage(browser, 600, 'dark');
    await light.page.setContent(html, { waitUntil: 'load' });
    await dark.page.setContent(html, { waitUntil: 'load' });
    const [lightBg, darkBg] = [await bodyBackground(light.page), await bodyBackground(dark.page)];
    expect(darkBg).not.toBe(lightBg);
    // Dark means dark: every channel well below the middle.
    expect(darkBg.match(/\d+/g)!.slice(0, 3).map(Number).every((c) => c < 64)).toBe(true);
    await light.context.close();
    await dark.context.close();
  });
});
