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
const webhook = (eventData: unknown, sig: Record<string, string> = signature()) => JSON.stringify({ signature: sig, 'event-data': eventData });

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
      expect.objectContaining({ id: 'mailgun:G9Bn5sl1TC6nu79C8C0bwg:1770000000', source: 'webhook:mailgun', items: [expect.objectContaining({ kind: 'hard', status: '5.1.1', issue: 'issue-7', action: 'suppressed' })] }),
    ]);
    const files = await h.files();
    const again = await h.post('/webhooks/mailgun', webhook(failed()), JSON_TYPE);
    expect(again.status).toBe(200);
    expect(await h.files()).toEqual(files);
    expect(h.events.at(-1)).toEqual({ kind: 'webhook', provider: 'mailgun', recorded: 0, duplicates: 1 });
  });

  it('answers the very same request again (a resend after our 200 was lost) with 200, a duplicate, not 403', async () => {
    const text = webhook(failed());
    expect((await h.post('/webhooks/mailgun', text, JSON_TYPE)).status).toBe(200);
    const files = await h.files();
    const resend = await h.post('/webhooks/mailgun', text, JSON_TYPE);
    expect(resend.status).toBe(200);
    expect(await h.files()).toEqual(files);
    expect(h.events.at(-1)).toEqual({ kind: 'webhook', provider: 'mailgun', recorded: 0, duplicates: 1 });
  });

  it('refuses a recorded token carrying another event (the signature does not cover the event) with 403', async () => {
    const sig = signature();
    expect((await h.post('/webhooks/mailgun', webhook(failed(), sig), JSON_TYPE)).status).toBe(200);
    const files = await h.files();
    const forged = await h.post('/webhooks/mailgun', webhook(failed({ id: 'forged', recipient: 'joan@example.com' }), sig), JSON_TYPE);
    expect(forged.status).toBe(403);
    expect(forged.text).toMatch(/token seen before with another event/);
    expect(await h.files()).toEqual(files);
  });

  it('records a temporary failure as delayed, applying nothing: three retries of one message suppress nobody', async () => {
    const retry = (id: string, at: number) =>
      failed({ id, timestamp: at, severity: 'temporary', reason: 'generic', 'delivery-status': { code: 451, message: '4.7.1 Greylisted, please try again later', 'enhanced-code': '4.7.1' } });
    for (const [i, id] of ['tmp1', 'tmp2', 'tmp3'].entries()) expect((await h.post('/webhooks/mailgun', webhook(retry(id, 1_770_000_000 + i * 300)), JSON_TYPE)).status).toBe(200);
    expect(await h.suppression()).toEqual([]);
    expect((await h.ledger()).map((r) => [r.items[0]?.kind, r.items[0]?.action])).toEqual([['delayed', 'none'], ['delayed', 'none'], ['delayed', 'none']]);
  });

  it('counts the permanent failure Mailgun sends when it gives up retrying (4xx, "old") as one soft bounce', async () => {
    const gaveUp = failed({ id: 'old1', reason: 'old', 'delivery-status': { code: 452, message: '4.2.2 The email account that you tried to reach is over quota.' } });
    await h.post('/webhooks/mailgun', webhook(gaveUp), JSON_TYPE);
    expect(await h.suppression()).toEqual([]);
    expect((await h.ledger())[0]?.items[0]).toMatchObject({ kind: 'soft', status: '4.0.0', action: 'counted' });
  });

  it('keeps two events with the same id on different days apart (Mailgun ids are unique within a day only)', async () => {
    await h.post('/webhooks/mailgun', webhook(failed({ id: 'same', severity: 'permanent', timestamp: 1_770_000_000.25 })), JSON_TYPE);
    await h.post('/webhooks/mailgun', webhook(failed({ id: 'same', recipient: 'sam@example.com', timestamp: 1_770_200_000.5 })), JSON_TYPE);
    expect((await h.ledger()).map((r) => r.id)).toEqual(['mailgun:same:1770000000.25', 'mailgun:same:1770200000.5']);
    expect(await h.suppression()).toHaveLength(2);
  });

  it('takes a subaccount event whose parent-signature (the primary account key) matches', async () => {
    const sig = signature({ key: 'key-of-the-subaccount-not-ours-000000' });
    const parent = createHmac('sha256', SIGNING_KEY).update(`${sig.timestamp}${sig.token}`).digest('hex');
    expect((await h.post('/webhooks/mailgun', webhook(failed(), { ...sig, 'parent-signature': parent }), JSON_TYPE)).status).toBe(200);
    expect(await h.suppression()).toHaveLength(1);
  });

  it('takes an event whose own signature matches, with a parent-signature of another key', async () => {
    const sig = signature();
    const other = createHmac('sha256', 'key-of-someone-else-000000000000').update(`${sig.timestamp}${sig.token}`).digest('hex');
    expect((await h.post('/webhooks/mailgun', webhook(failed(), { ...sig, 'parent-signature': other }), JSON_TYPE)).status).toBe(200);
  });

  it('refuses a body over 256 KB (413) before verifying it', async () => {
    const res = await h.post('/webhooks/mailgun', webhook(failed({ padding: 'x'.repeat(257 * 1024) })), JSON_TYPE);
    expect(res.status).toBe(413);
    expect(await h.files()).toEqual([undefined, undefined]);
  });

  it('a permanent failure without an enhanced code reads the SMTP reply class ("550" → 5.0.0) and the words', async () => {
    await h.post('/webhooks/mailgun', webhook(failed({ id: 'p2', 'delivery-status': { code: 550, message: 'No such user here' } })), JSON_TYPE);
    expect((await h.ledger())[0]?.items[0]).toMatchObject({ kind: 'hard', status: '5.0.0' });
  });

  it.each([
    ['suppress-bounce', 'Not delivering to previously bounced address', 'hard', 'bounced'],
    ['suppress-complaint', 'Not delivering to a user who marked your messages as spam', 'complaint', 'complained'],
    ['suppress-unsubscribe', 'Not delivering to unsubscribed address', 'ignored', undefined],
  ])('a failure Mailgun never sent (%s, its own list) is what the list says the address did before', async (reason, message, kind, suppressed) => {
    await h.post('/webhooks/mailgun', webhook(failed({ id: 'sup', reason, 'delivery-status': { code: 605, message } })), JSON_TYPE);
    expect(await h.suppression()).toEqual(suppressed ? [expect.stringMatching(new RegExp(`^jane@example\\.com,${suppressed},`))] : []);
    expect((await h.ledger())[0]?.items[0]).toMatchObject({ kind, action: suppressed ? 'suppressed' : 'none' });
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
    ['with a garbled parent-signature', () => webhook(failed(), { ...signature(), 'parent-signature': 'not hex' }), 401],
    ['with neither signature of our key', () => webhook(failed(), { ...signature({ key: 'key-not-the-one-0000000000000000' }), 'parent-signature': signature({ key: 'key-not-the-one-1111111111111111' }).signature }), 403],
  ])('refuses a request %s (%i), and changes nothing', async (_label, text, status) => {
    const res = await h.post('/webhooks/mailgun', text(), JSON_TYPE);
    expect(res.status).toBe(status);
    expect(await h.files()).toEqual([undefined, undefined]);
    expect(h.events).toEqual([expect.objectContaining({ kind: 'refused', status, provider: 'mailgun' })]);
  });
});
