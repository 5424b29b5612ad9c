/**
 * Reference evaluators: each platform's tags evaluated the way that platform
 * would, for one subscriber. Real engines where we have them (Handlebars for
 * SendGrid and SES, Mustache for Postmark's Mustachio); small substitutions
 * for the rest, written from the platforms' documentation. Every evaluator
 * throws on syntax it does not know, so a literal `{{…}}` or `*|…|*` that
 * slipped through unescaped fails the test instead of vanishing.
 */
import Handlebars from 'handlebars';
import Mustache, { type TemplateSpans } from 'mustache';
import { mailgunRecipientVariables } from '../../src/export/index.ts';

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

/** SendGrid: substitution tags (<%…%>) first, then Handlebars with the dynamic template data. */
const sendgrid: Evaluate = (t, _part, d) => {
  assertDone('sendgrid', t.replaceAll('<%asm_group_unsubscribe_raw_url%>', ''), /<%/);
  const substituted = t.replaceAll('<%asm_group_unsubscribe_raw_url%>', d.unsubscribeUrl);
  const data = { first_name: d.subscriber.firstName ?? '', last_name: d.subscriber.lastName ?? '', email: d.subscriber.email };
  return hbs.compile(substituted, { strict: true })(data);
};

/** Amazon SES: Handlebars, without HTML escaping ("SES doesn't escape HTML content"). */
const ses: Evaluate = (t, _part, d) => {
  const data = { first_name: d.subscriber.firstName ?? '', last_name: d.subscriber.lastName ?? '', email: d.subscriber.email, amazonSESUnsubscribeUrl: d.unsubscribeUrl };
  return hbs.compile(t, { strict: true, noEscape: true })(data);
};

/** Every tag name in a parsed Mustache template, sections included. */
function mustacheNames(spans: TemplateSpans): string[] {
  return spans.flatMap((span) => {
    // A span is [type, name, start, end, children?, …]; 'text' spans carry content, not a name.
    const [type, name, , , children] = span as unknown as [string, string, number, number, TemplateSpans | undefined];
    return [...(type === 'text' ? [] : [name]), ...(Array.isArray(children) ? mustacheNames(children) : [])];
  });
}

/** Postmark: Mustache (Mustachio's ancestor) with the template model; pm:unsubscribe is Postmark's own key. */
const postmark: Evaluate = (t, _part, d) => {
  const view = { first_name: d.subscriber.firstName ?? '', last_name: d.subscriber.lastName ?? '', email: d.subscriber.email, 'pm:unsubscribe': d.unsubscribeUrl };
  const names = mustacheNames(Mustache.parse(t));
  for (const n of names) if (!(n in view)) unknown('postmark', n);
  return Mustache.render(t, view);
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

/** A string literal in a curly-brace language: "…", '…' or `…`. */
function stringLiteral(expr: string): string | undefined {
  const m = /^(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|`([^`]*)`)$/.exec(expr.trim());
  if (!m) return undefined;
  return m[1] !== undefined ? (JSON.parse(`"${m[1]}"`) as string) : (m[2] ?? m[3] ?? '');
}

/** Evaluate every `{{ … }}` with `expr`, then refuse any opener left over. */
function curly(platform: string, t: string, expr: (inner: string) => string | undefined, leftover: RegExp): string {
  const TAG = /\{\{-?\s*([\s\S]*?)\s*-?\}\}/g;
  assertDone(platform, t.replace(TAG, ''), leftover);
  return t.replace(TAG, (m, inner: string) => expr(inner) ?? unknown(platform, m));
}

/** listmonk: Go templates; .Subscriber fields, Sprig `default`, UnsubscribeURL, MessageURL, string literals. */
const listmonk: Evaluate = (t, part, d) => {
  const subscriber: Record<string, string> = { FirstName: d.subscriber.firstName ?? '', LastName: d.subscriber.lastName ?? '', Email: d.subscriber.email };
  return curly(
    'listmonk',
    t,
    (inner) => {
      const literal = stringLiteral(inner);
      if (literal !== undefined) return literal;
      if (inner === 'UnsubscribeURL') return d.unsubscribeUrl;
      if (inner === 'MessageURL') return d.hostedUrl;
      const field = /^\.Subscriber\.(\w+)(?:\s*\|\s*default\s+(.+))?$/.exec(inner);
      if (!field || !(field[1]! in subscriber)) return undefined;
      const fallback = field[2] === undefined ? '' : stringLiteral(field[2]);
      if (fallback === undefined) return undefined;
      return out(subscriber[field[1]!] || fallback, part);
    },
    /\{\{/,
  );
};

/** Brevo: {{ contact.ATTR }}, `|default:'…'`, {{ unsubscribe }}, {{ mirror }}, string literals. */
const brevo: Evaluate = (t, part, d) => {
  const contact: Record<string, string> = { FIRSTNAME: d.subscriber.firstName ?? '', LASTNAME: d.subscriber.lastName ?? '', EMAIL: d.subscriber.email };
  return curly(
    'brevo',
    t,
    (inner) => {
      const literal = stringLiteral(inner);
      if (literal !== undefined) return literal;
      if (inner === 'unsubscribe') return d.unsubscribeUrl;
      if (inner === 'mirror') return d.hostedUrl;
      const attr = /^contact\.(\w+)(?:\|default:(.+))?$/.exec(inner);
      if (!attr || !(attr[1]! in contact)) return undefined;
      const fallback = attr[2] === undefined ? '' : stringLiteral(attr[2]);
      if (fallback === undefined) return undefined;
      return out(contact[attr[1]!] || fallback, part);
    },
    /\{[{%#]/,
  );
};

/** Kit: Liquid; subscriber.first_name / last_name / email_address, `| default: "…"`, unsubscribe_url, string literals. */
const kit: Evaluate = (t, part, d) => {
  const subscriber: Record<string, string> = { first_name: d.subscriber.firstName ?? '', last_name: d.subscriber.lastName ?? '', email_address: d.subscriber.email };
  return curly(
    'kit',
    t,
    (inner) => {
      const literal = stringLiteral(inner);
      if (literal !== undefined) return literal;
      if (inner === 'unsubscribe_url') return d.unsubscribeUrl;
      const field = /^subscriber\.(\w+)(?:\s*\|\s*default:\s*(.+))?$/.exec(inner);
      if (!field || !(field[1]! in subscriber)) return undefined;
      const fallback = field[2] === undefined ? '' : stringLiteral(field[2]);
      if (fallback === undefined) return undefined;
      return out(subscriber[field[1]!] || fallback, part);
    },
    /\{[{%]/,
  );
};

export const EVALUATORS: Record<string, Evaluate> = { mailchimp, sendgrid, mailgun, postmark, brevo, ses, resend, listmonk, kit };

/** Platforms with their own hosted copy of the message; the others link to the web version. */
export const HOSTS_WEB_VERSION = new Set(['mailchimp', 'brevo', 'listmonk']);
