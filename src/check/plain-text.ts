import { attr, isHidden, type HtmlDoc } from './html-doc.ts';
import { finding, type Finding } from './report.ts';

const TAG = /<\/?[a-z][a-z0-9-]*(?:\s[^<>]*)?\/?>/gi;
const ENTITY = /&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});/gi;

const sample = (matches: string[]) => [...new Set(matches)].slice(0, 3).map((m) => JSON.stringify(m)).join(', ');

/** The text part is a real reading version: every web link of the HTML is in it, and no markup is left over. */
export function checkPlainText(doc: HtmlDoc, text: string): Finding[] {
  const findings: Finding[] = [];
  const urls = new Set(
    doc
      .all('a[href]')
      .filter((a) => !isHidden(a))
      .map((a) => (attr(a, 'href') ?? '').trim())
      .filter((href) => /^https?:\/\//i.test(href)),
  );
  for (const url of urls)
    if (!text.includes(url))
      findings.push(
        finding('text', 'error', 'missing-link', `link missing from the plain text: ${url.length > 100 ? `${url.slice(0, 99)}…` : url}`, {
          where: url,
          fix: 'Readers of the text part cannot reach it: render the text from the same HTML (render(el, { plainText: true })) and do not mark the link data-skip-in-text.',
          data: { url },
        }),
      );
  const tags = text.match(TAG) ?? [];
  if (tags.length)
    findings.push(finding('text', 'error', 'markup', `HTML tags left in the plain text: ${sample(tags)}`, { fix: 'Write the text without HTML; Markdown in the issue becomes plain text on its own.', data: { tags: [...new Set(tags)] } }));
  const entities = text.match(ENTITY) ?? [];
  if (entities.length)
    findings.push(finding('text', 'error', 'entity', `HTML entities left in the plain text: ${sample(entities)}`, { fix: 'Decode entities when converting to text (write the characters themselves).', data: { entities: [...new Set(entities)] } }));
  if (!findings.length) findings.push(finding('text', 'info', 'ok', `all ${urls.size} web links of the HTML are in the text part; no markup left`));
  return findings;
}
