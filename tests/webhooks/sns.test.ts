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
import { certificateUrl, subscribeUrl } from '../../src/webhooks/sns.ts';
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
/** Serves the certificate over http on 127.0.0.1 at CERT_PATH (404 elsewhere), counting what it is asked for. */
let certServer: Server;
let certRequests: string[];
let certBase: string;
const CERT_PATH = '/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
/** What the messages name, as SNS names its certificates: https, no port, SimpleNotificationService-<hex>.pem. */
const CERT_URL = `https://127.0.0.1${CERT_PATH}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'newsletter-sns-'));
  [signer, stranger] = await Promise.all([makeSigner(dir, 'sns'), makeSigner(dir, 'stranger')]);
  certServer = createServer((req, res) => {
    certRequests.push(req.url ?? '');
    if (req.url === CERT_PATH) res.end(signer.cert);
    else res.writeHead(404).end();
  });
  await once(certServer.listen(0, '127.0.0.1'), 'listening');
  // The URL in the messages is https on the default port (as SNS's is); the test's fetch goes to this server over http.
  certBase = `http://127.0.0.1:${(certServer.address() as AddressInfo).port}`;
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
      const res = await fetch(url.replace(/^https:\/\/127\.0\.0\.1/, certBase));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.text();
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
    SigningCertURL: CERT_URL,
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
    ['an account suppression-list bounce (listed for a bounce)', sesBounce('Permanent', 'OnAccountSuppressionList', { diagnosticCode: 'Amazon SES did not send the message to this address because it is on the suppression list for your account.' }), 'hard', 'suppressed'],
    [
      'an account suppression-list complaint (listed for a complaint)',
      JSON.stringify({ notificationType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: 'jane@example.com' }], complaintSubType: 'OnAccountSuppressionList', feedbackId: 'c-2' }, mail: { messageId: 'ses-3' } }),
      'complaint',
      'suppressed',
    ],
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
    ['with its certificate over http', () => snsMessage({ Message: permanent(), SigningCertURL: CERT_URL.replace('https:', 'http:') }), 403],
    ['with its certificate at another path', () => snsMessage({ Message: permanent(), SigningCertURL: 'https://127.0.0.1/cert.pem' }), 403],
    ['with its certificate on another port', () => snsMessage({ Message: permanent(), SigningCertURL: CERT_URL.replace('127.0.0.1', '127.0.0.1:8443') }), 403],
    ['without a Signature', () => ({ ...snsMessage({ Message: permanent() }), Signature: undefined as unknown as string }), 401],
    ['with an unknown SignatureVersion', () => snsMessage({ Message: permanent() }, { version: '3' }), 401],
    ['with SignatureVersion "constructor"', () => snsMessage({ Message: permanent() }, { version: 'constructor' }), 401],
  ])('refuses a message %s, and changes nothing', async (_label, message, status) => {
    const res = await post(message());
    expect(res.status).toBe(status);
    expect(await h.files()).toEqual([undefined, undefined]);
    expect(h.events).toEqual([expect.objectContaining({ kind: 'refused', status, provider: 'ses' })]);
    // Refused before anything was fetched, or, signed by another key, after the one right certificate.
    expect(fetched.filter((url) => url !== CERT_URL)).toEqual([]);
  });

  it.each([
    ['TopicArn', () => snsMessage({ Message: permanent(), TopicArn: 'x\n2026-05-01T12:00:00.000Z  ✔ unsubscribed ad…@example.com\r\u001b[2K\u2028' })],
    ['SignatureVersion', () => snsMessage({ Message: permanent() }, { version: '9\n2026-05-01  ✔ forged' })],
  ])('writes what a request sent in its %s into the refusal reason on one line, quoted', async (_label, message) => {
    const res = await post(message());
    expect(res.status).toBeGreaterThanOrEqual(400);
    const event = h.events[0];
    expect(event?.kind).toBe('refused');
    const reason = event?.kind === 'refused' ? event.reason : '';
    // eslint-disable-next-line no-control-regex -- control characters are what must not be there
    expect(reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(reason).toMatch(/"(x|9)\\n2026-05-01/);
    expect(res.text.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a body over 300 KB (413) before verifying it, and fetches nothing', async () => {
    const message = snsMessage({ Message: permanent(), Subject: 'x'.repeat(300 * 1024) });
    const res = await post(message);
    expect(res.status).toBe(413);
    expect(fetched).toEqual([]);
    expect(await h.files()).toEqual([undefined, undefined]);
  });

  it('refuses a SigningCertURL on a foreign host without fetching it (403)', async () => {
    const message = snsMessage({ Message: permanent(), SigningCertURL: 'https://sns.evil.example.com/cert.pem' });
    expect((await post(message)).status).toBe(403);
    expect(fetched).toEqual([]);
    expect(certRequests).toEqual([]);
    expect(await h.files()).toEqual([undefined, undefined]);
  });

  it('answers 503 when the certificate cannot be fetched, so SNS retries', async () => {
    const message = snsMessage({ Message: permanent(), SigningCertURL: 'https://127.0.0.1/SimpleNotificationService-dead.pem' });
    expect((await post(message)).status).toBe(503);
    expect(await h.files()).toEqual([undefined, undefined]);
  });
});

// The production checks, without the tests' host override: where SNS certificates and confirmations may come from.
describe('SigningCertURL and SubscribeURL (the production check)', () => {
  const PEM = '/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem';

  it.each([
    `https://sns.us-east-1.amazonaws.com${PEM}`,
    `https://sns.cn-north-1.amazonaws.com.cn${PEM}`,
    `https://sns.us-gov-west-1.amazonaws.com${PEM}`,
    `https://sns.ap-southeast-2.amazonaws.com${PEM}`,
    `https://sns.eu-west-1.amazonaws.com:443${PEM}`,
  ])('takes the certificate at %s', (url) => {
    expect(certificateUrl(url)).toBe(new URL(url).href);
  });

  it.each([
    ['an S3 bucket named "sns" (global endpoint)', `https://sns.s3.amazonaws.com${PEM}`],
    ['an S3 bucket named "sns" (regional endpoint)', `https://sns.s3-ap-southeast-2.amazonaws.com${PEM}`],
    ['an S3 bucket named "sns" (dotted regional endpoint)', `https://sns.s3.us-east-1.amazonaws.com${PEM}`],
    ['another host', `https://sns.evil.example.com${PEM}`],
    ['a host that only starts like SNS', `https://sns.us-east-1.amazonaws.com.evil.example${PEM}`],
    ['another path', 'https://sns.us-east-1.amazonaws.com/cert.pem'],
    ['a path below the certificate', `https://sns.us-east-1.amazonaws.com/x${PEM}`],
    ['a query', `https://sns.us-east-1.amazonaws.com${PEM}?x=1`],
    ['http', `http://sns.us-east-1.amazonaws.com${PEM}`],
    ['a user before the SNS host', `https://evil.example.com@sns.us-east-1.amazonaws.com${PEM}`],
    ['the SNS host as a user name', `https://sns.us-east-1.amazonaws.com:443@evil.example.com${PEM}`],
    ['another port', `https://sns.us-east-1.amazonaws.com:8443${PEM}`],
    ['not a URL', 'sns.us-east-1.amazonaws.com'],
    ['not a string', 42],
  ])('refuses a certificate on %s', (_label, url) => {
    expect(certificateUrl(url)).toBeUndefined();
  });

  const CONFIRM = '/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=2336412f37';

  it.each(['sns.us-west-2.amazonaws.com', 'sns.cn-northwest-1.amazonaws.com.cn', 'sns.us-gov-east-1.amazonaws.com'])('visits a SubscribeURL on %s', (host) => {
    expect(subscribeUrl(`https://${host}${CONFIRM}`)).toBe(new URL(`https://${host}${CONFIRM}`).href);
  });

  it.each([
    ['an S3 bucket named "sns"', `https://sns.s3.amazonaws.com${CONFIRM}`],
    ['an S3 regional bucket named "sns"', `https://sns.s3-ap-southeast-2.amazonaws.com${CONFIRM}`],
    ['http', `http://sns.us-west-2.amazonaws.com${CONFIRM}`],
    ['a user', `https://me@sns.us-west-2.amazonaws.com${CONFIRM}`],
    ['a port', `https://sns.us-west-2.amazonaws.com:8443${CONFIRM}`],
    ['another action', 'https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x'],
    ['another path', `https://sns.us-west-2.amazonaws.com/confirm${CONFIRM.slice(1)}`],
  ])('does not visit a SubscribeURL on %s', (_label, url) => {
    expect(subscribeUrl(url)).toBeUndefined();
  });
});
