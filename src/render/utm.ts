import { type Block, type Inline, type NewsletterProps, type NewsletterConfig, hasFields } from '../content/index.ts';

type Utm = NonNullable<NewsletterConfig['utm']>;

/** The unsubscribe page itself or anything under it (`…/unsubscribe?token=…`), not `…/unsubscribe-faq`. */
function isUnder(url: string, base: string): boolean {
  if (!url.startsWith(base)) return false;
  const rest = url.slice(base.length);
  return rest === '' || base.endsWith('/') || /^[/?#]/.test(rest);
}

/**
 * Append utm_* parameters to an outbound http(s) link. The link's own query
 * string is kept byte for byte (including utm_* already set by the author):
 * the parameters are added as text, never by re-serialising the URL, which
 * would turn `%20` into `+` or `/` into `%2F`. mailto:, unsubscribe and
 * templated links are left alone.
 */
export function addUtm(url: string, utm: Utm, campaign: string, unsubscribeBase: string): string {
  if (!/^https?:\/\//i.test(url) || hasFields(url) || isUnder(url, unsubscribeBase)) return url;
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
  const added = params
    .filter(([key]) => !parsed.searchParams.has(key))
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
  if (!added) return url;
  const hashAt = url.indexOf('#');
  const [beforeHash, hash] = hashAt < 0 ? [url, ''] : [url.slice(0, hashAt), url.slice(hashAt)];
  const joiner = !beforeHash.includes('?') ? '?' : /[?&]$/.test(beforeHash) ? '' : '&';
  return `${beforeHash}${joiner}${added}${hash}`;
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
