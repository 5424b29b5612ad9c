import { accessSync, constants } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { NewsletterError } from '../errors.ts';

/** Debian's package installs the browser here; CHROMIUM_PATH overrides it. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Flags for a quiet, offline-friendly headless run: no updates, sync or background fetches. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** The Chromium executable to use, or undefined when none is installed. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env.CHROMIUM_PATH || DEFAULT_CHROMIUM;
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

/**
 * Launch headless Chromium through playwright-core (which ships no browser of
 * its own). Playwright gives each launch a fresh temporary profile and removes
 * it on close, so nothing is read from or written to the user's browser.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath)
    throw new NewsletterError('ECONFIG', `Chromium is not installed (looked for ${process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM}); screenshots and the axe-core accessibility check need it.`, {
      fix: 'Install it: sudo apt-get install chromium (or set CHROMIUM_PATH to a Chromium executable).',
    });
  const { chromium } = await import('playwright-core');
  try {
    return await chromium.launch({ executablePath, args: ARGS });
  } catch (cause) {
    throw new NewsletterError('ECONFIG', `Chromium at ${executablePath} failed to start: ${(cause as Error).message.split('\n')[0]}`, {
      fix: 'Reinstall it (sudo apt-get install --reinstall chromium) or set CHROMIUM_PATH to a working Chromium.',
      cause,
    });
  }
}

/** True for URLs that stay on this machine. */
export function isLocalUrl(url: string): boolean {
  if (url.startsWith('data:') || url.startsWith('about:') || url.startsWith('blob:')) return true;
  try {
    const { hostname } = new URL(url);
    return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
  } catch {
    return false;
  }
}

/** Abort every request that would leave the machine (remote images, fonts, trackers). */
export async function blockOffMachine(context: BrowserContext): Promise<void> {
  await context.route('**/*', (route) => (isLocalUrl(route.request().url()) ? route.continue() : route.abort('blockedbyclient')));
}
