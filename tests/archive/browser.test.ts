/**
 * Every archive page in headless Chromium, served over real HTTP on 127.0.0.1: no sideways
 * scrolling at 375 px and 1,280 px, and axe-core finds no violation, in light and dark.
 */
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import type { Result } from 'axe-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, serveSite, type SiteServer } from '../../src/archive/index.ts';
import { launchBrowser } from '../../src/browser/index.ts';
import { openPage, SKIP_BROWSER } from '../browser/chromium.ts';
import { archiveContent, makeRightToLeft } from './content.ts';

/** Every rule axe-core has (WCAG A/AA and best practices), the page landmarks included: these are web pages, not emails. */
async function axeViolations(page: Page): Promise<Pick<Result, 'id' | 'impact' | 'help'>[]> {
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  return page.evaluate(async () => {
    const { axe } = globalThis as unknown as { axe: typeof import('axe-core') };
    const results = await axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((v) => ({ id: v.id, impact: v.impact, help: `${v.help}: ${v.nodes.map((n) => n.html).join(' | ')}` }));
  });
}

/** The test archive built (after `prepare` edits its content), served on 127.0.0.1 at /issues/, and a browser. */
async function servedArchive(prepare?: (contentDir: string) => Promise<void>) {
  const content = await archiveContent();
  await prepare?.(content.content);
  const built = await buildSite({ contentDir: content.content, cwd: content.dir });
  const pages = [...built.files.keys()].filter((p) => p.endsWith('.html')).map((p) => p.replace(/index\.html$/, ''));
  const server = await serveSite(built.files, { port: 0, mount: '/issues/' });
  return { browser: await launchBrowser(), server, pages, remove: content.remove };
}

describe.skipIf(SKIP_BROWSER)('the archive pages in headless Chromium', () => {
  let browser: Browser;
  let server: SiteServer;
  let pages: string[];
  let remove: () => Promise<void>;
  beforeAll(async () => ({ browser, server, pages, remove } = await servedArchive()));
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await remove?.();
  });

  const cases = [375, 1280].flatMap((width) => (['light', 'dark'] as const).map((scheme) => ({ width, scheme })));
  it.each(cases)('at $width px in $scheme mode: no sideways scrolling, no axe violation, on every page', async ({ width, scheme }) => {
    expect(pages).toHaveLength(4);
    const { page, context } = await openPage(browser, width, scheme);
    try {
      for (const path of pages) {
        await page.goto(server.url + path, { waitUntil: 'load' });
        expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(width);
        expect(await axeViolations(page), path).toEqual([]);
      }
    } finally {
      await context.close();
    }
  });

  it('uses the dark palette when the reader prefers dark, and the column stays readable (at most ~40rem) on a wide screen', async () => {
    const background = async (scheme: 'light' | 'dark') => {
      const { page, context } = await openPage(browser, 1280, scheme);
      await page.goto(server.url, { waitUntil: 'load' });
      const values = await page.evaluate(() => ({ bg: getComputedStyle(document.body).backgroundColor, main: document.querySelector('main')!.getBoundingClientRect().width }));
      await context.close();
      return values;
    };
    const [light, dark] = [await background('light'), await background('dark')];
    expect(light.bg).toBe('rgb(243, 244, 246)');
    expect(dark.bg).toBe('rgb(13, 17, 23)');
    expect(light.main).toBeLessThanOrEqual(640);
  });

  it('shows a visible focus ring on links reached with the keyboard', async () => {
    const { page, context } = await openPage(browser, 1280);
    await page.goto(server.url, { waitUntil: 'load' });
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return { text: el.textContent, left: el.getBoundingClientRect().left, outline: style.outlineStyle, width: style.outlineWidth };
    });
    await context.close();
    expect(focused).toMatchObject({ text: 'Skip to content', outline: 'solid', width: '3px' });
    expect(focused.left).toBeGreaterThanOrEqual(0);
  });
});

/**
 * The same site in Arabic, right to left. A skip link hidden at left:-9999px, or any physical
 * left/right rule, shows up here: the page scrolls sideways, or the quotation's bar sits on the
 * wrong side.
 */
describe.skipIf(SKIP_BROWSER)('the archive pages right to left (language: ar, direction: rtl) in headless Chromium', () => {
  let browser: Browser;
  let server: SiteServer;
  let pages: string[];
  let remove: () => Promise<void>;
  beforeAll(async () => ({ browser, server, pages, remove } = await servedArchive(makeRightToLeft)));
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await remove?.();
  });

  it.each([375, 1280])('at %i px: no sideways scrolling and no axe violation on every page', async (width) => {
    expect(pages).toHaveLength(5);
    const { page, context } = await openPage(browser, width);
    try {
      for (const path of pages) {
        await page.goto(server.url + path, { waitUntil: 'load' });
        expect(await page.evaluate(() => document.documentElement.dir), path).toBe('rtl');
        const scroll = await page.evaluate(() => ({ width: document.documentElement.scrollWidth, left: (window.scrollTo(-100_000, 0), window.scrollX) }));
        expect(scroll.width, path).toBeLessThanOrEqual(width);
        expect(scroll.left, path).toBe(0);
        expect(await axeViolations(page), path).toEqual([]);
      }
    } finally {
      await context.close();
    }
  });

  it('puts the quotation bar on the right (inline-start), lists indented from the right, and shows the skip link at the right when focused', async () => {
    const { page, context } = await openPage(browser, 1280);
    try {
      await page.goto(`${server.url}summit-panama/`, { waitUntil: 'load' });
      const quote = await page.evaluate(() => {
        const style = getComputedStyle(document.querySelector('blockquote')!);
        const list = getComputedStyle(document.querySelector('article ul')!);
        return { right: style.borderRightWidth, left: style.borderLeftWidth, paddingRight: style.paddingRight, listRight: list.paddingRight, listLeft: list.paddingLeft };
      });
      expect(quote).toEqual({ right: '4px', left: '0px', paddingRight: '18px', listRight: '24px', listLeft: '0px' });
      await page.keyboard.press('Tab');
      const skip = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const box = el.getBoundingClientRect();
        return { text: el.textContent, left: box.left, right: box.right, width: box.width };
      });
      expect(skip.text).toBe('Skip to content');
      expect(skip.width).toBeGreaterThan(50);
      expect(skip.right).toBeLessThanOrEqual(1280);
      expect(skip.left).toBeGreaterThan(640);
    } finally {
      await context.close();
    }
  });
});
