import { isTag } from 'domhandler';
import { attr, describe, isHidden, text, visibleText, type Element, type HtmlDoc } from './html-doc.ts';
import { finding, type Finding } from './report.ts';

/** Link texts that say nothing about where the link goes, when read out on their own. */
export const VAGUE_LINK_TEXT = ['click here', 'click', 'here', 'read more', 'more', 'learn more', 'this', 'this link', 'link', 'continue', 'continue reading', 'go', 'details', 'more info'];

/** The accessible name of a link: aria-label, else its text, else the alt text of an image inside. */
function linkName(a: Element, doc: HtmlDoc): string {
  const label = attr(a, 'aria-label')?.trim();
  if (label) return label;
  const own = text(a);
  if (own) return own;
  return doc.all('img').filter((img) => isInside(img, a)).map((img) => attr(img, 'alt') ?? '').join(' ').trim();
}

function isInside(el: Element, ancestor: Element): boolean {
  for (let p = el.parent; p; p = p.parent) if (p === ancestor) return true;
  return false;
}

const normalise = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}\s]/gu, ' ').replace(/\s+/g, ' ').trim();

function checkDocument(doc: HtmlDoc): Finding[] {
  const out: Finding[] = [];
  const html = doc.one('html');
  if (!html || !attr(html, 'lang')?.trim())
    out.push(finding('accessibility', 'error', 'lang', 'no lang attribute on <html>; screen readers guess the language and mispronounce it', { fix: 'Set `language:` in newsletter.yml (the template writes it as <html lang>).' }));
  const title = doc.one('title');
  if (!title || !text(title))
    out.push(finding('accessibility', 'error', 'title', 'no <title>; it names the page when the email is opened in a browser or read by a screen reader', { fix: 'Give the template a <title> (the subject).' }));
  return out;
}

const ARTICLE_FIX = 'Keep the content inside the template\'s <div role="article" aria-roledescription="email" aria-label="{subject}" lang dir> (emails/newsletter.tsx).';

/**
 * The email's landmark: one role="article" wrapper, named, with lang and dir, around all
 * the visible content. It stands in for axe-core's page-level `region` rule (see AXE_OPTIONS).
 */
function checkArticle(doc: HtmlDoc): Finding[] {
  const article = doc.one('[role="article"]');
  if (!article)
    return [finding('accessibility', 'warning', 'article', 'no role="article" wrapper around the email; screen readers cannot tell where the email starts and ends inside the mail client', { fix: ARTICLE_FIX })];
  const missing = ['aria-label', 'lang', 'dir'].filter((name) => !attr(article, name)?.trim());
  const outside = visibleText(doc).replace(/\s+/g, '').length - visibleText(article).replace(/\s+/g, '').length;
  const problems = [...missing.map((name) => `no ${name}`), ...(outside > 0 ? [`${outside} characters of visible text outside it`] : [])];
  if (!problems.length) return [];
  return [finding('accessibility', 'warning', 'article', `the role="article" wrapper has ${problems.join(', ')}`, { where: describe(article), fix: ARTICLE_FIX, data: { missing, outside } })];
}

function checkTables(doc: HtmlDoc): Finding[] {
  // A data table has header cells or a caption; every other table is layout.
  const dataTables = new Set(doc.all('th, caption').map(closestTable));
  const layout = doc.all('table').filter((t) => !dataTables.has(t));
  const bare = layout.filter((t) => !['presentation', 'none'].includes(attr(t, 'role') ?? ''));
  if (!bare.length) return [];
  return [
    finding('accessibility', 'error', 'table-role', `${bare.length} of ${layout.length} layout tables lack role="presentation"; screen readers announce them as data tables, cell by cell`, {
      where: describe(bare[0]!),
      fix: 'Add role="presentation" to layout tables (React Email components do; check hand-written <table>s in the template).',
      data: { count: bare.length },
    }),
  ];
}

function closestTable(el: Element): Element | undefined {
  for (let p = el.parent; p; p = p.parent) if (isTag(p) && p.name === 'table') return p;
  return undefined;
}

function checkHeadings(doc: HtmlDoc): Finding[] {
  const out: Finding[] = [];
  let previous: { level: number; el: Element } | undefined;
  for (const h of doc.all('h1, h2, h3, h4, h5, h6')) {
    if (isHidden(h)) continue;
    const level = Number(h.name.slice(1));
    if (previous && level > previous.level + 1)
      out.push(
        finding('accessibility', 'error', 'heading-skip', `heading level jumps from h${previous.level} to h${level} at "${text(h).slice(0, 60)}"; screen-reader users navigate by heading level`, {
          where: describe(h),
          fix: `Make it an h${previous.level + 1}: a heading goes at most one level deeper than the one before it.`,
          data: { from: previous.level, to: level },
        }),
      );
    previous = { level, el: h };
  }
  return out;
}

function checkLinkText(doc: HtmlDoc): Finding[] {
  const out: Finding[] = [];
  for (const a of doc.all('a[href]')) {
    if (isHidden(a)) continue;
    const name = linkName(a, doc);
    if (!name) {
      out.push(finding('accessibility', 'error', 'link-no-text', 'link with no text and no image alt; screen readers read out the URL', { where: describe(a), fix: 'Give the link words that say where it goes.' }));
      continue;
    }
    const plain = normalise(name);
    // A title attribute is not read by every screen reader, so only aria-label counts as context.
    if (VAGUE_LINK_TEXT.includes(plain))
      out.push(
        finding('accessibility', 'warning', 'link-text', `link text "${name}" says nothing on its own; screen-reader users often list links out of context`, {
          where: describe(a),
          fix: 'Link the words that say where it goes, e.g. "Read the full interview" instead of "click here".',
          data: { text: name, href: attr(a, 'href') },
        }),
      );
  }
  return out;
}

/**
 * lang and title, the article wrapper, layout tables, heading order and link text.
 * Contrast is in contrast.ts; axe-core (axe.ts) replaces the lang, title and empty-link
 * findings when it runs.
 */
export function checkAccessibility(doc: HtmlDoc): Finding[] {
  return [...checkDocument(doc), ...checkArticle(doc), ...checkTables(doc), ...checkHeadings(doc), ...checkLinkText(doc)];
}
