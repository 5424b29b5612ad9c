import { createHmac, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { unsubscribeUrl, type FeedbackMessage, type FeedbackRecorder, type RecordResult } from '../../src/audience/index.ts';
import { WEBHOOK_ENV, WEBHOOK_NAMES, WEBHOOK_PROVIDERS, webhookRoute } from '../../src/webhooks/index.ts';
import { Harness, LIST, SECRET } from './harness.ts';

const MAILGUN = { signingKey: 'key-0123456789abcdef0123456789abcdef' };
const JSON_TYPE = { 'Content-Type': 'application/json' };

function mailgunFailure(): string {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const token = randomBytes(25).toString('hex');
  const signature = createHmac('sha256', MAILGUN.signingKey).update(timestamp + token).digest('hex');
  return JSON.stringify({ signature: { timestamp, token, signature }, 'event-data': { event: 'failed', id: 'evt-1', severity: 'permanent', recipient: 'jane@example.com', 'delivery-status': { code: 550, 'enhanced-code': '5.1.1', message: 'no such user' } } });
}

/** A ledger whose store fails the first `failures` times (a full disk), then works. */
class FlakyLedger implements FeedbackRecorder {
  readonly path = '/nowhere/feedback.jsonl';
  readonly repaired: string[] = [];
  readonly recorded: FeedbackMessage[] = [];
  closed = false;
  constructor(private failures: number) {}
  has = (id: string) => this.recorded.some((m) => m.id === id);
  record(message: FeedbackMessage): Promise<RecordResult> {
    if (this.failures-- > 0) return Promise.reject(new Error('ENOSPC: no space left on device'));
    if (this.has(message.id)) return Promise.resolve({ duplicate: true });
    this.recorded.push(message);
    return Promise.resolve({ duplicate: false, applied: [] });
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('webhook routes on the unsubscribe server', () => {
  it.each([
    ['ses', 'SES_SNS_TOPIC_ARN'],
    ['sendgrid', 'SENDGRID_WEBHOOK_PUBLIC_KEY'],
    ['mailgun', 'MAILGUN_WEBHOOK_SIGNING_KEY'],
    ['postmark', 'POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD'],
  ])('answers 404 on /webhooks/%s when it is not configured, naming %s', async (provider, variable) => {
    h = await Harness.start({});
    const res = await h.post(`/webhooks/${provider}`, '{}', JSON_TYPE);
    expect(res.status).toBe(404);
    expect(res.text).toBe(`${provider} webhooks are not configured: set ${variable} to turn this route on\n`);
    expect(res.text.trim().split('\n')).toHaveLength(1);
    expect(h.events).toEqual([expect.objectContaining({ kind: 'refused', status: 404, provider })]);
  });

  it.each([
    ['/webhooks/ses', 'ses'],
    ['/lists/brief/webhooks/postmark/', 'postmark'],
    ['/webhooks/mailgun/x', undefined],
    ['/webhooks/constructor', undefined],
    ['/webhooks/', undefined],
  ])('routes %s to %s', (path, provider) => {
    expect(webhookRoute(path)).toBe(provider);
  });

  it('has a route, a name and a setting for every provider', () => {
    expect(Object.keys(WEBHOOK_NAMES).sort()).toEqual([...WEBHOOK_PROVIDERS].sort());
    expect(Object.keys(WEBHOOK_ENV).sort()).toEqual([...WEBHOOK_PROVIDERS].sort());
    expect(WEBHOOK_PROVIDERS.map((p) => webhookRoute(`/webhooks/${p}`))).toEqual([...WEBHOOK_PROVIDERS]);
    expect(WEBHOOK_NAMES).toEqual({ ses: 'Amazon SES (SNS)', sendgrid: 'SendGrid', mailgun: 'Mailgun', postmark: 'Postmark' });
  });

  it('answers 405 to a GET on a webhook route', async () => {
    h = await Harness.start({ mailgun: MAILGUN });
    const res = await h.post('/webhooks/mailgun', '', {}, 'GET');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('keeps one-click unsubscribe working on every other path', async () => {
    h = await Harness.start({ mailgun: MAILGUN });
    const link = unsubscribeUrl(`${h.server.url}webhooks/unsubscribe`, 'ada@example.com', LIST, SECRET);
    const res = await fetch(link, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    expect(await h.suppression()).toEqual([expect.stringMatching(/^ada@example\.com,unsubscribed,/)]);
  });

  it('answers 500 when the ledger cannot store the event, so the ESP retries; the retry is taken', async () => {
    const ledger = new FlakyLedger(1);
    h = await Harness.start({ mailgun: MAILGUN }, { feedback: ledger });
    const body = mailgunFailure();
    const failed = await h.post('/webhooks/mailgun', body, JSON_TYPE);
    expect(failed.status).toBe(500);
    expect(h.events).toEqual([expect.objectContaining({ kind: 'error', provider: 'mailgun' })]);
    // The same request again (Mailgun's retry): its token was not remembered, since nothing was recorded.
    const retried = await h.post('/webhooks/mailgun', body, JSON_TYPE);
    expect(retried.status).toBe(200);
    expect(ledger.recorded.map((m) => m.id)).toEqual(['mailgun:evt-1']);
  });

  it('leaves a ledger it was given open on close (the caller owns it)', async () => {
    const ledger = new FlakyLedger(0);
    h = await Harness.start({ mailgun: MAILGUN }, { feedback: ledger });
    await h.close();
    h = undefined;
    expect(ledger.closed).toBe(false);
  });
});
