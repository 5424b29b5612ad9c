import { formatIssueDate } from '../content/index.ts';
import { Document, FEED_FILES } from './document.tsx';
import type { Site } from './model.ts';
import { absoluteUrl, relativeHref } from './urls.ts';

const INDEX_FILE = 'index.html';

/** The archive's front page: every issue, newest first, with date, number, subject (the link) and preheader. */
export function IndexPage({ site }: { site: Site }) {
  const { config } = site;
  const newestFirst = [...site.issues].reverse();
  const href = (to: string) => relativeHref(INDEX_FILE, to);
  return (
    <Document config={config} file={INDEX_FILE} title={`${config.name} — all issues`} description={config.tagline ?? `Every issue of ${config.name}.`} canonical={absoluteUrl(site.baseUrl, '')} head={<meta property="og:type" content="website" />}>
      <h1>{config.name}</h1>
      {config.tagline ? <p className="tagline">{config.tagline}</p> : null}
      <p className="meta">
        {newestFirst.length} issue{newestFirst.length === 1 ? '' : 's'}, newest first
      </p>
      <ol className="issues">
        {newestFirst.map((issue) => (
          <li key={issue.path}>
            <p className="meta">
              <time dateTime={issue.date}>{formatIssueDate(issue.date, config.language)}</time>
              {` · Issue ${issue.number}`}
            </p>
            <h2>
              <a href={href(issue.path)}>{issue.subject}</a>
            </h2>
            <p>{issue.preheader}</p>
          </li>
        ))}
      </ol>
      <p className="feeds">
        Follow in a feed reader: <a href={href(FEED_FILES.atom)}>Atom</a> · <a href={href(FEED_FILES.json)}>JSON Feed</a>
      </p>
    </Document>
  );
}
