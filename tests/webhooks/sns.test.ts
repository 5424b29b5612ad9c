import { execFile } from 'node:child_process';
import { randomUUID, sign } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WebhookConfig } from '../../src/webhooks/index.ts';
import { Harness, OUR_MESSAGE_ID } from './harness.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:newsletter-feedback';

/** A signing certificate as SNS has one (RSA), made by openssl, and another key that is not it. */
interface Signer {
  key: string;
  cert: string;
}
async function makeSigner(dir: string, name: string): Promise<Signer> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=sns.test.local']);
  return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
}

let dir: string;
let signer: Signer;
let stranger: Signer;
/** Serves the certificate over http on 127.0.0.1, counting what it is asked for. */
let certServer: Server;
let certRequests: string[];
let certBase: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'newsletter-sns-'));
  [signer, stranger] = await Promise.all([makeSigner(dir, 'sns'), makeSigner(dir, 'stranger')]);
  certServer = createServer((req, res) => {
    certRequests.push(req.url ?? '');
    res.end(signer.cert);
  });
  await once(certServer.listen(0, '127.0.0.1'), 'listening');
  // The URL in the messages is https (as SNS's is); the test's fetch goes to the same place over http.
  certBase = `https://127.0.0.1:${(certServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  certServer.close();
  await rm(dir, { recursive: true, force: true });
});

let h: Harness;
let confirmed: string[];
let fetched: string[];
beforeEach(async () => {
  certRequests = [];
  confirmed = [];
  fetched = [];
  const ses: WebhookConfig['ses'] = {
    topicArns: [TOPIC],
    certificateHost: /^127\.0\.0\.1$/,
    fetchCertificate: async (url) => {
      fetched.push(url);
      return (await fetch(url.replace(/^https:/, 'http:'))).text();
    },
    confirmSubscription: (url) => {
      confirmed.push(url);
      return Promise.resolve();
    },
  };
  h = await Harness.start({ ses });
});
afterEach(() => h.close());

// The string to sign, from https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
const SIGNED_FIELDS: Record<string, string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

type SnsMessage = Record<string, string>;
/** An SNS message signed as SNS signs it: version 1 SHA1withRSA, version 2 SHA256withRSA. */
function snsMessage(fields: SnsMessage, { version = '1', by = signer }: { version?: string; by?: Signer } = {}): SnsMessage {
  const message: SnsMessage = {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: TOPIC,
    Timestamp: new Date().toISOString(),
    SignatureVersion: version,
    SigningCertURL: `${certBase}/SimpleNotificationService-0000000000000000000000.pem`,
    ...fields,
  };
  const text = SIGNED_FIELDS[message.Type!]!.filter((name) => message[name] !== undefined).map((name) => `${name}\n${message[name]}\n`).join('');
  return { ...message, Signature: sign(version === '2' ? 'sha256' : 'sha1', Buffer.from(text), by.key).toString('base64') };
}

/** An SES notification (https://docs.aws.amazon.com/ses/latest/dg/notification-examples.html). */
const sesBounce = (bounceType: string, bounceSubType: string, recipient: Record<string, string>) =>
  JSON.stringify({
    notificationType: 'Bounce',
    bounce: { bounceType, bounceSubType, bouncedRecipients: [{ emailAddress: 'jane@example.com', action: 'failed', ...recipient }], timestamp: '2026-05-01T12:00:00.000Z', feedbackId: 'f-1' },
    mail: { timestamp: '2026-05-01T11:59:00.000Z', messageId: 'ses-1', source: 'news@example.com', headers: [{ name: 'Message-ID', value: OUR_MESSAGE_ID }] },
  });
const permanent = () => sesBounce('Permanent', 'General', { status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 <jane@example.com>... User unknown' });
const complaint = (feedbackType = 'abuse') =>
  JSON.stringify({ notificationType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: 'jane@example.com' }], complaintFeedbackType: feedbackType, feedbackId: 'c-1' }, mail: { messageId: 'ses-2' } });

const post = (message: SnsMessage, headers: Record<string, string> = {}) =>
  h.post('/webhooks/ses', JSON.stringify(message), { 'Content-Type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': message.Type ?? '', ...headers });

describe('POST /webhooks/ses (SES via SNS)', () => {
  it('a permanent bounce suppresses the address, once: delivered again it is 200 and changes nothing', async () => {
    const message = snsMessage({ Message: permanent() });
    expect((await post(message)).status).toBe(200);
    expect(await h.suppression()).toEqual([expect.stringMatching(/^jane@example\.com,bounced,/)]);
    expect(await h.ledger()).toEqual([
      expect.objectContaining({ id: `ses:${message.MessageId}`, source: 'webhook:ses', items: [expect.objectContaining({ kind: 'hard', email: 'jane@example.com', issue: 'issue-7', status: '5.1.1', action: 'suppressed' })] }),
    ]);
    const files = await h.files();
    expect((await post(message)).status).toBe(200);
    expect(await h.files()).toEqual(files);
    expect(h.events.map((e) => e.kind === 'webhook' && [e.recorded, e.duplicates])).toEqual([[1, 0], [0, 1]]);
    // The certificate is fetched once, then cached by URL.
    expect(certRequests).toHaveLength(1);
  });

  it.each(['1', '2'])('verifies SignatureVersion %s', async (version) => {
    expect((await post(snsMessage({ Message: complaint() }, { version }))).status).toBe(200);
    expect(await h.suppression()).toEqual([expect.stringMatching(/^jane@example\.com,complained,/)]);
  });

  it('verifies a Subject when the message has one', async () => {
    expect((await post(snsMessage({ Message: permanent(), Subject: 'Amazon SES Email Event Notification' }))).status).toBe(200);
  });

  it('a transient bounce is counted, not suppressed', async () => {
    await post(snsMessage({ Message: sesBounce('Transient', 'MailboxFull', { status: '4.2.2', diagnosticCode: 'smtp; 452 4.2.2 mailbox full' }) }));
    expect(await h.suppression()).toEqual([]);
    expect((await h.ledger())[0]?.items[0]).toMatchObject({ kind: 'soft', action: 'counted' });
  });

  it.each([
    ['a Permanent bounce whose diagnostic is a policy block', sesBounce('Permanent', 'General', { status: '5.7.1', diagnosticCode: 'smtp; 550 5.7.1 rejected by DMARC policy' }), 'sender', 'none'],
    ['an SES suppression-list bounce', sesBounce('Permanent', 'Suppressed', { diagnosticCode: 'Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an invalid address.' }), 'hard', 'suppressed'],
    ['an Undetermined bounce', sesBounce('Undetermined', 'Undetermined', {}), 'soft', 'counted'],
    ['a not-spam feedback report', complaint('not-spam'), 'ignored', 'none'],
  ])('%s', async (_label, inner, kind, action) => {
    await post(snsMessage({ Message: inner }));
    expect((await h.ledger())[0]?.items[0]).toMatchObject({ kind, action });
  });

  it('records nothing for a delivery notification', async () => {
    const res = await post(snsMessage({ Message: JSON.stringify({ notificationType: 'Delivery', mail: {}, delivery: {} }) }));
    expect(res.status).toBe(200);
    expect(await h.files()).toEqual([undefined, undefined]);
  });

  it('confirms a SubscriptionConfirmation by visiting its SubscribeURL', async () => {
    const subscribeUrl = `https://127.0.0.1/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=2336412f37`;
    const message = snsMessage({ Type: 'SubscriptionConfirmation', Token: '2336412f37', SubscribeURL: subscribeUrl, Message: `You have chosen to subscribe to the topic ${TOPIC}.` }, { version: '2' });
    const res = await post(message);
    expect(res.status).toBe(200);
    expect(confirmed).toEqual([subscribeUrl]);
    expect(h.events).toEqual([expect.objectContaining({ kind: 'webhook', provider: 'ses', recorded: 0, note: expect.stringContaining('confirmed') })]);
  });

  it('does not visit a SubscribeURL on a foreign host (403)', async () => {
    const message = snsMessage({ Type: 'SubscriptionConfirmation', Token: 't', SubscribeURL: 'https://evil.example.com/confirm', Message: 'subscribe' });
    expect((await post(message)).status).toBe(403);
    expect(confirmed).toEqual([]);
  });

  it.each([
    ['signed with another key', () => snsMessage({ Message: permanent() }, { by: stranger }), 403],
    ['changed after signing', () => ({ ...snsMessage({ Message: permanent() }), Message: permanent().replace('jane', 'joan') }), 403],
    ['from another topic', () => snsMessage({ Message: permanent(), TopicArn: 'arn:aws:sns:eu-west-1:444455556666:someone-else' }), 403],
    ['stale (two hours old)', () => snsMessage({ Message: permanent(), Timestamp: new Date(Date.now() - 2 * 3600_000).toISOString() }), 403],
    ['with its certificate over http', () => snsMessage({ Message: permanent(), SigningCertURL: certBase.replace('https:', 'http:') + '/cert.pem' }), 403],
    ['without a Signature', () => ({ ...snsMessage({ Message: permanent() }), Signature: undefined as unknown as string }), 401],
    ['with an unknown SignatureVersion', () => snsMessage({ Message: permanent() }, { version: '3' }), 401],
    ['with SignatureVersion "constructor"', () => snsMessage({ Message: permanent() }, { version: 'constructor' }), 401],
  ])('refuses a message %s, and changes nothing', async (_label, message, status) => {
    const res = await post(message());
    expect(res.status).toBe(status);
    expect(await h.files()).toEqual([undefined, undefined]);
    expect(h.events).toEqual([expect.objectContaining({ kind: 'refused', status, provider: 'ses' })]);
  });

  it('refuses a SigningCertURL on a foreign host without fetching it (403)', async () => {
    const message = snsMessage({ Message: permanent(), SigningCertURL: 'https://sns.evil.example.com/cert.pem' });
    expect((await post(message)).status).toBe(403);
    expect(fetched).toEqual([]);
    expect(certRequests).toEqual([]);
    expect(await h.files()).toEqual([undefined, undefined]);
  });

  it('answers 503 when the certificate cannot be fetched, so SNS retries', async () => {
    const message = snsMessage({ Message: permanent(), SigningCertURL: 'https://127.0.0.1:1/cert.pem' });
    expect((await post(message)).status).toBe(503);
    expect(await h.files()).toEqual([undefined, undefined]);
  });
});
