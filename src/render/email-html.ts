import { createElement, Suspense, type ReactElement } from 'react';
import { renderToReadableStream } from 'react-dom/server';

/*
 * The HTML of a React Email template, byte for byte what @react-email/render
 * 2.3.1's `render(element)` returns on Node (its renderToReadableStream path).
 * Issue 13 asks for React's renderer called directly "where React Email's
 * stream adds nothing": its `render` runs `await import('react-dom/server')`
 * on every call (under a module loader such as tsx, a round trip to the loader
 * thread) and drains the stream through a WritableStream pipe. Measured per
 * render of the seed issue, production React: bundled like the CLI 1.64 →
 * 1.36 ms, under tsx 2.53 → 1.01 ms. Same React call, same wrapper (a Suspense
 * boundary, whose <!--$--> marks stay in the output), same doctype, same
 * preload-link stripping; tests/render/email-html.test.ts compares both on
 * every issue the tests can load, so @react-email/render stays the reference.
 * (Its ErrorBoundary wrapper is left out: error boundaries never catch during
 * server rendering and add no markup; errors reach onError either way.)
 */

const XHTML_DOCTYPE = '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">';

/** Render a template to its full HTML document, as @react-email/render's `render` does. */
export async function renderEmailHtml(element: ReactElement): Promise<string> {
  let failure: Error | undefined;
  const stream = await renderToReadableStream(createElement(Suspense, null, element), {
    progressiveChunkSize: Number.POSITIVE_INFINITY,
    onError(error) {
      failure ??= error instanceof Error ? error : new Error('React could not render the template', { cause: error });
    },
  });
  await stream.allReady;
  // An error inside the Suspense boundary still completes the stream (client-side fallback); render rejects on it.
  if (failure) throw failure;
  const html = stripImagePreloadLinks(await new Response(stream).text());
  return XHTML_DOCTYPE + html.replace(/<!DOCTYPE.*?>/, '');
}

/**
 * React adds `<link rel="preload" as="image">` to <head> for every <img>; email
 * clients ignore them, and @react-email/render removes them (its
 * stripImagePreloadLinks, https://github.com/resend/react-email/issues/3034).
 */
const LINK_TAG = /<link\b[^>]*\/?>/gi;
const ATTRIBUTE = /([a-z][a-z0-9-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/gi;

function stripImagePreloadLinks(html: string): string {
  return html.replace(LINK_TAG, (tag) => (isImagePreload(tag) ? '' : tag));
}

function isImagePreload(tag: string): boolean {
  const attributes = new Map<string, string>();
  for (const [, name = '', double, single, bare] of tag.replace(/^<[a-z][a-z0-9-]*/i, '').matchAll(ATTRIBUTE)) {
    attributes.set(name.toLowerCase(), double ?? single ?? bare ?? '');
  }
  return attributes.get('rel') === 'preload' && attributes.get('as') === 'image';
}
