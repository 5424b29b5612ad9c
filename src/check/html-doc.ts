import { selectAll, selectOne } from 'css-select';
import { isTag, isText, type AnyNode, type Document, type Element } from 'domhandler';
import { getAttributeValue, textContent } from 'domutils';
import { parseDocument } from 'htmlparser2';

export type { Element };

/** A parsed email, with the few queries the checks need. */
export interface HtmlDoc {
  source: string;
  document: Document;
  all(selector: string): Element[];
  one(selector: string): Element | null;
}

export function parseHtml(html: string): HtmlDoc {
  // decodeEntities: attribute values and text as a reader sees them (&amp; → &).
  const document = parseDocument(html, { decodeEntities: true, lowerCaseAttributeNames: true });
  return {
    source: html,
    document,
    all: (selector) => selectAll<AnyNode, Element>(selector, document),
    one: (selector) => selectOne<AnyNode, Element>(selector, document),
  };
}

export function attr(el: Element, name: string): string | undefined {
  return getAttributeValue(el, name);
}

/** Visible-ish text of an element, whitespace collapsed. */
export function text(el: Element): string {
  return textContent(el).replace(/\s+/g, ' ').trim();
}

/** A short description of an element for `where`: <a href="…">text</a>. */
export function describe(el: Element, maxText = 40): string {
  const t = text(el);
  const short = t.length > maxText ? `${t.slice(0, maxText - 1)}…` : t;
  const key = el.name === 'img' ? ` src="${attr(el, 'src') ?? ''}"` : el.name === 'a' ? ` href="${attr(el, 'href') ?? ''}"` : '';
  return `<${el.name}${key}>${short ? `${short}` : ''}`;
}

/** Is the element inside one marked hidden (the preheader, display:none blocks)? */
export function isHidden(el: Element): boolean {
  for (let node: Element | null = el; node; node = node.parent && isTag(node.parent) ? node.parent : null) {
    const style = (attr(node, 'style') ?? '').replace(/\s+/g, '').toLowerCase();
    if (style.includes('display:none') || attr(node, 'hidden') !== undefined || attr(node, 'aria-hidden') === 'true') return true;
  }
  return false;
}

const INVISIBLE = new Set(['head', 'style', 'script', 'title', 'template']);

/** The text a reader sees (in the whole document, or in one element): text nodes outside <head>, <style> and hidden elements, space-joined. */
export function visibleText(root: HtmlDoc | Element): string {
  const parts: string[] = [];
  const walk = (node: AnyNode) => {
    if (isText(node)) parts.push(node.data);
    else if ('children' in node) {
      if ('name' in node && (INVISIBLE.has(node.name) || isHidden(node))) return;
      for (const child of node.children) walk(child);
    }
  };
  walk('document' in root ? root.document : root);
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}
