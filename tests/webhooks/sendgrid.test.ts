import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startUnsubscribeServer } from '../../src/unsubscribe/index.ts';
import { Harness, LIST, OUR_MESSAGE_ID, SECRET } from './harness.ts';

// SendGrid's Signed Event Webhook: ECDSA P-256, SHA-256 over timestamp + raw body, base64 DER signature.
const sendgridKeys = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const { privateKey, publicKey } = sendgridKeys();
/** The "Verification Key" as SendGrid's page shows it: base64 of the DER SubjectPublicKeyInfo. */
const VERIFICATION_KEY = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

const now = () => String(Math.floor(Date.now() / 1000));
function signed(body: string, { key = privateKey, timestamp = now() }: { key?: KeyObject; timestamp?: string } = {}): Record<string, string> {
  const signature = sign('sha256', Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), { key, dsaEncoding: 'der' }).toString('base64');
  return { 'Content-Type': 'application/json', 'X-Twilio-Email-Event-Webhook-Signature': signature, 'X-Twilio-Email-Event-Webhook-Timestamp': timestamp };
}

/** Events as https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event documents them. */
const event = (fields: Record<string, unknown>) => ({ email: 'jane@example.com', timestamp: 1_770_000_000, 'smtp-id': OUR_MESSAGE_ID, sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0', ...fields });
const hardBounce = event({ event: 'bounce', type: 'bounce', sg_event_id: 'ZHVtbXkgZXZlbnQgaWQ', status: '5.1.1', reason: '550 5.1.1 The email account that you tried to reach does not exist.', bounce_classification: 'Invalid Address' });
const body = (...events: unknown[]) => JSON.stringify(events);

let h: Harness;
beforeEach(async () => {
  h = await Harness.start({ sendgrid: { publicKey: VERIFICATION_KEY } });
});
afterEach(() => h.close());

describe('POST /webhooks/sendgrid', () => {
  it('a bounce suppresses the address, once: posted again it is 200 and changes nothing', async () => {
    const text = body(hardBounce);
    expect((await h.post('/webhooks/sendgrid', text, signed(text))).status).toBe(200);
    expect(await h.suppression()).toEqual([expect.stringMatching(/^jane@example\.com,bounced,/)]);
    expect(await h.ledger()).toEqual([
      expect.objectContaining({ id: 'sendgrid:ZHVtbXkgZXZlbnQgaWQ', source: 'webhook:sendgrid', items: [expect.objectContaining({ kind: 'hard', email: 'jane@example.com', issue: 'issue-7', status: '5.1.1', action: 'suppressed' })] }),
    ]);
    const files = await h.files();
    const again = await h.post('/webhooks/sendgrid', text, signed(text));
    expect(again.status).toBe(200);
    expect(await h.files()).toEqual(files);
    expect(h.events.at(-1)).toEqual({ kind: 'webhook', provider: 'sendgrid', recorded: 0, duplicates: 1 });
  });

  it('a batch of bounce, spamreport and delivered records two events (delivered is not kept)', async () => {
    const text = body(hardBounce, event({ event: 'spamreport', email: 'sam@example.com', sg_event_id: 'c3BhbQ' }), event({ event: 'delivered', email: 'dee@example.com', sg_event_id: 'ZGVs', response: '250 OK' }));
    const res = await h.post('/webhooks/sendgrid', text, signed(text));
    expect(res.status).toBe(200);
    expect((await h.ledger()).map((r) => r.id)).toEqual(['sendgrid:ZHVtbXkgZXZlbnQgaWQ', 'sendgrid:c3BhbQ']);
    expect(h.events).toEqual([{ kind: 'webhook', provider: 'sendgrid', recorded: 2, duplicates: 0 }]);
  });

  it('a spam report suppresses with reason complained', async () => {
    const text = body(event({ event: 'spamreport', sg_event_id: 'c3BhbQ' }));
    await h.post('/webhooks/sendgrid', text, signed(text));
    expect(await h.suppression()).toEqual([expect.stringMatching(/^jane@example\.com,complained,/)]);
  });

  it('a blocked bounce is soft (counted, not suppressed), or held against us when it names a blocklist', async () => {
    const text = body(
      event({ event: 'bounce', type: 'blocked', sg_event_id: 'YmxvY2s', status: '4.2.2', reason: '452 4.2.2 mailbox full' }),
      event({ event: 'bounce', type: 'blocked', email: 'bo@example.com', sg_event_id: 'c3BhbWhhdXM', status: '5.7.1', reason: '554 5.7.1 blocked using zen.spamhaus.org' }),
    );
    await h.post('/webhooks/sendgrid', text, signed(text));
    expect(await h.suppression()).toEqual([]);
    expect((await h.ledger()).map((r) => [r.items[0]?.kind, r.items[0]?.action])).toEqual([['soft', 'counted'], ['sender', 'none']]);
  });

  // A drop's reason names the SendGrid list the address is on: https://docs.sendgrid.com/glossary/drops
  it.each([
    ['Bounced Address', 'hard', 'bounced'],
    ['Spam Reporting Address', 'complaint', 'complained'],
    ['Unsubscribed Address', 'ignored', undefined],
    ['Invalid', 'ignored', undefined],
    ['Spam Content', 'ignored', undefined],
  ])('a dropped event (%s) is what the list says the address did before', async (reason, kind, suppressed) => {
    const text = body(event({ event: 'dropped', sg_event_id: 'ZHJvcA', reason }));
    await h.post('/webhooks/sendgrid', text, signed(text));
    expect(await h.suppression()).toEqual(suppressed ? [expect.stringMatching(new RegExp(`^jane@example\\.com,${suppressed},`))] : []);
    expect((await h.ledger())[0]?.items[0]).toMatchObject({ kind, action: suppressed ? 'suppressed' : 'none' });
  });

  it.each([
    ['signed with another key', (text: string) => signed(text, { key: sendgridKeys().privateKey }), 403],
    ['signed over another body', (text: string) => signed(text.replace('jane', 'joan')), 403],
    ['signed for another timestamp', (text: string) => ({ ...signed(text), 'X-Twilio-Email-Event-Webhook-Timestamp': String(Number(now()) - 1) }), 403],
    ['stale (signed 11 minutes ago)', (text: string) => signed(text, { timestamp: String(Number(now()) - 11 * 60) }), 403],
    ['without a signature', (text: string) => ({ ...signed(text), 'X-Twilio-Email-Event-Webhook-Signature': '' }), 401],
    ['without any signature header', () => ({ 'Content-Type': 'application/json' }), 401],
    ['with a garbled timestamp', (text: string) => ({ ...signed(text), 'X-Twilio-Email-Event-Webhook-Timestamp': 'yesterday' }), 401],
  ])('refuses a request %s, and changes nothing', async (_label, headers, status) => {
    const text = body(hardBounce);
    const res = await h.post('/webhooks/sendgrid', text, headers(text));
    expect(res.status).toBe(status);
    expect(await h.files()).toEqual([undefined, undefined]);
    expect(h.events).toEqual([expect.objectContaining({ kind: 'refused', status, provider: 'sendgrid' })]);
  });

  it('takes a batch far larger than a one-click body (800 kB), and refuses one over 1 MB (413)', async () => {
    const filler = Array.from({ length: 2000 }, (_, i) => event({ event: 'open', sg_event_id: `open-${i}`, useragent: 'x'.repeat(150) }));
    const big = body(hardBounce, ...filler);
    expect(big.length).toBeGreaterThan(700_000);
    expect((await h.post('/webhooks/sendgrid', big, signed(big))).status).toBe(200);
    expect(await h.ledger()).toHaveLength(1);

    const huge = body(...filler, ...filler);
    expect(huge.length).toBeGreaterThan(1024 * 1024);
    const res = await h.post('/webhooks/sendgrid', huge, signed(huge));
    expect(res.status).toBe(413);
    expect(await h.ledger()).toHaveLength(1);
  });

  it('takes the verification key as PEM too', async () => {
    await h.close();
    h = await Harness.start({ sendgrid: { publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    const text = body(hardBounce);
    expect((await h.post('/webhooks/sendgrid', text, signed(text))).status).toBe(200);
  });

  it('refuses to start with a verification key that is not one', async () => {
    await expect(startUnsubscribeServer({ port: 0, stateDir: h.state, secret: SECRET, listId: LIST, webhooks: { sendgrid: { publicKey: 'bm90IGEga2V5' } } })).rejects.toMatchObject({
      code: 'ECONFIG',
      where: 'SENDGRID_WEBHOOK_PUBLIC_KEY',
    });
  });
});
