import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Feed } from 'feed';
import { escapeHtml } from '../content/index.ts';
import { ArticleBody } from './article.tsx';
import { FEED_FILES } from './document.tsx';
import { absoluteUrls } from './links.ts';
import { dateTime, type ArchivedIssue, type Site } from './model.ts';
import { absoluteUrl } from './urls.ts';

/** Title, description and author of both feeds: newsletter.yml `feed`, defaulting to the name, the tagline and the From name (never its address). */
function feedInfo(site: Site) {
  const { config } = site;
  return {
    title: config.feed?.title ?? config.name,
    description: config.feed?.description ?? config.tagline ?? `Every issue of ${config.name}.`,
    author: config.feed?.author ?? config.from.name,
  };
}

/**
 * The article body with every URL absolute (a feed reader has no page to resolve relative links
 * against), in a <div> with the newsletter's dir and lang: readers show an item outside the page,
 * so without it Arabic or Hebrew text would be laid out left to right.
 */
function contentHtml(site: Site, issue: ArchivedIssue): string {
  const { direction, language } = site.config;
  const body = createElement(ArticleBody, { issue: issue.props.issue, url: absoluteUrls(site.baseUrl, site.config.siteUrl, site.assets), heroLoading: 'lazy' });
  return renderToStaticMarkup(createElement('div', { dir: direction, lang: language }, body));
}

const ATOM_ROOT = '<feed xmlns="http://www.w3.org/2005/Atom">';

/**
 * The `feed` package (6.0) writes `language` into RSS only, never into Atom, and has no option for
 * attributes of <feed>: xml:lang (RFC 4287 §2) is added to the one root element it writes. The
 * language is a validated BCP 47 tag (content/schema.ts), escaped all the same. Should a new
 * version write the root differently, this fails loudly instead of dropping the language.
 */
function withXmlLang(xml: string, language: string): string {
  if (!xml.includes(ATOM_ROOT)) throw new Error(`The feed package's Atom output has no ${ATOM_ROOT}: xml:lang cannot be added (archive/feeds.ts)`);
  return xml.replace(ATOM_ROOT, `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeHtml(language)}">`);
}

function heroUrl(site: Site, issue: ArchivedIssue): string | undefined {
  const hero = issue.props.issue.hero;
  return hero && absoluteUrls(site.baseUrl, site.config.siteUrl, site.assets)(hero.src);
}

/** Newest first, as feed readers expect. */
const newestFirst = (site: Site) => [...site.issues].reverse();

/** Feed-level "updated": the newest issue's date, never the time of the build, so the same content gives the same bytes. */
const updated = (site: Site) => dateTime(site.issues.at(-1)!.date);

/** feed.xml: Atom 1.0 (RFC 4287) with each issue's full content, written by the `feed` package. */
export function atomFeed(site: Site): string {
  const info = feedInfo(site);
  const home = absoluteUrl(site.baseUrl, '');
  const feed = new Feed({
    id: home,
    title: info.title,
    description: info.description,
    link: home,
    language: site.config.language,
    updated: updated(site),
    // The default names the library and its version: a dependency update would change every feed.
    generator: false,
    feedLinks: { atom: absoluteUrl(site.baseUrl, FEED_FILES.atom), json: absoluteUrl(site.baseUrl, FEED_FILES.json) },
    author: { name: info.author },
    copyright: `© ${site.config.name}`,
  });
  for (const issue of newestFirst(site)) {
    feed.addItem({
      // The package writes both as type="html": escaped, so "AT&T" or a "<" is text, not markup.
      title: escapeHtml(issue.subject),
      id: issue.url,
      link: issue.url,
      description: escapeHtml(issue.preheader),
      content: contentHtml(site, issue),
      date: dateTime(issue.date),
      published: dateTime(issue.date),
    });
  }
  return `${withXmlLang(feed.atom1(), site.config.language)}\n`;
}

/**
 * feed.json: JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), written by hand: the `feed`
 * package's json1() writes version 1.0 (no `authors`, no `language`).
 */
export function jsonFeed(site: Site): string {
  const info = feedInfo(site);
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: info.title,
    home_page_url: absoluteUrl(site.baseUrl, ''),
    feed_url: absoluteUrl(site.baseUrl, FEED_FILES.json),
    description: info.description,
    language: site.config.language,
    authors: [{ name: info.author }],
    items: newestFirst(site).map((issue) => {
      const image = heroUrl(site, issue);
      return {
        id: issue.url,
        url: issue.url,
        title: issue.subject,
        content_html: contentHtml(site, issue),
        summary: issue.preheader,
        ...(image ? { image } : {}),
        date_published: dateTime(issue.date).toISOString().replace('.000Z', 'Z'),
        language: site.config.language,
      };
    }),
  };
  return `${JSON.stringify(feed, null, 2)}\n`;
}
