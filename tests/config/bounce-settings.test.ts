// Issue 14's settings: BOUNCE_ADDRESS, IMAP_URL and the webhook keys. An example value left in place is
// refused by the command that uses it (bounces --imap, server) and nowhere else; a wrong value is refused
// on load, naming the variable; secrets are never printed.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ENV_EXAMPLE, parseSendEnv, requireImap, webhookSettings, type EnvVars } from '../../src/config/index.ts';
import { thrownError } from '../helpers/errors.ts';


const LATER = ['IMAP_URL', 'SES_SNS_TOPIC_ARN', 'SENDGRID_WEBHOOK_PUBLIC_KEY', 'MAILGUN_WEBHOOK_SIGNING_KEY', 'POSTMARK_WEBHOOK_PASSWORD'] as const;
const SENDGRID_KEY = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

describe('the bounce and webhook settings', () => {
  it.each(LATER)('%s from .env.example loads for every other command, and is refused by the one that uses it', (name) => {
    const vars: EnvVars = { [name]: ENV_EXAMPLE[name].value, ...(name === 'POSTMARK_WEBHOOK_PASSWORD' ? { POSTMARK_WEBHOOK_USER: 'postmark' } : {}) };
    const env = parseSendEnv(vars);
    const error = thrownError(() => (name === 'IMAP_URL' ? requireImap(env) : webhookSettings(env)));
    expect(error.message).toContain(name);
    expect(error.message).toMatch(/example/);
    if (name !== 'SES_SNS_TOPIC_ARN' && name !== 'SENDGRID_WEBHOOK_PUBLIC_KEY') expect(error.message).not.toContain(ENV_EXAMPLE[name].value);
  });

  it('BOUNCE_ADDRESS from .env.example is refused on load: it would be every message\'s return path', () => {
    expect(thrownError(() => parseSendEnv({ BOUNCE_ADDRESS: ENV_EXAMPLE.BOUNCE_ADDRESS.value })).message).toMatch(/BOUNCE_ADDRESS is still the example value/);
  });

  it('takes several SES topics, a SendGrid key in base64 or PEM, and Postmark\'s user and password together', () => {
    const pem = `-----BEGIN PUBLIC KEY-----\n${SENDGRID_KEY.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
    const env = parseSendEnv({
      SES_SNS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:a, arn:aws:sns:us-east-1:111122223333:b',
      SENDGRID_WEBHOOK_PUBLIC_KEY: SENDGRID_KEY,
      POSTMARK_WEBHOOK_USER: 'pm',
      POSTMARK_WEBHOOK_PASSWORD: 'a-long-random-password-0123',
    });
    expect(webhookSettings(env)).toEqual({
      ses: { topicArns: ['arn:aws:sns:eu-west-1:111122223333:a', 'arn:aws:sns:us-east-1:111122223333:b'] },
      sendgrid: { publicKey: SENDGRID_KEY },
      postmark: { user: 'pm', password: 'a-long-random-password-0123' },
    });
    expect(parseSendEnv({ SENDGRID_WEBHOOK_PUBLIC_KEY: pem }).webhooks?.sendgrid?.publicKey).toBe(pem);
    expect(webhookSettings(parseSendEnv({}))).toEqual({});
  });

  it.each([
    [{ SENDGRID_WEBHOOK_PUBLIC_KEY: 'not-a-key' }, 'SENDGRID_WEBHOOK_PUBLIC_KEY is not an ECDSA public key'],
    [{ POSTMARK_WEBHOOK_USER: 'pm' }, 'POSTMARK_WEBHOOK_PASSWORD is missing'],
    [{ SES_SNS_TOPIC_ARN: 'newsletter-feedback' }, 'SES_SNS_TOPIC_ARN must be one or more SNS topic ARNs'],
    [{ IMAP_URL: 'https://imap.your-provider.net' }, 'IMAP_URL must be an imap:// or imaps:// URL'],
  ] as [EnvVars, string][])('%j is refused on load with the fix', (vars, message) => {
    const error = thrownError(() => parseSendEnv(vars));
    expect(error.message).toContain(message);
    expect(error.message).toContain('fix:');
  });

  it('never prints IMAP_URL\'s password, in a refusal or in the address it shows', () => {
    const env = parseSendEnv({ IMAP_URL: 'imaps://bounces:s3cr3t-pass@imap.your-provider.net:993' });
    expect(requireImap(env).display).toBe('bounces@imap.your-provider.net:993');
    const refused = thrownError(() => parseSendEnv({ IMAP_URL: 'imap://bounces:s3cr3t-pass@' }));
    expect(refused.message).not.toContain('s3cr3t');
  });
});
