import { createHmac, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.ts';

const SIGNING_KEY = 'key-0123456789abcdef0123456789abcdef';
const JSON_TYPE = { 'Content-Type': 'application/json' };

/** Mailgun's signature block: hex HMAC-SHA256(signing key, timestamp + token), a fresh token per request. */
function signature({ key = SIGNING_KEY, timestamp = Math.floor(Date.now() / 1000), token = randomBytes(25).toString('hex') } = {}) {
  return { timestamp: String(timestamp), token, signature: createHmac('sha256', key).update(`${timestamp}${token}`).digest('hex') };
}

/** event-data as https://documentation.mailgun.com/docs/mailgun/user-manual/events/event-types shows it. */
const failed = (fields: Record<string, unknown> = {}) => ({
  event: 'failed',
  id: 'G9Bn5sl1TC6nu79C8C0bwg',
  timestamp: 1_770_000_000.0,
  severity: 'permanent',
  reason: 'bounce',
  recipient: 'jane@example.com',
  'delivery-status': { code: 550, message: '5.1.1 The email account that you tried to reach does not exist.', description: '', 'enhanced-code': '5.1.1' },
  message: { headers: { 'message-id': '0123456789abcdef0123456789abcdef.issue-7@news.example.com', to: 'jane@example.com' } },
  ...fields,
});
const webhook = (eventData: unknown, sig = signature()) => JSON.stringify({ signature: sig, 'event-data': eventData });

let h: Harness;
beforeEach(async () => {
  h = await Harness.start({ mailgun: { signingKey: SIGNING_KEY } });
});
afterEach(() => h.close());

describe('POST /webhooks/mailgun', () => {
  it('a permanent failure suppresses the address, once: sent again (newly signed) it is 200 and changes nothing', async () => {
    expect((await h.post('/webhooks/mailgun', webhook(failed()), JSON_TYPE)).status).toBe(200);
    expect(await h.suppression()).toEqual([expect.stringMatching(/^jane@example\.com,bounced,/)]);
    expect(await h.ledger()).toEqual([
      expect.objectContaining({ id: 'mailgun:G9Bn5sl1TC6nu79C8C0bwg', source: 'webhook:mailgun', items: [expect.objectContaining({ kind: 'hard', status: '5.1.1', issue: 'issue-7', action: 'suppressed' })] }),
    ]);
    const files = await h.files();
    const again = await h.post('/webhooks/mailgun', webhook(failed()), JSON_TYPE);
    expect(again.status).toBe(200);
    expect(await h.files()).toEqual(files);
    expect(h.events.at(-1)).toEqual({ kind: 'webhook', provider: 'mailgun', recorded: 0, duplicates: 1 });
  });

  it('refuses a replayed token (the very same request again) with 403', async () => {
    const text = webhook(failed());
    expect((await h.post('/webhooks/mailgun', text, JSON_TYPE)).status).toBe(200);
    const replay = await h.post('/webhooks/mailgun', text, JSON_TYPE);
    expect(replay.status).toBe(403);
    expect(replay.text).toMatch(/token seen before/);
  });

  it('a temporary failure is counted, not suppressed', async () => {
    const temporary = failed({ id: 'tmp1', severity: 'temporary', reason: 'generic', 'delivery-status': { code: 452, message: '4.2.2 The email account that you tried to reach is over quota.' } });
    await h.post('/webhooks/mailgun', webhook(temporary), JSON_TYPE);
    expect(await h.suppression()).toEqual([]);
    expect((await h.ledger())[0]?.items[0]).toMatchObject({ kind: 'soft', status: '4.0.0', action: 'counted' });
  });

  it('a permanent failure without an enhanced code reads the SMTP reply class ("550" → 5.0.0) and the words', async () => {
    await h.post('/webhooks/mailgun', webhook(failed({ id: 'p2', 'delivery-status': { code: 550, message: 'No such user here' } })), JSON_TYPE);
    expect((await h.ledger())[0]?.items[0]).toMatchObject({ kind: 'hard', status: '5.0.0' });
  });

  it('a failure Mailgun never sent (its own suppression list) is recorded as ignored', async () => {
    await h.post('/webhooks/mailgun', webhook(failed({ id: 'sup', reason: 'suppress-bounce', 'delivery-status': { code: 605, message: 'Not delivering to previously bounced address' } })), JSON_TYPE);
    expect(await h.suppression()).toEqual([]);
    expect((await h.ledger())[0]?.items[0]).toMatchObject({ kind: 'ignored', action: 'none' });
  });

  it('a complaint suppresses with reason complained', async () => {
    await h.post('/webhooks/mailgun', webhook({ event: 'complained', id: 'cmp1', recipient: 'jane@example.com', timestamp: 1_770_000_000 }), JSON_TYPE);
    expect(await h.suppression()).toEqual([expect.stringMatching(/^jane@example\.com,complained,/)]);
  });

  it('records nothing for a delivery', async () => {
    const res = await h.post('/webhooks/mailgun', webhook({ event: 'delivered', id: 'd1', recipient: 'jane@example.com' }), JSON_TYPE);
    expect(res.status).toBe(200);
    expect(await h.files()).toEqual([undefined, undefined]);
  });

  it.each([
    ['signed with another key', () => webhook(failed(), signature({ key: 'key-not-the-one-0000000000000000' })), 403],
    ['with a signature of someone else’s token', () => webhook(failed(), { ...signature(), token: 'another-token' }), 403],
    ['stale (signed 11 minutes ago)', () => webhook(failed(), signature({ timestamp: Math.floor(Date.now() / 1000) - 11 * 60 })), 403],
    ['without a signature', () => JSON.stringify({ 'event-data': failed() }), 401],
    ['with a garbled signature', () => webhook(failed(), { ...signature(), signature: 'not hex' }), 401],
  ])('refuses a request %s (%i), and changes nothing', async (_label, text, status) => {
    const res = await h.post('/webhooks/mailgun', text(), JSON_TYPE);
    expect(res.status).toBe(status);
    expect(await h.files()).toEqual([undefined, undefined]);
    expect(h.events).toEqual([expect.objectContaining({ kind: 'refused', status, provider: 'mailgun' })]);
  });
});
