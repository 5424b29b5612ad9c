import { Body, Container, Head, Html, Preview, Section } from '@react-email/components';
import { type NewsletterProps, placeholder, type IssueModel, type MergeField, type MergeValues } from '../src/content/index.ts';
import { CallToAction, Footer, Hero, IssueSection, Lead, Masthead, MoreStories, Opening } from './components/layout.tsx';
import { headCss, type Colors } from './components/theme.ts';
import { previewProps, previewSample } from './preview-props.ts';

export type { NewsletterProps };

/** The template's props: the issue, and for React Email's preview only a sample subscriber's value for each merge field. */
export type TemplateProps = NewsletterProps & { sample?: MergeValues | undefined };

function IssueHead({ subject, colors }: { subject: string; colors: Colors }) {
  return (
    <Head>
      <meta name="color-scheme" content="light dark" />
      <meta name="supported-color-schemes" content="light dark" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      {/* Stop iOS turning the postal address and dates into blue links that ignore dark mode. */}
      <meta name="format-detection" content="telephone=no, date=no, address=no, email=no, url=no" />
      <title>{subject}</title>
      <style>{headCss(colors)}</style>
    </Head>
  );
}

/** The white card: opening, hero, lead, sections, more stories, the button. */
function Card({ issue, colors: c }: { issue: IssueModel; colors: Colors }) {
  return (
    <Section className="nl-surface" style={{ backgroundColor: c.surface, borderRadius: '10px', padding: '36px 0 16px' }}>
      <Opening issue={issue} colors={c} />
      {issue.hero ? <Hero hero={issue.hero} /> : null}
      <Lead issue={issue} colors={c} />
      {issue.sections.map((section, i) => (
        <IssueSection key={i} section={section} colors={c} />
      ))}
      {issue.stories?.length ? <MoreStories stories={issue.stories} colors={c} /> : null}
      {issue.cta ? <CallToAction cta={issue.cta} colors={c} /> : null}
    </Section>
  );
}

/**
 * `sample`: React Email's preview server (`npm run dev`) fills the fields with a sample
 * subscriber's values; the real render (no sample) writes them as the private marks that only
 * personalization turns into each reader's values.
 */
export function Newsletter({ newsletter, issue, sample }: TemplateProps) {
  const field = (name: MergeField) => (sample ? sample[name] : placeholder(name));
  const c = newsletter.colors;
  return (
    <Html lang={newsletter.language} dir={newsletter.direction}>
      <IssueHead subject={issue.subject} colors={c} />
      <Preview>{issue.preheader}</Preview>
      <Body className="nl-bg" style={{ backgroundColor: c.background, margin: 0, padding: 0 }}>
        {/* The email's own landmark, named by its subject, with lang and dir again because
            webmail clients drop the <html> element and the reader's client may be set right-to-left
            (the wrapper email-accessibility guides recommend: https://parcel.io/blog/accessibility-checker-updates). */}
        <div role="article" aria-roledescription="email" aria-label={issue.subject} lang={newsletter.language} dir={newsletter.direction}>
          {/* Body copies its style onto an inner <td> without the class, so a full-width
              wrapper carries the background that dark mode can override. */}
          <Section className="nl-bg" style={{ backgroundColor: c.background }}>
            <Container className="nl-outer" style={{ maxWidth: '600px', width: '100%', padding: '24px 0' }}>
              <Masthead newsletter={newsletter} issue={issue} />
              <Card issue={issue} colors={c} />
              <Footer newsletter={newsletter} field={field} />
            </Container>
          </Section>
        </div>
      </Body>
    </Html>
  );
}

Newsletter.PreviewProps = { ...(previewProps satisfies NewsletterProps), sample: previewSample };

export default Newsletter;
