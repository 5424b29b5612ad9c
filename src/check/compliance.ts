import { attr, describe, isHidden, text, visibleText, type HtmlDoc } from './html-doc.ts';
import { finding, type Finding } from './report.ts';

export interface ComplianceInput {
  doc: HtmlDoc;
  /** The newsletter's postal address (newsletter.yml postalAddress). */
  postalAddress: string;
  /** The unsubscribe URL this copy was personalized with (or its base). */
  unsubscribeUrl: string;
  /** Headers of the message as it would be sent; omit to skip the header checks. */
  headers?: Map<string, string[]>;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();

function checkUnsubscribeLink({ doc, unsubscribeUrl }: ComplianceInput): Finding[] {
  const base = unsubscribeUrl.split('?')[0]!;
  const links = doc.all('a[href]').filter((a) => (attr(a, 'href') ?? '').trim().startsWith(base));
  const visible = links.filter((a) => !isHidden(a) && text(a));
  if (visible.length) return [];
  return [
    finding('compliance', 'error', 'unsubscribe-link', links.length ? 'the unsubscribe link is hidden or has no text' : 'no unsubscribe link in the body; the law (CAN-SPAM, GDPR) and Gmail and Yahoo require a visible one', {
      where: links[0] ? describe(links[0]) : undefined,
      fix: 'Keep a visible "Unsubscribe" link to {{unsubscribeUrl}} in the template footer.',
    }),
  ];
}

function checkPostalAddress({ doc, postalAddress }: ComplianceInput): Finding[] {
  if (squash(visibleText(doc)).includes(squash(postalAddress))) return [];
  return [
    finding('compliance', 'error', 'postal-address', 'the postal address is not in the visible text; bulk mail must carry one (CAN-SPAM)', {
      where: postalAddress,
      fix: 'Keep newsletter.yml `postalAddress` in the template footer, as visible text.',
    }),
  ];
}

function checkPreheader({ doc }: ComplianceInput): Finding[] {
  // React Email's <Preview> (and most templates) put it first in the body, hidden.
  const hidden = doc.all('body div, body span').find((el) => isHidden(el) && text(el).replace(/[\u034F\u200B-\u200F\u00AD\uFEFF\s]/g, '').length > 0);
  if (hidden) return [];
  return [
    finding('compliance', 'warning', 'preheader', 'no preheader; the inbox preview shows whatever text comes first (often "View in browser")', {
      fix: 'Set `preheader:` in the issue front matter (40–130 characters that add to the subject).',
    }),
  ];
}

function checkListHeaders({ headers }: ComplianceInput): Finding[] {
  if (!headers) return [];
  const out: Finding[] = [];
  const unsubscribe = headers.get('list-unsubscribe')?.[0];
  if (!unsubscribe || !/<https:\/\/[^>]+>/i.test(unsubscribe))
    out.push(
      finding('compliance', 'error', 'list-unsubscribe', unsubscribe ? `List-Unsubscribe has no https URL: ${unsubscribe}` : 'no List-Unsubscribe header; Gmail and Yahoo require one for bulk senders', {
        fix: 'Set `unsubscribeUrl:` (https) in newsletter.yml; the message composer writes the header from it.',
      }),
    );
  const post = headers.get('list-unsubscribe-post')?.[0];
  if (post?.trim() !== 'List-Unsubscribe=One-Click')
    out.push(
      finding('compliance', 'error', 'list-unsubscribe-post', post ? `List-Unsubscribe-Post is "${post}", not "List-Unsubscribe=One-Click"` : 'no List-Unsubscribe-Post header; one-click unsubscribe (RFC 8058) is required by Gmail and Yahoo', {
        fix: 'Send with the message composer (src/mail/message.ts), which adds List-Unsubscribe-Post: List-Unsubscribe=One-Click.',
      }),
    );
  if (!headers.get('list-id')?.[0])
    out.push(finding('compliance', 'warning', 'list-id', 'no List-Id header; clients use it to filter and to offer their own unsubscribe button', { fix: 'Set `listId:` in newsletter.yml.' }));
  return out;
}

/** A visible unsubscribe link, the postal address, the List-Unsubscribe headers and a preheader. */
export function checkCompliance(input: ComplianceInput): Finding[] {
  const findings = [...checkUnsubscribeLink(input), ...checkPostalAddress(input), ...checkListHeaders(input), ...checkPreheader(input)];
  if (!findings.length)
    findings.push(finding('compliance', 'info', 'ok', `unsubscribe link, postal address, preheader${input.headers ? ', List-Unsubscribe, List-Unsubscribe-Post and List-Id headers' : ''} present`));
  return findings;
}
