import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../src/browser/launch.ts';
import { startPreviewServer, type PreviewServer } from '../../src/preview/index.ts';
import { tempDir } from '../helpers/cli.ts';
import { ROOT } from '../helpers/content.ts';
import { openPage, SKIP_BROWSER } from './chromium.ts';

async function frameOf(page: Page, view: string): Promise<Frame> {
  const frame = await (await page.waitForSelector(`[data-panel="${view}"] iframe`)).contentFrame();
  if (!frame) throw new Error(`no frame in the ${view} view`);
  return frame;
}

describe.skipIf(SKIP_BROWSER)('the preview page in headless Chromium', () => {
  let browser: Browser;
  let server: PreviewServer;
  let screenshotsDir: string;
  beforeAll(async () => {
    screenshotsDir = await tempDir();
    server = await startPreviewServer({ cwd: ROOT, contentDir: 'content', port: 0, screenshotsDir });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('switches views and subscribers', async () => {
    const { page, context } = await openPage(browser, 1280);
    await page.goto(server.url);
    // Desktop first, for the subscriber with a name.
    await (await frameOf(page, 'desktop')).getByText('Hi Ana María,').waitFor();

    await page.click('[data-view="mobile"]');
    const mobile = page.locator('[data-panel="mobile"] iframe');
    await mobile.waitFor({ state: 'visible' });
    expect((await mobile.boundingBox())?.width).toBe(375);
    expect(await page.locator('[data-panel="desktop"]').isVisible()).toBe(false);

    await page.click('[data-who="anonymous"]');
    await (await frameOf(page, 'mobile')).getByText('Hi there,').waitFor();
    expect(page.url()).toContain('#view=mobile&who=anonymous');

    await page.click('[data-view="text"]');
    await page.locator('[data-panel="text"] pre', { hasText: 'Hi there,' }).waitFor();

    await page.click('[data-view="headers"]');
    await page.locator('[data-panel="headers"] pre', { hasText: 'List-Unsubscribe-Post' }).waitFor();

    await page.click('[data-view="dark"]');
    const dark = await frameOf(page, 'dark');
    await dark.getByText('Hi there,').waitFor();
    await page.click('[data-view="desktop"]');
    const light = await frameOf(page, 'desktop');
    await light.getByText('Hi there,').waitFor();
    const bg = (f: Frame) => f.evaluate(() => getComputedStyle(document.body).backgroundColor);
    // The browser itself is in light mode: only the emulation can make the dark view dark.
    expect(await bg(dark)).not.toBe(await bg(light));
    await context.close();
  });

  it('takes screenshots from the button and shows them', async () => {
    const { page, context } = await openPage(browser, 1280);
    await page.goto(server.url);
    await page.click('#shoot');
    await page.locator('.shots figure').nth(3).waitFor();
    expect(await page.locator('.shots figcaption').allTextContents()).toEqual(['375-light.png', '375-dark.png', '1024-light.png', '1024-dark.png']);
    expect(await page.locator('#status').textContent()).toContain('No sideways overflow at 375 px');
    // The images load from the server: a broken image has no natural width.
    expect(await page.locator('.shots img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth))).toEqual([375, 375, 1024, 1024]);
    await context.close();
  });
});
