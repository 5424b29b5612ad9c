import { z } from 'zod';
import { hasScheme, localPathProblem } from './local-images.ts';
import { configText, oneLine, urlSchema } from './text-rules.ts';

/** http(s) only: the one rule for every URL a reader can follow or load. */
export const httpUrl = urlSchema(['https', 'http']);

/** Links in content may also be mailto:. */
export const linkUrl = urlSchema(['https', 'http', 'mailto']);

/**
 * newsletter.yml URLs are never personalized: no braces except the {slug}
 * placeholder of webVersionUrl, and no private-use character (the renderer's
 * merge-field marks are private-use characters).
 */
const configUrl = httpUrl.refine((v) => !/[{}\uE000-\uF8FF]/u.test(v.replaceAll('{slug}', '')), {
  message: 'must not contain braces or private-use characters (only webVersionUrl takes the {slug} placeholder; newsletter.yml is never personalized)',
  params: { fix: 'Remove the braces (or percent-encode them as %7B and %7D) and any invisible character.' },
});

/**
 * A base URL other URLs are appended to (siteUrl, assetsBaseUrl): no query or fragment, and
 * always ending in "/" so `base + "assets/x.png"` and `base + slug + "/"` stay inside it.
 */
const siteBaseUrl = configUrl
  .refine((v) => !v.includes('{slug}'), { message: 'must not contain {slug} (only webVersionUrl takes it)', params: { fix: 'Write the folder the archive is published at, e.g. https://example.com/issues/' } })
  .refine((v) => !/[?#]/.test(v), { message: 'must not have a query (?) or fragment (#): page and file paths are appended to it', params: { fix: 'Write the folder the archive is published at, e.g. https://example.com/issues/' } })
  .transform((v) => (v.endsWith('/') ? v : `${v}/`));

function isValidLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/** The default greeting: the line above the headline, as every issue had it before `greeting` existed. */
export const DEFAULT_GREETING = 'Hi {{firstName}},';

/**
 * The line above the headline: one line of text with merge fields, or false
 * for none. Authored text (merge fields as `{{name}}`), checked for unknown
 * fields by validate.ts with the same tokenizer as the rest of the content.
 */
const greetingSchema = z.union(
  [
    z.literal(false),
    oneLine(z.string().trim().min(1, 'must not be empty (write `greeting: false` for no greeting)').max(120, 'must be at most 120 characters'), 'the greeting'),
  ],
  { error: 'must be a greeting with merge fields like "Hi {{firstName}}," or false for none' },
);

const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a 6-digit hex colour like "#0b5cad"');
const email = z.email('must be an email address like "news@example.com"');

const ALT_REQUIRED = 'needs alt text describing the image (it is shown when images are blocked)';
const imageWidth = z.number().int().positive().max(1200);
const imageHeight = z.number().int().positive().max(4000);

/**
 * An issue image's src: an http(s) URL (checked exactly like every other URL), or a path
 * relative to the issue file: a local image (content/local-images.ts), processed into a
 * hosted asset when the issue is built.
 */
const imageSrc = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    if (hasScheme(value)) {
      const url = httpUrl.safeParse(value);
      for (const issue of url.error?.issues ?? []) ctx.addIssue({ code: 'custom', message: issue.message, params: (issue as { params?: Record<string, unknown> }).params });
      return;
    }
    const problem = localPathProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `must be an https:// URL or a path relative to the issue file: it ${problem.message}`, params: { fix: problem.fix } });
  });

export const imageSchema = z
  .strictObject({
    src: imageSrc,
    alt: oneLine(z.string().trim().min(1, ALT_REQUIRED), 'alt text'),
    // A local image's width comes from its processed file (src/assets); a hosted one's from the author.
    width: imageWidth.optional(),
    height: imageHeight.optional(),
  })
  .superRefine((image, ctx) => {
    if (image.width === undefined && hasScheme(image.src)) ctx.addIssue({ code: 'custom', path: ['width'], message: 'is required for an image given by URL' });
  });

// Every newsletter.yml text is plain text (configText): it reaches mail headers,
// the footer and the compliance check exactly as written.
export const newsletterSchema = z.strictObject({
  name: configText(z.string().trim().min(1).max(80), 'the newsletter name (it is in the List-Id header)'),
  tagline: configText(z.string().trim().max(160), 'the tagline').optional(),
  website: configUrl,
  logo: z.strictObject({ src: configUrl, alt: configText(z.string().trim().min(1, ALT_REQUIRED), 'alt text'), width: imageWidth, height: imageHeight.optional() }).optional(),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag like "en" or "es-CO"')
    // The shape alone lets through tags Intl refuses (a repeated region, "en-US-US"), and dates are formatted with Intl.
    .refine(isValidLocale, { message: 'is not a valid BCP 47 language tag (a subtag is repeated or misplaced)', params: { fix: 'Write a tag like "en", "en-US" or "es-CO".' } })
    .default('en'),
  direction: z.enum(['ltr', 'rtl']).default('ltr'),
  from: z.strictObject({
    name: configText(z.string().trim().min(1), 'the From name (a mail header)'),
    email,
  }),
  replyTo: email.optional(),
  postalAddress: configText(z.string().trim().min(10, 'must be the full postal address (bulk mail must carry one by law)'), 'the postal address'),
  colors: z
    .strictObject({
      brand: hexColor.default('#0b5cad'),
      text: hexColor.default('#1f2328'),
      muted: hexColor.default('#57606a'),
      background: hexColor.default('#f3f4f6'),
      surface: hexColor.default('#ffffff'),
    })
    .prefault({}),
  listId: z.string().regex(/^[A-Za-z0-9._-]+\.[A-Za-z0-9.-]+$/, 'must look like "news.example.com" (RFC 2919 list id)'),
  unsubscribeUrl: configUrl,
  // Optional when siteUrl is set: the issue's page in the archive, <siteUrl><slug>/ (validate.ts fills it in).
  webVersionUrl: configUrl.refine((v) => v.includes('{slug}'), 'must contain {slug}, replaced by each issue\'s slug').optional(),
  // The web archive (`newsletter archive`): where it is published, with a trailing slash.
  siteUrl: siteBaseUrl.optional(),
  // Where local images are uploaded: an image's URL is assetsBaseUrl + assets/<hash>.<ext> (default: siteUrl).
  assetsBaseUrl: siteBaseUrl.optional(),
  // The archive's feeds (feed.xml, feed.json); each defaults to the name, the tagline and the From name.
  feed: z
    .strictObject({
      title: configText(z.string().trim().min(1).max(120), 'the feed title').optional(),
      description: configText(z.string().trim().min(1).max(300), 'the feed description').optional(),
      author: configText(z.string().trim().min(1).max(80), 'the feed author').optional(),
    })
    .optional(),
  // Authored text: validate.ts checks and marks its fields as it does an issue's front-matter strings.
  greeting: greetingSchema.prefault(DEFAULT_GREETING),
  greetingFallback: configText(z.string().trim().min(1).max(40), 'the greeting fallback').default('there'),
  utm: z
    .strictObject({
      source: configText(z.string().min(1), 'a UTM value'),
      medium: configText(z.string().min(1), 'a UTM value'),
      campaign: configText(z.string().min(1), 'a UTM value').optional(),
    })
    .optional(),
});

/** newsletter.yml as validated: webVersionUrl always set (written, or from siteUrl). */
export type NewsletterConfig = Omit<z.infer<typeof newsletterSchema>, 'webVersionUrl'> & { webVersionUrl: string };

export const storySchema = z.strictObject({
  title: z.string().trim().min(1).max(200),
  summary: z.string().trim().min(1).max(600),
  url: httpUrl,
  image: imageSchema.optional(),
});

export const frontMatterSchema = z.strictObject({
  number: z.number().int().positive(),
  date: z.iso.date('must be a calendar date written as YYYY-MM-DD'),
  // Subject and preheader reach mail headers and every export's subject.txt.
  subject: oneLine(z.string().trim().min(1, 'must not be empty').max(150, 'must be at most 150 characters'), 'the subject (a mail header)'),
  preheader: oneLine(z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'), 'the preheader (shown next to the subject)'),
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes').optional(),
  hero: imageSchema.optional(),
  canonicalUrl: httpUrl.optional(),
  // Overrides newsletter.yml's greeting for this issue (validate.ts marks its fields like every front-matter string).
  greeting: greetingSchema.optional(),
  // With no url, the button points at the archive (newsletter.yml siteUrl): "Browse past issues".
  cta: z.strictObject({ label: z.string().trim().min(1).max(60), url: linkUrl.optional() }).optional(),
  stories: z.array(storySchema).max(20).optional(),
});

export type FrontMatter = z.infer<typeof frontMatterSchema>;

/** Examples shown in errors: the right form of each front-matter field. */
export const FIELD_EXAMPLES: Record<string, string> = {
  number: 'number: 12',
  date: 'date: 2026-02-05',
  subject: 'subject: "Trump and Petro: an unlikely Oval Office meeting"',
  preheader: 'preheader: A sentence of 40–140 characters that adds to the subject.',
  slug: 'slug: trump-petro-meeting',
  greeting: 'greeting: "Hello {{firstName}}!"',
  hero: 'hero: { src: https://example.com/a.jpg, alt: "What the image shows", width: 600, height: 300 } (or a file next to the issue: { src: images/hero.jpg, alt: "What the image shows" })',
  canonicalUrl: 'canonicalUrl: https://example.com/issues/12',
  cta: 'cta: { label: Read the full story, url: https://example.com/story } (with no url: the archive, newsletter.yml siteUrl)',
  stories: 'stories: [{ title: …, summary: …, url: https://example.com/… }]',
};
