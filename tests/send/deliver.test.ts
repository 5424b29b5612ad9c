import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressObject } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { exitCodeOf, sendIssue } from '../../src/send/index.ts';
import { messageIdFor } from '../../src/mail/index.ts';
import { verifyUnsubscribeToken } from '../../src/audience/token.ts';
import { tempDir } from '../helpers/cli.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server.ts';
import { journalRecords } from '../helpers/delivery.ts';
import { addressOf, envFor, fixtureIssue, LIST_ID, SECRET, SEND_FIXTURES, stateWithSuppression, writeList } from './helpers.ts';

let server: SmtpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const firstAddress = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a[0] : a)?.value[0]?.address;

describe('send to a real SMTP server', () => {
  it('gives each of 200 recipients exactly one message, personalized in both parts, with the unsubscribe headers', async () => {
    server = await startSmtpTestServer();
    const dir = await tempDir();
    const list = await writeList(dir, 200);
    const built = await fixtureIssue();
    const summary = await sendIssue({ built, listPath: list, env: envFor(server.port), stateDir: join(dir, 'state'), concurrency: 5 });

    expect(exitCodeOf(summary)).toBe(0);
    expect(summary.stats.sent).toBe(200);
    expect(server.received).toHaveLength(200);
    for (let i = 0; i < 200; i++) expect(server.count(addressOf(i)), addressOf(i)).toBe(1);

    for (const m of server.received) {
      const to = firstAddress(m.parsed.to)!;
      const i = Number(/^user(\d+)@/.exec(to)![1]);
      const { parsed } = m;
      expect(m.envelopeTo).toEqual([to]);
      expect(parsed.subject).toBe(`First${i}, your issue 3 is here`);
      expect(parsed.text).toContain(`Dear First${i} Last${i}, this copy was made for\n${to}\nalone.`); // an address has its own line
      expect(parsed.text).toContain('Literal braces stay: {{notAField}}.');
      expect(parsed.html).toContain(`Issue 3 for First${i} Last${i}`);
      expect(firstAddress(parsed.from)).toBe('brief@hemispherebrief.example.com');
      expect(firstAddress(parsed.replyTo)).toBe('editors@hemispherebrief.example.com');
      expect(parsed.messageId).toBe(messageIdFor(built.props.issue.slug, 3, to, 'hemispherebrief.example.com'));
      expect(parsed.date).toBeInstanceOf(Date);

      // multipart/alternative with a text and an HTML part
      expect(m.raw).toMatch(/^Content-Type: multipart\/alternative;/im);

      // List-* headers: mailparser folds them into headers.get('list'); the raw lines are in headerLines.
      const list = parsed.headers.get('list') as { unsubscribe: { url: string; mail: string }; 'unsubscribe-post': { name: string }; id: { id: string; name: string } };
      const url = new URL(list.unsubscribe.url);
      expect(url.origin + url.pathname).toBe('https://hemispherebrief.example.com/unsubscribe');
      expect(url.searchParams.get('e')).toBe(to);
      expect(verifyUnsubscribeToken(url.searchParams.get('t')!, to, LIST_ID, SECRET)).toBe(true);
      expect(verifyUnsubscribeToken(url.searchParams.get('t')!, 'someone-else@example.com', LIST_ID, SECRET)).toBe(false);
      expect(list.unsubscribe.mail).toBe('unsubscribe@example.com?subject=unsubscribe');
      expect(list.id.id).toBe(LIST_ID);
      const lines = Object.fromEntries(parsed.headerLines.map((h) => [h.key, h.line.replace(/\r\n\s+/g, ' ')]));
      expect(lines['list-unsubscribe-post']).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
      expect(lines['list-unsubscribe']).toBe(`List-Unsubscribe: <${list.unsubscribe.url}>, <mailto:unsubscribe@example.com?subject=unsubscribe>`);
      expect(lines['list-id']).toBe(`List-ID: "The Hemisphere Brief" <${LIST_ID}>`);
      // The body's unsubscribe link is the same personal URL (entity-encoded in the HTML attribute).
      const href = /<a href="([^"]*)"[^>]*>Unsubscribe<\/a>/.exec(String(parsed.html))?.[1];
      expect(href?.replaceAll('&#x3D;', '=').replaceAll('&amp;', '&')).toBe(list.unsubscribe.url);
      expect(parsed.text).toContain(list.unsubscribe.url);
    }

    const records = await journalRecords(summary.journal!);
    expect(records.filter((r) => r.s === 'sent')).toHaveLength(200);
    expect(records.find((r) => r.s === 'sent')).toMatchObject({ r: expect.stringMatching(/^250 /) });
  });

  it('escapes HTML-special characters in names in the HTML part and keeps them literal in the text part and subject', async () => {
    server = await startSmtpTestServer();
    const dir = await tempDir();
    const summary = await sendIssue({ built: await fixtureIssue(), listPath: join(SEND_FIXTURES, 'special-names.csv'), env: envFor(server.port), stateDir: join(dir, 'state') });
    expect(exitCodeOf(summary)).toBe(0);
    const by = (addr: string) => server!.received.find((m) => m.envelopeTo[0] === addr)!;

    const amp = by('amp@example.com');
    expect(amp.parsed.subject).toBe('Tom & Jerry, your issue 3 is here');
    expect(amp.parsed.text).toContain('Dear Tom & Jerry <b>Bold</b>,');
    expect(amp.parsed.html).toContain('Dear Tom &amp; Jerry &lt;b&gt;Bold&lt;/b&gt;,');
    expect(amp.parsed.html).not.toContain('<b>Bold</b>');

    const quote = by('quote@example.com');
    expect(quote.parsed.subject).toBe('Say "hi", your issue 3 is here');
    expect(quote.parsed.text).toContain(`Dear Say "hi" O'Brien,`);
    expect(quote.parsed.html).toMatch(/Dear Say &quot;hi&quot; O&#x27;Brien,|Dear Say &quot;hi&quot; O&#39;Brien,/);

    // No first name: the greeting fallback.
    const solo = by('nofirst@example.com');
    expect(solo.parsed.subject).toBe('there, your issue 3 is here');
    expect(solo.parsed.text).toContain('Hi there,');
  });

  it('refuses CR/LF in CSV fields: those rows are reported and skipped, nobody else is affected, no header is injected', async () => {
    server = await startSmtpTestServer();
    const dir = await tempDir();
    const summary = await sendIssue({ built: await fixtureIssue(), listPath: join(SEND_FIXTURES, 'injection.csv'), env: envFor(server.port), stateDir: join(dir, 'state') });
    expect(summary.tally.invalid).toBe(2);
    expect(server.received.map((m) => m.envelopeTo[0]).sort()).toEqual(['after@example.com', 'ok@example.com']);
    expect(server.count('victim@example.com')).toBe(0);
    for (const m of server.received) expect(m.raw).not.toMatch(/^Bcc:/im);
    const csv = await readFile(summary.failuresCsv!, 'utf8');
    expect(csv).toMatch(/inject@example\.com|,3,invalid,/);
    expect(csv).toContain('line break');
    // Invalid rows are skipped by a rule, not delivery failures.
    expect(exitCodeOf(summary)).toBe(0);
  });

  it('honours the suppression list and the CSV status column, and records the skips', async () => {
    server = await startSmtpTestServer();
    const dir = await tempDir();
    const state = await stateWithSuppression(dir);
    const summary = await sendIssue({ built: await fixtureIssue(), listPath: join(SEND_FIXTURES, 'statuses.csv'), env: envFor(server.port), stateDir: state });
    expect(server.received.map((m) => m.envelopeTo[0]).sort()).toEqual(['five@example.com', 'one@example.com']);
    expect(server.count('suppressed@example.com')).toBe(0);
    expect(summary.tally).toMatchObject({ suppressed: 1, byStatus: 3, invalid: 1, duplicate: 1 });
    expect(exitCodeOf(summary)).toBe(0);
    const skipped = (await journalRecords(summary.journal!)).filter((r) => r.s === 'skipped');
    expect(skipped.map((r) => r.e).sort()).toEqual(['four@example.com', 'suppressed@example.com', 'three@example.com', 'two@example.com']);
  });

  it('resumes with --limit without sending anyone twice', async () => {
    server = await startSmtpTestServer({ countOnly: true });
    const dir = await tempDir();
    const list = await writeList(dir, 60);
    const opts = { built: await fixtureIssue(), listPath: list, env: envFor(server.port), stateDir: join(dir, 'state') };
    const first = await sendIssue({ ...opts, limit: 25 });
    expect(first.stats.sent).toBe(25);
    expect(first.tally.leftByLimit).toBe(35);
    const second = await sendIssue(opts);
    expect(second.stats.sent).toBe(35);
    expect(second.tally.sentEarlier).toBe(25);
    const third = await sendIssue(opts);
    expect(third.stats.sent).toBe(0);
    for (let i = 0; i < 60; i++) expect(server.count(addressOf(i))).toBe(1);
  });
});

describe('--rate', () => {
  it('holds across all connections together: no one-second window hands more than rate (+1) messages to the server', async () => {
    server = await startSmtpTestServer({ countOnly: true });
    const dir = await tempDir();
    const list = await writeList(dir, 45);
    const summary = await sendIssue({ built: await fixtureIssue(), listPath: list, env: envFor(server.port), stateDir: join(dir, 'state'), concurrency: 5, rate: 20 });
    expect(summary.stats.sent).toBe(45);
    // When each message was handed to the transport ('sending' records): an upper bound, so a slow machine cannot break it.
    const times = (await journalRecords(summary.journal!)).flatMap((r) => (r.s === 'sending' ? [r.t] : [])).sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 1000) j++;
      most = Math.max(most, i - j + 1);
    }
    expect(most).toBeLessThanOrEqual(21);
  });
});
