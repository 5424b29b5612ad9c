import type { ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { NewsletterConfig } from '../content/index.ts';
import { siteCss } from './style.ts';
import { relativeHref } from './urls.ts';

export const FEED_FILES = { atom: 'feed.xml', json: 'feed.json' } as const;

/** The page shell: <head> (title, description, canonical, feeds, the stylesheet), skip link, header, main, footer. */
export function Document({ config, file, title, description, canonical, head, children, after }: {
  config: NewsletterConfig;
  /** The file this page is written to, for relative links. */
  file: string;
  title: string;
  description: string;
  canonical: string;
  /** More <head> elements (Open Graph). */
  head?: ReactNode;
  children: ReactNode;
  /** After <main>: the issue navigation. */
  after?: ReactNode;
}) {
  const href = (to: string) => relativeHref(file, to);
  const feedTitle = config.feed?.title ?? config.name;
  return (
    <html lang={config.language} dir={config.direction}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{title}</title>
        <meta name="description" content={description} />
        <link rel="canonical" href={canonical} />
        <link rel="alternate" type="application/atom+xml" title={`${feedTitle} (Atom)`} href={href(FEED_FILES.atom)} />
        <link rel="alternate" type="application/feed+json" title={`${feedTitle} (JSON Feed)`} href={href(FEED_FILES.json)} />
        {head}
        <style>{siteCss(config.colors)}</style>
      </head>
      <body>
        <a className="skip" href="#content">
          Skip to content
        </a>
        <div className="wrap">
          <header className="site-header">
            <a className="site-name" href={href('')}>
              {config.name}
            </a>
          </header>
          <main id="content" tabIndex={-1}>
            {children}
          </main>
          {after}
          <footer className="site-footer">
            {config.tagline ? <p>{config.tagline}</p> : null}
            <p>{config.postalAddress}</p>
            <p>
              <a href={href(FEED_FILES.atom)}>Atom feed</a>
              {' · '}
              <a href={href(FEED_FILES.json)}>JSON Feed</a>
            </p>
          </footer>
        </div>
      </body>
    </html>
  );
}

/** A page as the bytes written: doctype, React's escaped markup, a final newline. */
export function pageHtml(element: ReactNode): string {
  return `<!doctype html>\n${renderToStaticMarkup(element)}\n`;
}
