/**
 * Child process for the render benchmark. React picks its development or
 * production build from NODE_ENV when it is first loaded, so each mode needs
 * its own process; the parent starts one per mode and alternates between them
 * over IPC. Each message asks for one timed run of one variant.
 */
import { readFile } from 'node:fs/promises';
import mjml2html from 'mjml';
import { createElement } from 'react';
import { Newsletter } from '../../emails/newsletter.tsx';
import { renderEmailHtml } from '../../src/render/email-html.ts';
import { plainTextOf } from '../../src/render/plain-text.ts';
import { renderIssue } from '../../src/render/render-issue.ts';
import { withUtm } from '../../src/render/utm.ts';
import { seedIssue, seedOutline } from './seed.ts';

export type RenderVariant = 'ours' | 'reactOnly' | 'textOnly' | 'mjml' | 'mjmlSoft';
export type WorkerReply = { ready: true; sizes: Record<string, number> } | { ms: number } | { error: string };

const send = (reply: WorkerReply) => process.send!(reply);

/** HTML entities the two renderers may write differently. */
const plain = (html: string) => html.replace(/&#x27;|&#39;/g, "'").replace(/&amp;/g, '&').replace(/&quot;/g, '"');

function mustContain(what: string, output: string, headings: string[]): void {
  const missing = headings.filter((h) => !plain(output).includes(h));
  if (missing.length) throw new Error(`${what} lacks ${missing.map((m) => JSON.stringify(m)).join(', ')}`);
}

try {
  const { props } = await seedIssue();
  const utmProps = withUtm(props);
  // The text step's input as renderIssue has it: the rendered HTML with the fields still marked.
  const markedHtml = await renderEmailHtml(createElement(Newsletter, utmProps));
  const outline = await seedOutline();
  const mjml = await readFile(new URL('../newsletter.mjml', import.meta.url), 'utf8');

  // The work is checked once up front: the same headings on both sides, the same number of text blocks, no MJML errors.
  const ours = await renderIssue(props);
  mustContain('renderIssue HTML', ours.html, outline.headings);
  mustContain('renderIssue text', ours.text, outline.headings);
  const theirs = await mjml2html(mjml, { validationLevel: 'strict' });
  if (theirs.errors.length) throw new Error(`bench/newsletter.mjml: ${theirs.errors.map((e) => e.formattedMessage).join('; ')}`);
  mustContain('MJML HTML', theirs.html, outline.headings);
  const paragraphs = (mjml.match(/mj-class="p"/g) ?? []).length;
  if (paragraphs !== outline.paragraphs) throw new Error(`bench/newsletter.mjml has ${paragraphs} paragraphs (mj-class="p"), the seed issue ${outline.paragraphs}`);

  let kept = 0; // every result is used, so no run can be optimised away
  const variants: Record<RenderVariant, () => Promise<void> | void> = {
    ours: async () => {
      const r = await renderIssue(props);
      kept += r.html.length + r.text.length;
    },
    // renderIssue's two halves, for the breakdown.
    reactOnly: async () => {
      kept += (await renderEmailHtml(createElement(Newsletter, utmProps))).length;
    },
    textOnly: () => {
      kept += plainTextOf(markedHtml).length;
    },
    // The React side validates content before rendering (loadIssue), outside the timed call, so the
    // like-for-like MJML run skips MJML's own validation; its default (soft) is measured too.
    mjml: async () => {
      kept += (await mjml2html(mjml, { validationLevel: 'skip' })).html.length;
    },
    mjmlSoft: async () => {
      kept += (await mjml2html(mjml)).html.length;
    },
  };

  const measure = async (variant: RenderVariant) => {
    const start = performance.now();
    await variants[variant]();
    const ms = performance.now() - start;
    send(kept > 0 ? { ms } : { error: 'nothing rendered' });
  };
  // A variant that throws rejects here unhandled, which ends the worker: the parent sees it exit.
  process.on('message', (variant: RenderVariant) => void measure(variant));
  send({ ready: true, sizes: { oursHtml: ours.html.length, oursText: ours.text.length, mjmlHtml: theirs.html.length } });
} catch (error) {
  send({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
