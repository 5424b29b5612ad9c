/**
 * DKIM verification by an independent implementation (mailauth, the library
 * behind WildDuck and ZoneMTA), with the public key published in a stand-in
 * DNS: `<selector>._domainkey.<domain>` answers one TXT record, any other
 * name ENOTFOUND.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';

/** Not .env.example's DKIM_DOMAIN (a placeholder that sending refuses). */
export const DOMAIN = 'brief.example.org';
export const SELECTOR = 'mail';

export interface DkimKeys {
  /** The private key as DKIM_PRIVATE_KEY_FILE holds it. */
  pem: string;
  key: KeyObject;
  /** The TXT record a domain publishes for it. */
  record: string;
}

export function dkimKeys(modulusLength = 2048): DkimKeys {
  const { privateKey: pem, publicKey } = generateKeyPairSync('rsa', { modulusLength, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'der' } });
  return { pem, key: createPrivateKey(pem), record: `v=DKIM1; k=rsa; p=${publicKey.toString('base64')}` };
}

/** The DkimConfig env.ts makes from DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE. */
export const dkimConfig = (keys: DkimKeys) => ({ domainName: DOMAIN, keySelector: SELECTOR, key: keys.key, keyFile: 'test.pem' });

export interface Verdict {
  result: string;
  comment: string | false | undefined;
  /** The signed header names (h=), lower case. */
  signed: string[];
}

/** mailauth's verdict on the message's one DKIM signature. */
export async function verifyDkim(message: Buffer | string, keys: DkimKeys, domain = DOMAIN, selector = SELECTOR): Promise<Verdict> {
  const resolver = (name: string): Promise<string[][]> =>
    name === `${selector}._domainkey.${domain}` ? Promise.resolve([[keys.record]]) : Promise.reject(Object.assign(new Error(`no TXT record for ${name}`), { code: 'ENOTFOUND' }));
  const { results } = await dkimVerify(message, { resolver });
  if (results.length !== 1) throw new Error(`expected one DKIM signature, mailauth found ${results.length}`);
  const [result] = results as unknown as [{ status: { result: string; comment?: string | false }; signingHeaders?: { keys?: string } }];
  return { result: result.status.result, comment: result.status.comment, signed: (result.signingHeaders?.keys ?? '').toLowerCase().split(':').map((name) => name.trim()).filter(Boolean) };
}
