import { Button, Heading, Hr, Img, Link, Section, Text } from '@react-email/components';
import type { CSSProperties } from 'react';
import { formatIssueDate, type IssueModel, type MergeField, type NewsletterConfig, type Section as IssueSectionModel } from '../../src/content/index.ts';
import { Blocks, bodyText, COLUMN_WIDTH, imageSize, Inlines } from './blocks.tsx';
import { FONT_SANS, FONT_SERIF, LIGHT, type Colors } from './theme.ts';

/** The parts of the newsletter, top to bottom: masthead, then the card (opening, hero, lead, sections, stories, button), then the footer. */

/** Writes a merge field: the sample subscriber's value in React Email's preview, a private mark for the real render. */
export type FieldWriter = (name: MergeField) => string;

type Story = NonNullable<IssueModel['stories']>[number];

const CARD_PAD = '0 40px';

const metaText = (c: Colors): CSSProperties => ({ fontFamily: FONT_SANS, fontSize: '13px', lineHeight: '1.5', color: c.muted, margin: 0 });
const linkStyle = (c: Colors): CSSProperties => ({ color: c.brand, textDecoration: 'underline' });

/** Header: name (or logo), then "Issue N · date". */
export function Masthead({ newsletter, issue }: { newsletter: NewsletterConfig; issue: IssueModel }) {
  const c = newsletter.colors;
  return (
    <Section className="nl-pad" style={{ padding: '8px 40px 20px' }}>
      {newsletter.logo ? (
        <Link href={newsletter.website}>
          <Img src={newsletter.logo.src} alt={newsletter.logo.alt} width={String(newsletter.logo.width)} style={{ maxWidth: '100%', height: 'auto' }} />
        </Link>
      ) : (
        <Link href={newsletter.website} className="nl-text" style={{ fontFamily: FONT_SERIF, fontSize: '22px', fontWeight: 700, color: c.text, textDecoration: 'none', letterSpacing: '-0.2px' }}>
          {newsletter.name}
        </Link>
      )}
      <Text className="nl-muted" style={{ ...metaText(c), marginTop: '6px' }}>
        {`Issue ${issue.number} · ${formatIssueDate(issue.date, newsletter.language)}`}
      </Text>
    </Section>
  );
}

/**
 * The greeting (newsletter.yml `greeting`, or the issue's own; false: none, not
 * even an empty paragraph) and the headline, at the top of the card. The
 * greeting is marked text, written as one string so its fields stay whole.
 */
export function Opening({ issue, colors: c }: { issue: IssueModel; colors: Colors }) {
  return (
    <Section className="nl-pad" style={{ padding: CARD_PAD }}>
      {issue.greeting === false ? null : (
        <Text className="nl-text" style={{ ...bodyText(c), fontFamily: FONT_SANS, fontSize: '16px' }}>
          {issue.greeting}
        </Text>
      )}
      <Heading as="h1" className="nl-text nl-h1" style={{ fontFamily: FONT_SERIF, fontSize: '30px', lineHeight: '1.25', fontWeight: 700, color: c.text, margin: '0 0 20px' }}>
        <Inlines nodes={issue.headline} colors={c} />
      </Heading>
    </Section>
  );
}

export function Hero({ hero }: { hero: NonNullable<IssueModel['hero']> }) {
  return (
    <Section className="nl-pad" style={{ padding: CARD_PAD }}>
      <Img src={hero.src} alt={hero.alt} {...imageSize(hero.width, hero.height, COLUMN_WIDTH)} style={{ display: 'block', width: '100%', maxWidth: '100%', height: 'auto', borderRadius: '6px', margin: '0 0 24px' }} />
    </Section>
  );
}

export function Lead({ issue, colors }: { issue: IssueModel; colors: Colors }) {
  return (
    <Section className="nl-pad" style={{ padding: CARD_PAD }}>
      <Blocks blocks={issue.lead} colors={colors} />
    </Section>
  );
}

/** The rule between card parts: decorative, so left out of the plain text. */
function CardRule() {
  return <Hr className="nl-rule" data-skip-in-text="true" style={{ borderColor: LIGHT.rule, margin: '12px 0 28px' }} />;
}

/** One `## heading` of the issue and its blocks. */
export function IssueSection({ section, colors: c }: { section: IssueSectionModel; colors: Colors }) {
  return (
    <Section className="nl-pad" style={{ padding: CARD_PAD }}>
      <CardRule />
      <Heading as="h2" className="nl-text" style={{ fontFamily: FONT_SANS, fontSize: '20px', lineHeight: '1.35', fontWeight: 700, color: c.text, margin: '0 0 14px' }}>
        <Inlines nodes={section.heading} colors={c} />
      </Heading>
      <Blocks blocks={section.blocks} colors={c} />
    </Section>
  );
}

function StoryCard({ story, colors: c }: { story: Story; colors: Colors }) {
  return (
    <Section className="nl-rule" style={{ border: `1px solid ${LIGHT.rule}`, borderRadius: '8px', padding: '16px 18px', margin: '0 0 14px' }}>
      {story.image ? (
        <Img src={story.image.src} alt={story.image.alt} {...imageSize(story.image.width, story.image.height, 482)} style={{ display: 'block', width: '100%', maxWidth: '100%', height: 'auto', borderRadius: '4px', margin: '0 0 12px' }} />
      ) : null}
      <Heading as="h3" style={{ fontFamily: FONT_SANS, fontSize: '17px', lineHeight: '1.35', margin: '0 0 6px' }}>
        <Link href={story.url} className="nl-link" style={{ ...linkStyle(c), textDecoration: 'none' }}>
          {story.title}
        </Link>
      </Heading>
      <Text className="nl-text" style={{ ...bodyText(c), fontSize: '16px', margin: 0 }}>
        {story.summary}
      </Text>
    </Section>
  );
}

export function MoreStories({ stories, colors: c }: { stories: readonly Story[]; colors: Colors }) {
  return (
    <Section className="nl-pad" style={{ padding: CARD_PAD }}>
      <CardRule />
      <Heading as="h2" className="nl-text" style={{ fontFamily: FONT_SANS, fontSize: '20px', fontWeight: 700, color: c.text, margin: '0 0 14px' }}>
        More stories
      </Heading>
      {stories.map((story, i) => (
        <StoryCard key={i} story={story} colors={c} />
      ))}
    </Section>
  );
}

/**
 * The button. Its border is the card's colour, so it does not show where the card does; where a
 * client strips backgrounds it is what keeps the button a button: Thunderbird's dark reader
 * removes a background whose label contrasts under 3.5:1 by its own measure (white on most brand
 * blues), keeps borders, and would leave bare white text on its dark page (`check --clients`).
 */
export function CallToAction({ cta, colors: c }: { cta: NonNullable<IssueModel['cta']>; colors: Colors }) {
  return (
    <Section className="nl-pad" style={{ padding: '12px 40px 24px', textAlign: 'center' }}>
      <Button
        href={cta.url}
        className="nl-btn"
        style={{
          backgroundColor: c.brand,
          color: LIGHT.buttonText,
          border: `2px solid ${c.surface}`,
          fontFamily: FONT_SANS,
          fontSize: '16px',
          fontWeight: 600,
          lineHeight: '20px',
          borderRadius: '6px',
          padding: '14px 28px',
          textDecoration: 'none',
        }}
      >
        {cta.label}
      </Button>
    </Section>
  );
}

/** Footer: why, postal address, unsubscribe, view in browser, reply. */
export function Footer({ newsletter, field }: { newsletter: NewsletterConfig; field: FieldWriter }) {
  const c = newsletter.colors;
  const meta = metaText(c);
  const link = linkStyle(c);
  return (
    <Section className="nl-pad" style={{ padding: '24px 40px 8px' }}>
      <Text className="nl-muted" style={{ ...meta, fontSize: '14px', margin: '0 0 10px' }}>
        {`You are receiving ${newsletter.name} because ${field('email')} subscribed at `}
        <Link href={newsletter.website} className="nl-link" style={link}>
          {newsletter.website.replace(/^https?:\/\//, '').replace(/\/$/, '')}
        </Link>
        .{newsletter.replyTo ? ' Reply to this email to reach the editors.' : ''}
      </Text>
      <Text className="nl-muted" style={{ ...meta, margin: '0 0 10px' }}>
        {newsletter.postalAddress}
      </Text>
      <Text className="nl-muted" style={{ ...meta, margin: 0 }}>
        <Link href={field('unsubscribeUrl')} className="nl-link" style={link}>
          Unsubscribe
        </Link>
        {' · '}
        <Link href={field('webVersionUrl')} className="nl-link" style={link}>
          View in browser
        </Link>
        {newsletter.replyTo ? ' · ' : null}
        {newsletter.replyTo ? (
          <Link href={`mailto:${newsletter.replyTo}`} className="nl-link" style={link}>
            {newsletter.replyTo}
          </Link>
        ) : null}
      </Text>
    </Section>
  );
}
