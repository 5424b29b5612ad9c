import { Body, Button, Container, Head, Heading, Hr, Html, Img, Link, Preview, Section, Text } from '@react-email/components';
import type { NewsletterProps } from '../src/content/index.ts';
import { placeholder, type MergeField } from '../src/content/index.ts';
import { Blocks, bodyText, Inlines } from './components/blocks.tsx';
import { FONT_SANS, FONT_SERIF, headCss } from './components/theme.ts';
import { previewProps } from './preview-props.generated.ts';

export type { NewsletterProps };

/** "February 5, 2026" in the newsletter's language; dates are calendar days, so UTC. */
function formatDate(date: string, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

const CARD_PAD = '0 40px';

/**
 * `preview`: React Email's preview server (`npm run dev`) shows fields as `{{name}}`; the real
 * render writes them as the private marks that only personalization turns into values.
 */
export function Newsletter({ newsletter, issue, preview = false }: NewsletterProps & { preview?: boolean }) {
  const field = (name: MergeField) => (preview ? `{{${name}}}` : placeholder(name));
  const c = newsletter.colors;
  const meta = { fontFamily: FONT_SANS, fontSize: '13px', lineHeight: '1.5', color: c.muted, margin: 0 };
  const link = { color: c.brand, textDecoration: 'underline' };
  return (
    <Html lang={newsletter.language} dir={newsletter.direction}>
      <Head>
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* Stop iOS turning the postal address and dates into blue links that ignore dark mode. */}
        <meta name="format-detection" content="telephone=no, date=no, address=no, email=no, url=no" />
        <title>{issue.subject}</title>
        <style>{headCss(c)}</style>
      </Head>
      <Preview>{issue.preheader}</Preview>
      <Body className="nl-bg" style={{ backgroundColor: c.background, margin: 0, padding: 0 }}>
        {/* Body copies its style onto an inner <td> without the class, so a full-width
            wrapper carries the background that dark mode can override. */}
        <Section className="nl-bg" style={{ backgroundColor: c.background }}>
        <Container className="nl-outer" style={{ maxWidth: '600px', width: '100%', padding: '24px 0' }}>
          {/* Header: name (or logo), then "Issue N · date" */}
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
            <Text className="nl-muted" style={{ ...meta, marginTop: '6px' }}>
              {`Issue ${issue.number} · ${formatDate(issue.date, newsletter.language)}`}
            </Text>
          </Section>

          <Section className="nl-surface" style={{ backgroundColor: c.surface, borderRadius: '10px', padding: '36px 0 16px' }}>
            <Section className="nl-pad" style={{ padding: CARD_PAD }}>
              <Text className="nl-text" style={{ ...bodyText(c), fontFamily: FONT_SANS, fontSize: '16px' }}>
                {`Hi ${field('firstName')},`}
              </Text>
              <Heading as="h1" className="nl-text nl-h1" style={{ fontFamily: FONT_SERIF, fontSize: '30px', lineHeight: '1.25', fontWeight: 700, color: c.text, margin: '0 0 20px' }}>
                <Inlines nodes={issue.headline} colors={c} />
              </Heading>
            </Section>
            {issue.hero ? (
              <Section className="nl-pad" style={{ padding: CARD_PAD }}>
                <Img src={issue.hero.src} alt={issue.hero.alt} width={String(Math.min(issue.hero.width, 520))} style={{ display: 'block', width: '100%', maxWidth: '100%', height: 'auto', borderRadius: '6px', margin: '0 0 24px' }} />
              </Section>
            ) : null}
            <Section className="nl-pad" style={{ padding: CARD_PAD }}>
              <Blocks blocks={issue.lead} colors={c} />
            </Section>

            {issue.sections.map((section, i) => (
              <Section key={i} className="nl-pad" style={{ padding: CARD_PAD }}>
                <Hr className="nl-rule" data-skip-in-text="true" style={{ borderColor: '#d8dee4', margin: '12px 0 28px' }} />
                <Heading as="h2" className="nl-text" style={{ fontFamily: FONT_SANS, fontSize: '20px', lineHeight: '1.35', fontWeight: 700, color: c.text, margin: '0 0 14px' }}>
                  <Inlines nodes={section.heading} colors={c} />
                </Heading>
                <Blocks blocks={section.blocks} colors={c} />
              </Section>
            ))}

            {issue.stories?.length ? (
              <Section className="nl-pad" style={{ padding: CARD_PAD }}>
                <Hr className="nl-rule" data-skip-in-text="true" style={{ borderColor: '#d8dee4', margin: '12px 0 28px' }} />
                <Heading as="h2" className="nl-text" style={{ fontFamily: FONT_SANS, fontSize: '20px', fontWeight: 700, color: c.text, margin: '0 0 14px' }}>
                  More stories
                </Heading>
                {issue.stories.map((story, i) => (
                  <Section key={i} className="nl-rule" style={{ border: '1px solid #d8dee4', borderRadius: '8px', padding: '16px 18px', margin: '0 0 14px' }}>
                    {story.image ? (
                      <Img src={story.image.src} alt={story.image.alt} width={String(Math.min(story.image.width, 482))} style={{ display: 'block', width: '100%', maxWidth: '100%', height: 'auto', borderRadius: '4px', margin: '0 0 12px' }} />
                    ) : null}
                    <Heading as="h3" style={{ fontFamily: FONT_SANS, fontSize: '17px', lineHeight: '1.35', margin: '0 0 6px' }}>
                      <Link href={story.url} className="nl-link" style={{ ...link, textDecoration: 'none' }}>
                        {story.title}
                      </Link>
                    </Heading>
                    <Text className="nl-text" style={{ ...bodyText(c), fontSize: '16px', margin: 0 }}>
                      {story.summary}
                    </Text>
                  </Section>
                ))}
              </Section>
            ) : null}

            {issue.cta ? (
              <Section className="nl-pad" style={{ padding: '12px 40px 24px', textAlign: 'center' }}>
                <Button
                  href={issue.cta.url}
                  className="nl-btn"
                  style={{ backgroundColor: c.brand, color: '#ffffff', fontFamily: FONT_SANS, fontSize: '16px', fontWeight: 600, lineHeight: '20px', borderRadius: '6px', padding: '14px 28px', textDecoration: 'none' }}
                >
                  {issue.cta.label}
                </Button>
              </Section>
            ) : null}
          </Section>

          {/* Footer: why, postal address, unsubscribe, view in browser, reply */}
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
        </Container>
        </Section>
      </Body>
    </Html>
  );
}

Newsletter.PreviewProps = { ...(previewProps satisfies NewsletterProps), preview: true };

export default Newsletter;
