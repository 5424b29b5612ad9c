import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.ts';

const USER = 'postmark-hook';
const PASSWORD = 'correct-horse-battery-staple-42';
const auth = (user = USER, password = PASSWORD) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, 'Content-Type': 'application/json' });

/**
 * A bounce webhook body as Postmark documents it (https://postmarkapp.com/developer/webhooks/bounce-webhook),
 * its ID a 64-bit integer written as digits (a JS number would round it, as JSON.parse does).
 */
const bounce = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    RecordType: 'Bounce',
    MessageStream: 'outbound',
    ID: '4323372036854775807',
    Type: 'HardBounce',
    TypeCode: 1,
    Name: 'Hard bounce',
    MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
    Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
    Details: "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
    Email: 'jane@example.com',
    From: 'news@example.com',
    BouncedAt: '2026-05-01T12:00:00Z',
    ...fields,
  }).replace(/"ID":"(\d+)"/, '"ID":$1');

let h: Harness;
beforeEach(async () => {
  h = await Harness.start({ postmark: { user: USER, password: PASSWORD } });
});
afterEach(() => h.close());

describe('POST /webhooks/postmark', () => {
  it('a hard bounce suppresses the address, once: posted again it is 200 and changes nothing', async () => {
    const first = await h.post('/webhooks/postmark', bounce(), auth());
    expect(first.status).toBe(200);
    expect(await h.suppression()).toEqual([expect.stringMatching(/^jane@example\.com,bounced,/)]);
    const [record] = await h.ledger();
    expect(record).toMatchObject({ id: 'postmark:4323372036854775807', source: 'webhook:postmark', items: [{ kind: 'hard', email: 'jane@example.com', status: '5.1.1', action: 'suppressed' }] });

    const files = await h.files();
    const again = await h.post('/webhooks/postmark', bounce(), auth());
    expect(again.status).toBe(200);
    expect(await h.files()).toEqual(files);
    expect(h.events).toEqual([
      { kind: 'webhook', provider: 'postmark', recorded: 1, duplicates: 0 },
      { kind: 'webhook', provider: 'postmark', recorded: 0, duplicates: 1 },
    ]);
  });

  it('keeps 64-bit IDs exact: two bounces one apart are two records, not a duplicate', async () => {
    await h.post('/webhooks/postmark', bounce({ ID: '4323372036854775806', Type: 'SoftBounce' }), auth());
    await h.post('/webhooks/postmark', bounce({ ID: '4323372036854775807', Type: 'SoftBounce' }), auth());
    expect((await h.ledger()).map((r) => r.id)).toEqual(['postmark:4323372036854775806', 'postmark:4323372036854775807']);
  });

  it('a soft bounce is counted, not suppressed', async () => {
    const res = await h.post('/webhooks/postmark', bounce({ ID: 11, Type: 'SoftBounce', TypeCode: 4096, Details: 'smtp;452 4.2.2 mailbox full' }), auth());
    expect(res.status).toBe(200);
    expect(await h.suppression()).toEqual([]);
    expect((await h.ledger())[0]?.items).toEqual([expect.objectContaining({ kind: 'soft', email: 'jane@example.com', action: 'counted' })]);
  });

  it('a spam complaint suppresses with reason complained', async () => {
    const res = await h.post('/webhooks/postmark', bounce({ RecordType: 'SpamComplaint', ID: 42, Type: 'SpamComplaint', TypeCode: 512, Details: 'Test spam complaint details' }), auth());
    expect(res.status).toBe(200);
    expect(await h.suppression()).toEqual([expect.stringMatching(/^jane@example\.com,complained,/)]);
  });

  it('a "hard" bounce whose details name a policy block is held against us, not the subscriber', async () => {
    await h.post('/webhooks/postmark', bounce({ ID: 12, Details: 'smtp;550 Message rejected due to local policy (spamhaus)' }), auth());
    expect(await h.suppression()).toEqual([]);
    expect((await h.ledger())[0]?.items[0]).toMatchObject({ kind: 'sender', action: 'none' });
  });

  // Postmark's bounce types: https://postmarkapp.com/developer/api/bounce-api#bounce-types
  it.each([
    ['AutoResponder', 'auto-reply'],
    ['ChallengeVerification', 'auto-reply'],
    ['Blocked', 'sender'],
    ['SpamNotification', 'sender'],
    ['VirusNotification', 'sender'],
    ['Transient', 'delayed'],
    ['Unsubscribe', 'ignored'],
    ['ManuallyDeactivated', 'ignored'],
    ['constructor', 'ignored'],
  ])('records a %s bounce as %s and suppresses nobody', async (type, kind) => {
    await h.post('/webhooks/postmark', bounce({ ID: 13, Type: type }), auth());
    expect(await h.suppression()).toEqual([]);
    expect((await h.ledger())[0]?.items[0]).toMatchObject({ kind, action: 'none' });
  });

  it('a BadEmailAddress bounce ("Invalid email address") suppresses the address', async () => {
    await h.post('/webhooks/postmark', bounce({ ID: 14, Type: 'BadEmailAddress', TypeCode: 100000, Details: 'Invalid email address' }), auth());
    expect(await h.suppression()).toEqual([expect.stringMatching(/^jane@example\.com,bounced,/)]);
    expect((await h.ledger())[0]?.items[0]).toMatchObject({ kind: 'hard', action: 'suppressed' });
  });

  it('a SpamNotification (the receiver\u2019s filter) is not a complaint: nobody is suppressed', async () => {
    await h.post('/webhooks/postmark', bounce({ ID: 15, Type: 'SpamNotification', TypeCode: 512, Details: 'Message classified as bulk mail' }), auth());
    expect(await h.suppression()).toEqual([]);
  });

  it('refuses a body over 256 KB (413), and a bigger one without credentials is refused (401) before it is read', async () => {
    const big = bounce({ ID: 16, Details: 'x'.repeat(257 * 1024) });
    expect((await h.post('/webhooks/postmark', big, auth())).status).toBe(413);
    expect((await h.post('/webhooks/postmark', big, { 'Content-Type': 'application/json' })).status).toBe(401);
    expect(await h.files()).toEqual([undefined, undefined]);
  });

  it('records nothing for a delivery or an open', async () => {
    const res = await h.post('/webhooks/postmark', JSON.stringify({ RecordType: 'Delivery', Recipient: 'jane@example.com', MessageID: 'x' }), auth());
    expect(res.status).toBe(200);
    expect(await h.files()).toEqual([undefined, undefined]);
  });

  it.each([
    ['no credentials', {}],
    ['a wrong password', auth(USER, 'wrong-password-wrong-password')],
    ['a wrong user', auth('someone', PASSWORD)],
    ['a garbled header', { Authorization: 'Basic %%%' }],
  ])('refuses %s with 401 and a Basic challenge, and changes nothing', async (_label, headers) => {
    const res = await h.post('/webhooks/postmark', bounce(), headers);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="newsletter webhooks"');
    expect(await h.files()).toEqual([undefined, undefined]);
    expect(h.events).toEqual([expect.objectContaining({ kind: 'refused', status: 401, provider: 'postmark' })]);
  });

  it('refuses a body that is not JSON (400)', async () => {
    expect((await h.post('/webhooks/postmark', 'RecordType=Bounce', auth())).status).toBe(400);
  });

  it('is matched on the end of the path, so a proxy prefix works', async () => {
    expect((await h.post('/lists/brief/webhooks/postmark', bounce(), auth())).status).toBe(200);
    expect(await h.suppression()).toHaveLength(1);
  });
});
