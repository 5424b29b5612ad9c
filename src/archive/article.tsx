import type { ReactNode } from 'react';
import { fitToColumn, type Block, type Inline, type IssueModel, type Section } from '../content/index.ts';

/** Turns a URL of the content into the one the output writes (relative in pages, absolute in feeds; see links.ts). */
export type UrlOf = (url: string) => string;

/**
 * The widths images are shown at on the page (style.ts): the card's 40rem (640 px) less its 40 px
 * padding each side, and a story box's 18 px padding and 1 px border less again.
 */
const ARTICLE_COLUMN = 560;
const STORY_COLUMN = 522;

/** Markdown inline nodes as HTML; React escapes every text and attribute. */
function Inlines({ nodes, url }: { nodes: readonly Inline[]; url: UrlOf }): ReactNode {
  return nodes.map((node, i) => {
    switch (node.type) {
      case 'text':
        return node.value;
      case 'strong':
        return (
          <strong key={i}>
            <Inlines nodes={node.children} url={url} />
          </strong>
        );
      case 'emphasis':
        return (
          <em key={i}>
            <Inlines nodes={node.children} url={url} />
          </em>
        );
      case 'code':
        return <code key={i}>{node.value}</code>;
      case 'break':
        return <br key={i} />;
      case 'link':
        return (
          <a key={i} href={url(node.url)}>
            <Inlines nodes={node.children} url={url} />
          </a>
        );
    }
  });
}

/** A lead's or section's blocks. A `### heading` inside a section is an h3 under the section's h2. */
function Blocks({ blocks, url }: { blocks: readonly Block[]; url: UrlOf }): ReactNode {
  return blocks.map((block, i) => {
    switch (block.type) {
      case 'paragraph':
        return (
          <p key={i}>
            <Inlines nodes={block.children} url={url} />
          </p>
        );
      case 'heading':
        return (
          <h3 key={i}>
            <Inlines nodes={block.children} url={url} />
          </h3>
        );
      case 'list': {
        const Tag = block.ordered ? 'ol' : 'ul';
        return (
          <Tag key={i} start={block.start}>
            {block.items.map((item, j) => (
              <li key={j}>{item.map((b, k) => (b.type === 'paragraph' ? <Inlines key={k} nodes={b.children} url={url} /> : <Blocks key={k} blocks={[b]} url={url} />))}</li>
            ))}
          </Tag>
        );
      }
      case 'blockquote':
        return (
          <blockquote key={i}>
            <Blocks blocks={block.children} url={url} />
          </blockquote>
        );
      case 'image':
        return <img key={i} src={url(block.src)} alt={block.alt} title={block.title} {...fitToColumn(block.width, block.height, ARTICLE_COLUMN)} loading="lazy" decoding="async" />;
      case 'rule':
        return <hr key={i} />;
    }
  });
}

function IssueSection({ section, url }: { section: Section; url: UrlOf }) {
  return (
    <section>
      <h2>
        <Inlines nodes={section.heading} url={url} />
      </h2>
      <Blocks blocks={section.blocks} url={url} />
    </section>
  );
}

type Story = NonNullable<IssueModel['stories']>[number];

function Stories({ stories, url }: { stories: readonly Story[]; url: UrlOf }) {
  return (
    <section aria-labelledby="more-stories">
      <h2 id="more-stories">More stories</h2>
      {stories.map((story, i) => (
        <div className="story" key={i}>
          {story.image ? <img src={url(story.image.src)} alt={story.image.alt} {...fitToColumn(story.image.width, story.image.height, STORY_COLUMN)} loading="lazy" decoding="async" /> : null}
          <h3>
            <a href={url(story.url)}>{story.title}</a>
          </h3>
          <p>{story.summary}</p>
        </div>
      ))}
    </section>
  );
}

/**
 * The issue's body: greeting, hero, lead, sections, stories, the button. The same element in the
 * page (relative URLs) and in the feeds' full content (absolute URLs), so they never differ.
 * heroLoading "lazy" is for the feeds: React 19 hoists a `<link rel="preload" as="image">` for every
 * image not loaded lazily, which in a page goes to <head> (a useful hint) but in a feed item would
 * sit in the content itself.
 */
export function ArticleBody({ issue, url, heroLoading = 'eager' }: { issue: IssueModel; url: UrlOf; heroLoading?: 'eager' | 'lazy' }) {
  return (
    <>
      {issue.greeting === false ? null : <p className="greeting">{issue.greeting}</p>}
      {issue.hero ? (
        <figure className="hero">
          <img src={url(issue.hero.src)} alt={issue.hero.alt} {...fitToColumn(issue.hero.width, issue.hero.height, ARTICLE_COLUMN)} {...(heroLoading === 'lazy' ? { loading: 'lazy', decoding: 'async' } : {})} />
        </figure>
      ) : null}
      <Blocks blocks={issue.lead} url={url} />
      {issue.sections.map((section, i) => (
        <IssueSection key={i} section={section} url={url} />
      ))}
      {issue.stories?.length ? <Stories stories={issue.stories} url={url} /> : null}
      {issue.cta ? (
        <p className="cta">
          <a className="button" href={url(issue.cta.url)}>
            {issue.cta.label}
          </a>
        </p>
      ) : null}
    </>
  );
}

export { Inlines };
