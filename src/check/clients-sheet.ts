import { basename } from 'node:path';
import type { ClientShot } from '../clients/index.ts';
import { escapeHtml } from '../content/index.ts';
import { CLIENT_NAMES, shotCaption } from './client-renders.ts';
import { SYMBOLS } from './format.ts';
import type { Finding } from './report.ts';

/**
 * The contact sheet: every client screenshot side by side, one row per client, with what the
 * clients' findings said above them. A static page beside the PNGs (relative links), so it opens
 * from disk and can be copied or attached whole.
 */
export function contactSheet(subject: string, shots: readonly ClientShot[], findings: readonly Finding[]): string {
  const rows = [...new Set(shots.map((s) => s.client))].map((client) => {
    const figures = shots
      .filter((s) => s.client === client)
      .map((s) => {
        const name = escapeHtml(basename(s.file));
        const caption = shotCaption(s);
        // Shown at half size: a 400 px window next to an 860 px one, the way they compare on screen.
        return `<figure><a href="${name}"><img src="${name}" alt="${escapeHtml(`${caption}: the issue as this client shows it`)}" style="width:${Math.round(s.width / 2)}px"></a><figcaption>${escapeHtml(caption)}</figcaption></figure>`;
      });
    return `<h2>${escapeHtml(CLIENT_NAMES[client])}</h2>\n<div class="row">${figures.join('')}</div>`;
  });
  const notes = findings.map((f) => `<li class="${f.severity}">${SYMBOLS[f.severity]} ${escapeHtml(f.message)}${f.fix && f.severity !== 'info' ? `<br><small>fix: ${escapeHtml(f.fix)}</small>` : ''}</li>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(subject)} — in readers’ mail clients</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin:28px 0 8px}
ul{padding-left:0;list-style:none}li{margin:4px 0}li.error{color:#a40e26}li.warning{color:#7a4d00}small{color:#57606a}
.row{display:flex;gap:20px;align-items:flex-start;overflow-x:auto;padding-bottom:8px}
figure{margin:0;flex:none}figure img{display:block;border:1px solid #d0d7de;height:auto}figcaption{font-size:13px;color:#57606a;margin-top:4px}
</style></head>
<body>
<h1>“${escapeHtml(subject)}” in readers’ mail clients</h1>
<ul>${notes.join('')}</ul>
${rows.join('\n')}
</body></html>
`;
}
