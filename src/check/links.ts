import { attr, describe, type HtmlDoc, type Element } from './html-doc.ts';
import { finding, type Finding } from './report.ts';

export type LinkKind = 'https' | 'http' | 'mailto' | 'tel' | 'empty' | 'hash' | 'javascript' | 'data' | 'relative' | 'other' | 'invalid';

/** Classify an href as a client would treat it. */
export function classifyUrl(raw: string | undefined): LinkKind {
  const url = (raw ?? '').trim();
  if (!url) return 'empty';
  if (url.startsWith('#')) return 'hash';
  // Browsers ignore tabs and newlines inside a scheme ("java\tscript:"), so do we.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url.replace(/[\t\n\r]/g, ''))?.[1]?.toLowerCase();
  if (!scheme) return 'relative';
  if (scheme === 'javascript' || scheme === 'vbscript') return 'javascript';
  if (scheme === 'data') return 'data';
  if (scheme === 'mailto') return /^mailto:[^\s@]+@[^\s@]+\.[^\s@]+/i.test(url) ? 'mailto' : 'invalid';
  if (scheme === 'tel') return 'tel';
  if (scheme !== 'http' && scheme !== 'https') return 'other';
  if (/\s/.test(url) || url.includes('{{')) return 'invalid';
  try {
    const { hostname } = new URL(url);
    if (!hostname || (!hostname.includes('.') && hostname !== 'localhost')) return 'invalid';
  } catch {
    return 'invalid';
  }
  return scheme;
}

const RULES: Partial<Record<LinkKind, { severity: Finding['severity']; id: string; message: string; fix: string }>> = {
  empty: { severity: 'error', id: 'empty', message: 'link with an empty href', fix: 'Give the link its destination URL, or remove the link.' },
  hash: { severity: 'error', id: 'hash', message: 'link to "#", which goes nowhere in an email', fix: 'Link to the real page (an https URL), or remove the link.' },
  javascript: { severity: 'error', id: 'javascript', message: 'javascript: link; mail clients block it and spam filters flag it', fix: 'Replace it with an https link.' },
  data: { severity: 'error', id: 'data', message: 'data: link; mail clients block it', fix: 'Host the content and link to it over https.' },
  relative: { severity: 'error', id: 'relative', message: 'relative link; it has no site to resolve against in an inbox', fix: 'Write the full URL, starting with https://.' },
  invalid: { severity: 'error', id: 'invalid', message: 'malformed URL', fix: 'Fix the URL: an absolute https://host/path (no spaces, no unfilled {{fields}}), or mailto:name@example.com.' },
  other: { severity: 'warning', id: 'scheme', message: 'link with an unusual scheme that many clients will not open', fix: 'Use an https: or mailto: link.' },
  http: { severity: 'warning', id: 'http', message: 'http link (not https); clients and browsers warn about it and it can be intercepted', fix: 'Use the https:// address of the page.' },
};

/** URL syntax and scheme of every <a href>; one finding per distinct problem URL. */
export function checkLinks(doc: HtmlDoc): Finding[] {
  const byUrl = new Map<string, { kind: LinkKind; elements: Element[] }>();
  for (const a of doc.all('a')) {
    const href = attr(a, 'href');
    const key = href === undefined ? '(no href)' : href.trim();
    const entry = byUrl.get(key) ?? { kind: href === undefined ? 'empty' : classifyUrl(href), elements: [] };
    entry.elements.push(a);
    byUrl.set(key, entry);
  }
  const findings: Finding[] = [];
  let fine = 0;
  for (const [url, { kind, elements }] of byUrl) {
    const rule = RULES[kind];
    if (!rule) {
      fine += elements.length;
      continue;
    }
    const count = elements.length > 1 ? ` (${elements.length} links)` : '';
    findings.push(finding('links', rule.severity, rule.id, `${rule.message}: ${JSON.stringify(url.length > 100 ? `${url.slice(0, 99)}…` : url)}${count}`, { where: describe(elements[0]!), fix: rule.fix, data: { url, count: elements.length } }));
  }
  if (!findings.length) findings.push(finding('links', 'info', 'ok', `${fine} links, ${byUrl.size} distinct URLs: all https or mailto`));
  return findings;
}
