import type { Block, Inline, NewsletterProps } from '../content/model.ts';
import type { NewsletterConfig } from '../content/schema.ts';

type Utm = NonNullable<NewsletterConfig['utm']>;

/**
 * Append utm_* parameters to an outbound http(s) link. Existing query
 * parameters (including utm_* already set by the author) are kept; mailto,
 * unsubscribe and templated links are left alone.
 */
export function addUtm(url: string, utm: Utm, campaign: string, unsubscribeBase: string): string {
  if (!/^https?:\/\//i.test(url) || url.includes('{{') || url.startsWith(unsubscribeBase)) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const params: [string, string][] = [
    ['utm_source', utm.source],
    ['utm_medium', utm.medium],
    ['utm_campaign', utm.campaign ?? campaign],
  ];
  for (const [key, value] of params) if (!parsed.searchParams.has(key)) parsed.searchParams.append(key, value);
  return parsed.toString();
}

/** The same props with UTM parameters on every content link (body, call to action, stories). */
export function withUtm(props: NewsletterProps): NewsletterProps {
  const { utm, unsubscribeUrl } = props.newsletter;
  if (!utm) return props;
  const tag = (url: string) => addUtm(url, utm, props.issue.slug, unsubscribeUrl);
  const inline = (nodes: Inline[]): Inline[] =>
    nodes.map((n) =>
      n.type === 'link' ? { ...n, url: tag(n.url), children: inline(n.children) } : 'children' in n ? { ...n, children: inline(n.children) } : n,
    );
  const blocks = (list: Block[]): Block[] =>
    list.map((b) => {
      switch (b.type) {
        case 'paragraph':
        case 'heading':
          return { ...b, children: inline(b.children) };
        case 'list':
          return { ...b, items: b.items.map(blocks) };
        case 'blockquote':
          return { ...b, children: blocks(b.children) };
        default:
          return b;
      }
    });
  const { issue } = props;
  return {
    ...props,
    issue: {
      ...issue,
      headline: inline(issue.headline),
      lead: blocks(issue.lead),
      sections: issue.sections.map((s) => ({ heading: inline(s.heading), blocks: blocks(s.blocks) })),
      ...(issue.cta ? { cta: { ...issue.cta, url: tag(issue.cta.url) } } : {}),
      ...(issue.stories ? { stories: issue.stories.map((s) => ({ ...s, url: tag(s.url) })) } : {}),
    },
  };
}
