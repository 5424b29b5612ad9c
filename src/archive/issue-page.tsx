import { formatIssueDate } from '../content/index.ts';
import { ArticleBody, Inlines } from './article.tsx';
import { Document } from './document.tsx';
import { absoluteUrls, pageUrls } from './links.ts';
import type { ArchivedIssue, Site } from './model.ts';
import { relativeHref } from './urls.ts';

/** Open Graph (https://ogp.me/) and Twitter card meta: how the page looks when shared. */
function ShareMeta({ site, issue }: { site: Site; issue: ArchivedIssue }) {
  const { config } = site;
  const hero = issue.props.issue.hero;
  const image = hero ? absoluteUrls(site.baseUrl, config.siteUrl, site.assets)(hero.src) : undefined;
  return (
    <>
      <meta property="og:type" content="article" />
      <meta property="og:title" content={issue.subject} />
      <meta property="og:description" content={issue.preheader} />
      <meta property="og:url" content={issue.url} />
      <meta property="og:site_name" content={config.name} />
      {image ? <meta property="og:image" content={image} /> : null}
      {image && hero ? <meta property="og:image:alt" content={hero.alt} /> : null}
      <meta property="article:published_time" content={`${issue.date}T00:00:00Z`} />
      <meta name="twitter:card" content={image ? 'summary_large_image' : 'summary'} />
      <meta name="twitter:title" content={issue.subject} />
      <meta name="twitter:description" content={issue.preheader} />
      {image ? <meta name="twitter:image" content={image} /> : null}
    </>
  );
}

/**
 * The arrows point outwards, towards the side each link sits on: previous at the start of the line
 * (left in ltr, right in rtl), next at its end. Unicode arrows are not mirrored by the bidi
 * algorithm (only brackets and the like are), so rtl needs the other pair.
 */
const ARROWS = { ltr: { previous: '←', next: '→' }, rtl: { previous: '→', next: '←' } } as const;

/** Previous/next (rel=prev/next) and "All issues". */
function IssueNav({ issue, previous, next, direction }: { issue: ArchivedIssue; previous?: ArchivedIssue | undefined; next?: ArchivedIssue | undefined; direction: 'ltr' | 'rtl' }) {
  const href = (to: string) => relativeHref(issue.file, to);
  const arrow = ARROWS[direction];
  return (
    <nav className="issue-nav" aria-label="More issues">
      <ul>
        {previous ? (
          <li>
            <a rel="prev" href={href(previous.path)}>
              {arrow.previous} Previous: {previous.subject}
            </a>
          </li>
        ) : null}
        <li>
          <a href={href('')}>All issues</a>
        </li>
        {next ? (
          <li>
            <a rel="next" href={href(next.path)}>
              Next: {next.subject} {arrow.next}
            </a>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}

/** An issue's web page: the web version with neutral merge fields, not the email. */
export function IssuePage({ site, issue, previous, next }: { site: Site; issue: ArchivedIssue; previous?: ArchivedIssue | undefined; next?: ArchivedIssue | undefined }) {
  const { config } = site;
  const model = issue.props.issue;
  const canonical = model.canonicalUrl ?? issue.url;
  return (
    <Document
      config={config}
      file={issue.file}
      title={`${issue.subject} — ${config.name}`}
      description={issue.preheader}
      canonical={canonical}
      head={<ShareMeta site={site} issue={issue} />}
      after={<IssueNav issue={issue} previous={previous} next={next} direction={config.direction} />}
    >
      <article>
        <p className="meta">
          {`Issue ${issue.number} · `}
          <time dateTime={issue.date}>{formatIssueDate(issue.date, config.language)}</time>
        </p>
        <h1>
          <Inlines nodes={model.headline} url={pageUrls(issue.file, config.siteUrl, site.assets)} />
        </h1>
        <ArticleBody issue={model} url={pageUrls(issue.file, config.siteUrl, site.assets)} />
      </article>
    </Document>
  );
}
