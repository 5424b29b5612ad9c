import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { MERGE_FIELD_NAMES } from '../../src/content/merge-fields.ts';
import { exportIssue, GMAIL_CLIP_BYTES, internalLeftovers, PLATFORMS, type ExportedIssue, type ExportedTarget, type Platform } from '../../src/export/index.ts';
import { FIXTURES, ROOT } from '../helpers/content.ts';
import { skipEngine } from './engines.ts';
import { ENGINE_OF, EVALUATORS, HOSTS_WEB_VERSION, type Delivery, type Subscriber } from './evaluators.ts';

const SEED = join(ROOT, 'content');
const EVERY_FIELD = join(FIXTURES, 'export', 'content');
// An unsubscribe URL with `&` in it: it must survive every platform's escaping inside href="…".
const UNSUB = 'https://unsub.example.net/u?list=brief&id=42';
const HOSTED = 'https://hosted.example.net/m/7';
const WEB_SEED = 'https://hemispherebrief.example.com/issues/2026-02-05-trump-petro-oval-office/';
const WEB_FIXTURE = 'https://hemispherebrief.example.com/issues/2026-03-12-every-field';
const ANA: Subscriber = { email: 'ana@example.com', firstName: 'Ana', lastName: 'Lopez' };
const NAMELESS: Subscriber = { email: 'sam@example.com' };
// listmonk names her "O'brien" (x/text/cases), where Sprig's `title` would say "O'Brien".
const NAMELESS_APOSTROPHE: Subscriber = { email: "o'brien@example.com" };
// Characters every engine escapes in HTML: none of it may reach a plain-text part as an entity.
const DARCY: Subscriber = { email: 'darcy@example.com', firstName: "D'Arcy & Co", lastName: 'Ōtani' };
const ENTITY = /&(?:#x?[0-9a-f]+|[a-z]+);/i;

const NAMES = PLATFORMS.map((p) => p.name);
let seed: ExportedIssue;
let fixture: ExportedIssue;

beforeAll(async () => {
  seed = await exportIssue({ contentDir: SEED, targets: NAMES });
  fixture = await exportIssue({ contentDir: EVERY_FIELD, targets: NAMES });
});

const target = (issue: ExportedIssue, name: string): ExportedTarget => issue.targets.find((t) => t.target === name)!;
const file = (t: ExportedTarget, name: string) => String(t.files[name]);
const platform = (name: string): Platform => PLATFORMS.find((p) => p.name === name)!;
const input = (webVersionUrl: string) => ({ fallback: 'there', webVersionUrl });
const countOf = (haystack: string, needle: string) => haystack.split(needle).length - 1;
const visible = (html: string) => parseHTML(html).document.body.textContent.replace(/\u2060/g, '').replace(/\s+/g, ' ');
const plain = (text: string) => text.replace(/\u2060/g, '').replace(/\s+/g, ' ');
// A platform may percent-encode a value inside a URL (listmonk's html/template does): compare decoded.
const decoded = (href: string | null) => (href === null ? null : decodeURIComponent(href));
// Platforms whose engine is not an npm package (Go, Django) are skipped where it is missing, except on CI.
const skipRender = (name: string) => (ENGINE_OF[name] ? skipEngine(ENGINE_OF[name]) : false);

function deliver(name: string, subscriber: Subscriber): Delivery {
  return { subscriber, unsubscribeUrl: UNSUB, hostedUrl: HOSTED, fallback: 'there' };
}

function anchor(html: string, text: string) {
  const links = [...parseHTML(html).document.querySelectorAll('a')].filter((a) => a.textContent?.trim() === text);
  expect(links, `one "${text}" link`).toHaveLength(1);
  return links[0]!;
}

describe.each(NAMES)('export for %s', (name) => {
  it('maps every internal merge field to a platform tag', () => {
    const tags = platform(name).tags(input(WEB_SEED));
    for (const field of MERGE_FIELD_NAMES)
      for (const ctx of ['html', 'attr', 'text'] as const) {
        const tag = tags[field](ctx);
        expect(tag, `${field} in ${ctx}`).not.toBe('');
        // Our camelCase names never reach a platform (`email` is also SendGrid's, SES's and Postmark's own key).
        if (field !== 'email') expect(tag, `${field} in ${ctx}`).not.toContain(field);
        if (ctx === 'attr') expect(tag, `${field} inside href="…"`).not.toContain('"');
      }
    // The every-field fixture uses all five; each platform's own tag for each one is in the HTML.
    const html = file(target(fixture, name), 'email.html');
    for (const field of ['firstName', 'lastName', 'email', 'unsubscribeUrl'] as const) expect(html).toContain(tags[field]('html').slice(0, 12));
  });

  it.each([
    ['seed issue', () => seed, WEB_SEED],
    ['every-field fixture', () => fixture, WEB_FIXTURE],
  ])('leaves no internal merge syntax in any file (%s)', (_label, issue, web) => {
    const t = target(issue(), name);
    expect(internalLeftovers(file(t, 'email.html'), 'html', platform(name), input(web))).toEqual([]);
    for (const f of ['email.txt', 'subject.txt', 'preheader.txt']) expect(internalLeftovers(file(t, f), 'text', platform(name), input(web)), f).toEqual([]);
    expect(file(t, 'email.html')).not.toMatch(/\{\{(firstName|lastName|unsubscribeUrl|webVersionUrl)\}\}|\\\{\{/);
  });

  it('puts the unsubscribe tag exactly once, as the href of the footer’s Unsubscribe link', () => {
    const html = file(target(seed, name), 'email.html');
    const tag = platform(name).tags(input(WEB_SEED)).unsubscribeUrl('attr');
    expect(countOf(html, tag)).toBe(1);
    const link = anchor(html, 'Unsubscribe');
    expect(link.getAttribute('href')).toBe(tag);
    // In the footer: after the postal address, next to "View in browser".
    expect(link.parentElement?.textContent).toContain('View in browser');
    expect(html.indexOf(tag)).toBeGreaterThan(html.indexOf('You are receiving'));
  });

  it('stays under Gmail’s clipping size', () => {
    for (const issue of [seed, fixture]) {
      const t = target(issue, name);
      expect(Buffer.byteLength(file(t, 'email.html'))).toBe(t.htmlBytes);
      expect(t.htmlBytes).toBeLessThan(GMAIL_CLIP_BYTES);
    }
  });

  it.skipIf(skipRender(name)).each([
    ['a subscriber with a first name', ANA, 'Hi Ana,'],
    ['a subscriber without one', NAMELESS, 'Hi there,'],
    ['a subscriber without one whose address has an apostrophe', NAMELESS_APOSTROPHE, 'Hi there,'],
  ])('reads right once the platform fills in the tags for %s', (_label, subscriber, greeting) => {
    const evaluate = EVALUATORS[name]!;
    const d = deliver(name, subscriber);
    const t = target(seed, name);

    const html = evaluate(file(t, 'email.html'), 'html', d);
    expect(visible(html)).toContain(greeting);
    expect(visible(html)).toContain(`because ${subscriber.email} subscribed`);
    expect(anchor(html, 'Unsubscribe').getAttribute('href')).toBe(UNSUB);
    expect(anchor(html, 'View in browser').getAttribute('href')).toBe(HOSTS_WEB_VERSION.has(name) ? HOSTED : WEB_SEED);

    const text = evaluate(file(t, 'email.txt'), 'text', d);
    expect(text).toContain(greeting);
    expect(text).toContain(UNSUB);
    expect(evaluate(file(t, 'subject.txt'), 'text', d).trim()).toBe('Trump and Petro’s unlikely Oval Office meeting');
  });

  it.skipIf(skipRender(name)).each([
    ['a subscriber with a first name', ANA, 'Ana', 'Dear Ana Lopez, this issue was sent to ana@example.com.'],
    ['a subscriber without one', NAMELESS, 'there', 'this issue was sent to sam@example.com.'],
  ])('fills every field, in text, subject, preheader and inside links, for %s', (_label, subscriber, first, sentence) => {
    const evaluate = EVALUATORS[name]!;
    const d = deliver(name, subscriber);
    const t = target(fixture, name);
    const html = evaluate(file(t, 'email.html'), 'html', d);
    expect(visible(html)).toContain(sentence);
    // A tag inside an href="…" (with & before it) stays one attribute and is filled in.
    expect(decoded(anchor(html, 'answer by name').getAttribute('href'))).toBe(`https://hemispherebrief.example.com/reply?name=${first}`);
    expect(decoded(anchor(html, 'Take the two-minute survey').getAttribute('href'))).toBe(`https://hemispherebrief.example.com/survey?src=email&who=${subscriber.email}`);
    expect(evaluate(file(t, 'subject.txt'), 'text', d).trim()).toBe(`${first}, your briefing on braces`);
    expect(plain(evaluate(file(t, 'preheader.txt'), 'text', d))).toContain(`For ${first} ${subscriber.lastName ?? ''}: literal {{not a field}} stays literal.`);
    expect(plain(evaluate(file(t, 'email.txt'), 'text', d))).toContain(sentence);
  });

  it.skipIf(skipRender(name))('plain text reads as written, with no HTML entity, for a name with \' and & and an unsubscribe URL with & and =', () => {
    const evaluate = EVALUATORS[name]!;
    const d = deliver(name, DARCY);
    // listmonk's FirstName is the first word of the name longer than two letters.
    const greeting = name === 'listmonk' ? "Hi D'Arcy," : "Hi D'Arcy & Co,";
    for (const issue of [seed, fixture]) {
      const t = target(issue, name);
      const text = evaluate(file(t, 'email.txt'), 'text', d);
      expect(text).toContain(greeting);
      expect(text).toContain(UNSUB);
      expect(text).not.toMatch(ENTITY);
      for (const f of ['subject.txt', 'preheader.txt']) expect(evaluate(file(t, f), 'text', d), f).not.toMatch(ENTITY);
    }
    expect(plain(evaluate(file(target(fixture, name), 'email.txt'), 'text', d))).toContain('this issue was sent to darcy@example.com.');
  });

  it.skipIf(skipRender(name))('keeps Outlook’s conditional comments once the platform renders the HTML', () => {
    const html = file(target(seed, name), 'email.html');
    const conditionals = (s: string) => s.match(/<!--\[if mso\]>/g)?.length ?? 0;
    const rendered = EVALUATORS[name]!(html, 'html', deliver(name, ANA));
    expect(conditionals(rendered)).toBeGreaterThan(0);
    expect(conditionals(rendered)).toBe(conditionals(html));
  });

  it.skipIf(skipRender(name))('prints literal braces and other platforms’ syntax written in content as written, never as tags', () => {
    const evaluate = EVALUATORS[name]!;
    const d = deliver(name, ANA);
    const t = target(fixture, name);
    const literals = ['{{not a field}}', '{{ subscriber.first_name }}', '*|FNAME|*', '%recipient.first_name%', '%unsubscribe_url%', '{% raw %}'];
    const html = visible(evaluate(file(t, 'email.html'), 'html', d));
    const text = plain(evaluate(file(t, 'email.txt'), 'text', d));
    for (const literal of literals) expect(html, `HTML shows ${literal}`).toContain(literal);
    // The plain text wraps at 76 columns; these all sit on one line.
    for (const literal of ['{{not a field}}', '*|FNAME|*', '%recipient.first_name%', '{% raw %}']) expect(text, `text shows ${literal}`).toContain(literal);
    // For curly-brace engines the raw HTML never carries the opener itself (it is written &#123;{).
    if (!['mailchimp', 'mailgun'].includes(name)) expect(file(t, 'email.html')).not.toContain('{{not a field');
  });
});

describe('IMPORT.md', () => {
  it.each(NAMES)('for %s names the steps, every tag used and the documentation it was checked against', (name) => {
    const guide = file(target(fixture, name), 'IMPORT.md');
    expect(guide).toMatch(/^# Import into /);
    expect(guide).toContain('## Steps');
    expect(internalLeftovers(guide, 'html', platform(name), input(WEB_SEED))).toEqual([]);
    expect(guide).toContain(platform(name).tags(input(WEB_SEED)).unsubscribeUrl('html'));
    for (const url of Object.values(platform(name).docs)) expect(guide).toContain(url);
    expect(Object.keys(platform(name).docs).length).toBeGreaterThan(0);
  });
});
