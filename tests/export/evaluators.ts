/**
 * Each platform's tags evaluated the way that platform would, for one subscriber, with the
 * platform's own engine wherever one runs here:
 * - SendGrid (both targets) and SES: Handlebars (handlebars.js, as they document), escaping on.
 * - Postmark: mustache.js. Postmark's Mustachio is .NET and cannot run here; mustache.js is its
 *   ancestor and agrees on what the export uses ({{ x }}, {{{ x }}}, inverted sections). Mustachio
 *   refuses `pm:unsubscribe` as a path: Postmark replaces that placeholder itself, so it is
 *   substituted before templating here, as on Postmark's Broadcast stream.
 * - Kit: liquidjs (Kit's templates are Liquid).
 * - Brevo: Django's engine (Brevo's language is Django-like; Brevo's own engine is not public).
 * - listmonk: Go's html/template with Sprig and listmonk's functions (tests/export/engines/).
 * - Mailchimp, Mailgun and Resend: no engine exists outside the platform, so small substitutions
 *   written from their documentation. They throw on syntax they do not know, so a literal `{{…}}`
 *   or `*|…|*` that slipped through unescaped fails the test instead of vanishing.
 */
import Handlebars from 'handlebars';
import { Liquid } from 'liquidjs';
import Mustache, { type TemplateSpans } from 'mustache';
import { mailgunRecipientVariables } from '../../src/export/index.ts';
import { renderDjango, renderListmonk } from './engines.ts';

export interface Subscriber {
  email: string;
  firstName?: string;
  lastName?: string;
}

export interface Delivery {
  subscriber: Subscriber;
  /** The subscriber's own unsubscribe URL, as the platform would generate it. */
  unsubscribeUrl: string;
  /** The platform's hosted copy of the message, where it has one. */
  hostedUrl: string;
  /** The newsletter's greeting fallback, for Mailgun (whose fallback is applied by the sender). */
  fallback: string;
}

export type Part = 'html' | 'text';
export type Evaluate = (template: string, part: Part, d: Delivery) => string;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const out = (value: string, part: Part) => (part === 'html' ? escapeHtml(value) : value);

function unknown(platform: string, what: string): never {
  throw new Error(`${platform}: unknown or unevaluated syntax ${JSON.stringify(what)}`);
}

/** Once every tag the evaluator knows is taken out of the template, no opener of the family may be left. */
function assertDone(platform: string, rest: string, opener: RegExp): void {
  const left = opener.exec(rest);
  if (left) unknown(platform, rest.slice(left.index, left.index + 40));
}

const hbs = Handlebars.create();

const subscriberData = (d: Delivery) => ({ first_name: d.subscriber.firstName ?? '', last_name: d.subscriber.lastName ?? '', email: d.subscriber.email });

/** SendGrid Email API: substitution tags (<%…%>) first, then Handlebars with the dynamic template data. */
const sendgridApi: Evaluate = (t, _part, d) => {
  assertDone('sendgrid-api', t.replaceAll('<%asm_group_unsubscribe_raw_url%>', ''), /<%/);
  const substituted = t.replaceAll('<%asm_group_unsubscribe_raw_url%>', d.unsubscribeUrl);
  return hbs.compile(substituted, { strict: true })(subscriberData(d));
};

/** A sender identity, as Marketing Campaigns fills the address line from it. */
export const SENDER = { Sender_Name: 'Hemisphere Brief', Sender_Address: '1 Plaza Street', Sender_City: 'Springfield', Sender_State: 'OR', Sender_Zip: '97477' };

/** SendGrid Marketing Campaigns: Handlebars with the contact's reserved fields, the unsubscribe URL and the sender. */
const sendgridCampaigns: Evaluate = (t, _part, d) => hbs.compile(t, { strict: true })({ ...subscriberData(d), unsubscribe: d.unsubscribeUrl, ...SENDER });

/**
 * Amazon SES: Handlebars. Rendered with escaping on (Handlebars' default, and what the issue
 * observed: `Hi D&#x27;Arcy,` in email.txt), the stricter case for the plain-text part.
 */
const ses: Evaluate = (t, _part, d) => hbs.compile(t, { strict: true })({ ...subscriberData(d), amazonSESUnsubscribeUrl: d.unsubscribeUrl });

/** Every tag name in a parsed Mustache template, sections included. */
function mustacheNames(spans: TemplateSpans): string[] {
  return spans.flatMap((span) => {
    // A span is [type, name, start, end, children?, …]; 'text' spans carry content, not a name.
    const [type, name, , , children] = span as unknown as [string, string, number, number, TemplateSpans | undefined];
    return [...(type === 'text' ? [] : [name]), ...(Array.isArray(children) ? mustacheNames(children) : [])];
  });
}

/** Postmark's unsubscribe placeholder, replaced by Postmark outside the template model. */
const PM_UNSUBSCRIBE = '{{{ pm:unsubscribe }}}';

/** Postmark: the placeholder first, then mustache.js with the template model (first_name, last_name, email only). */
const postmark: Evaluate = (t, _part, d) => {
  const view = subscriberData(d);
  const templated = t.replaceAll(PM_UNSUBSCRIBE, d.unsubscribeUrl);
  for (const n of mustacheNames(Mustache.parse(templated))) if (!(n in view)) unknown('postmark', n);
  return Mustache.render(templated, view);
};

/** Mailchimp: *|IF:X|* … *|ELSE:|* … *|END:IF|* blocks, then *|TAG|*. */
const mailchimp: Evaluate = (t, part, d) => {
  const fields: Record<string, string> = {
    FNAME: d.subscriber.firstName ?? '',
    LNAME: d.subscriber.lastName ?? '',
    EMAIL: d.subscriber.email,
  };
  const system: Record<string, string> = {
    UNSUB: d.unsubscribeUrl,
    ARCHIVE: d.hostedUrl,
    'HTML:LIST_ADDRESS_HTML': '1 Audience Street, Springfield',
  };
  const blocks = t.replace(/\*\|IF:(\w+)\|\*([\s\S]*?)(?:\*\|ELSE:\|\*([\s\S]*?))?\*\|END:IF\|\*/g, (_m, name: string, yes: string, no: string = '') =>
    name in fields ? (fields[name] ? yes : no) : unknown('mailchimp', `IF:${name}`),
  );
  const TAG = /\*\|([A-Z_:]+)\|\*/g;
  assertDone('mailchimp', blocks.replace(TAG, ''), /\*\|/);
  return blocks.replace(TAG, (m, name: string) => {
    if (name in fields) return out(fields[name]!, part);
    if (name in system) return system[name]!;
    return unknown('mailchimp', m);
  });
};

/** Mailgun: %recipient.key% from recipient-variables (built by our helper), %unsubscribe_url% from Mailgun. */
const mailgun: Evaluate = (t, _part, d) => {
  const vars = mailgunRecipientVariables([d.subscriber], d.fallback)[d.subscriber.email]!;
  const TAG = /%recipient\.([\w-]+)%|%unsubscribe_url%/g;
  assertDone('mailgun', t.replace(TAG, ''), /%(recipient[.%]|unsubscribe_url%)/);
  return t.replace(TAG, (m, key?: string) => {
    if (m === '%unsubscribe_url%') return d.unsubscribeUrl;
    return key && key in vars ? vars[key as keyof typeof vars] : unknown('mailgun', m);
  });
};

/** Resend broadcasts: {{{contact.key|fallback}}} and {{{RESEND_UNSUBSCRIBE_URL}}}. */
const resend: Evaluate = (t, part, d) => {
  const contact: Record<string, string> = { first_name: d.subscriber.firstName ?? '', last_name: d.subscriber.lastName ?? '', email: d.subscriber.email };
  const TAG = /\{\{\{\s*([\w.]+)(?:\|([^}]*))?\s*\}\}\}/g;
  assertDone('resend', t.replace(TAG, ''), /\{\{/);
  return t.replace(TAG, (m, key: string, fallback?: string) => {
    if (key === 'RESEND_UNSUBSCRIBE_URL') return d.unsubscribeUrl;
    const name = key.replace(/^contact\./, '');
    if (!key.startsWith('contact.') || !(name in contact)) return unknown('resend', m);
    return out(contact[name] || fallback || '', part);
  });
};

/** Kit: Liquid (liquidjs), strict, with Kit's subscriber object and unsubscribe_url. */
const liquid = new Liquid({ strictVariables: true, strictFilters: true });
const kit: Evaluate = (t, _part, d) =>
  // parseAndRenderSync is typed `any`; a template renders to a string.
  String(liquid.parseAndRenderSync(t, { subscriber: { first_name: d.subscriber.firstName ?? '', last_name: d.subscriber.lastName ?? '', email_address: d.subscriber.email }, unsubscribe_url: d.unsubscribeUrl }));

/** Brevo: Django's engine with Brevo's contact attributes and its predefined unsubscribe / mirror placeholders. */
const brevo: Evaluate = (t, part, d) => {
  const context = { contact: { FIRSTNAME: d.subscriber.firstName ?? '', LASTNAME: d.subscriber.lastName ?? '', EMAIL: d.subscriber.email }, unsubscribe: d.unsubscribeUrl, mirror: d.hostedUrl };
  const out = renderDjango(t, part, context);
  if (out.includes('\u2063UNKNOWN:')) unknown('brevo', out.slice(out.indexOf('\u2063UNKNOWN:'), out.indexOf('\u2063UNKNOWN:') + 40));
  return out;
};

/**
 * The name imported into listmonk: the full name, or "" for a subscriber without one. The name
 * listmonk then stores for them is made by the renderer with listmonk's own rule (ValidateFields,
 * copied in engines/listmonk-render.go), never re-implemented here next to the export's tag.
 */
function listmonkImportName(s: Subscriber): string {
  return [s.firstName, s.lastName].filter(Boolean).join(' ').trim();
}

/** listmonk: Go html/template + Sprig, for the HTML and the plain-text body alike (as listmonk renders both). */
const listmonk: Evaluate = (t, _part, d) =>
  renderListmonk({ template: t, name: listmonkImportName(d.subscriber), email: d.subscriber.email, unsubscribeUrl: d.unsubscribeUrl, messageUrl: d.hostedUrl });

export const EVALUATORS: Record<string, Evaluate> = {
  mailchimp,
  'sendgrid-campaigns': sendgridCampaigns,
  'sendgrid-api': sendgridApi,
  mailgun,
  postmark,
  brevo,
  ses,
  resend,
  listmonk,
  kit,
};

/** Platforms evaluated by an engine that is not an npm package (see engines.ts). */
export const ENGINE_OF: Record<string, 'go' | 'django'> = { listmonk: 'go', brevo: 'django' };

/** Platforms with their own hosted copy of the message; the others link to the web version. */
export const HOSTS_WEB_VERSION = new Set(['mailchimp', 'brevo', 'listmonk']);
