import type { BuildOutcome } from './rebuild.ts';
import { escapeHtml } from '../content/index.ts';
import { PAGE_CSS } from './page-style.ts';
import { CLIENT_SCRIPT } from './page-script.ts';
import { SAMPLES } from './samples.ts';

export const VIEWS = {
  desktop: 'Desktop',
  mobile: 'Mobile 375',
  dark: 'Dark',
  text: 'Plain text',
  source: 'HTML source',
  headers: 'Headers',
  check: 'Check',
  screenshots: 'Screenshots',
  clients: 'Clients',
} as const;

function shell(title: string, generation: number, header: string, main: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${PAGE_CSS}</style></head>
<body data-generation="${generation}">
<header>${header}</header>
<main>${main}</main>
<script>${CLIENT_SCRIPT}</script>
</body></html>`;
}

function panels(): string {
  const frame = (view: string, note: string) =>
    `<section data-panel="${view}" class="${view}"><p class="note">${note}</p><iframe title="${view} view of the email" sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"></iframe></section>`;
  const pre = (view: string, note: string) => `<section data-panel="${view}" class="${view}"><p class="note">${note}</p><pre></pre></section>`;
  return [
    frame('desktop', 'The email as sent, at the width of the window (600 px and wider). Remote images load from their servers.'),
    frame('mobile', 'A 375 px wide phone screen. Anything wider scrolls sideways.'),
    frame('dark', 'The email’s own <code>prefers-color-scheme: dark</code> rules switched on, as Apple Mail, iOS and Outlook for Mac apply them. Gmail’s apps invert colours on their own instead.'),
    pre('text', 'The plain-text part, as a text-only client shows it.'),
    pre('source', 'The HTML part exactly as sent to this subscriber.'),
    pre('headers', 'The message headers as <code>newsletter send</code> would write them for this subscriber (DKIM-Signature is added at sending time when configured).'),
    pre('check', 'The pre-send check (<code>newsletter check</code>) on this issue.'),
    `<section data-panel="screenshots" class="screenshots"><p class="note">Headless Chromium at 375 px and 1024 px, light and dark. Press “Take screenshots”.</p><div class="shots"></div></section>`,
    `<section data-panel="clients" class="clients"><p class="note">The message exactly as sent to this subscriber, opened in the mail clients installed here (Thunderbird, Evolution) at a desktop and their narrowest width, light and dark, remote images blocked as they block them. Press “Show in mail clients”.</p><ul class="client-findings"></ul><p class="client-sheet"></p><div class="client-shots"></div></section>`,
  ].join('\n');
}

/** The preview page: the views of a built issue, or the problems that stop it from building. */
export function previewPage(outcome: BuildOutcome, generation: number): string {
  if (!outcome.ok) {
    const { error } = outcome;
    const main = `<div class="problem" role="alert"><h2>The issue cannot be built</h2>
<pre>${escapeHtml(error.message)}</pre>
${error.where ? `<p><strong>Where:</strong> ${escapeHtml(error.where)}</p>` : ''}
${error.fix ? `<p><strong>Fix:</strong> ${escapeHtml(error.fix)}</p>` : ''}
${error.stack ? `<details open><summary>Details</summary><pre>${escapeHtml(error.stack)}</pre></details>` : ''}
<p class="note">Save the fix and this page reloads by itself.</p></div>`;
    return shell('Preview: problems', generation, '<h1>newsletter preview <small>· the issue has problems</small></h1>', main);
  }
  const { meta, file, warnings } = outcome.built;
  const views = Object.entries(VIEWS).map(([id, label]) => `<button type="button" data-view="${id}" aria-pressed="false">${label}</button>`).join('');
  const who = Object.entries(SAMPLES).map(([id, s]) => `<button type="button" data-who="${id}" aria-pressed="false">${escapeHtml(s.label)}</button>`).join('');
  const header = `<h1>Issue ${meta.number}: ${escapeHtml(meta.subject)} <small>· ${escapeHtml(file)} · ${(meta.sizes.html / 1024).toFixed(1)} KB HTML${warnings.length ? ` · ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : ''}</small></h1>
<div class="group" role="group" aria-label="View"><span>View</span>${views}</div>
<div class="group" role="group" aria-label="Subscriber"><span>Subscriber</span>${who}</div>
<div class="group"><button type="button" id="shoot">Take screenshots</button><button type="button" id="clients-run">Show in mail clients</button><span id="status" role="status"></span></div>`;
  const warningList = warnings.length
    ? `<details class="note"><summary>${warnings.length} content warning${warnings.length === 1 ? '' : 's'}</summary><pre>${escapeHtml(warnings.map((w) => `${w.file}${w.line ? `:${w.line}` : ''} ${w.field}: ${w.message}\n  fix: ${w.fix}`).join('\n'))}</pre></details>`
    : '';
  return shell(`Preview: ${meta.subject}`, generation, header, warningList + panels());
}
