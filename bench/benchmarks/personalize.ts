/**
 * 3. personalize: messages per second for 100,000 generated subscribers, on
 * one core (this process's main thread), in stages that each add work:
 *   fill      Handlebars fills the HTML, text and subject templates (values precomputed)
 *   bytes     messageFor from src/mail: the signed unsubscribe URL, the headers and both
 *             quoted-printable parts spliced into the RFC 822 message, a Buffer ready for SMTP
 *   rsa-sign  crypto.sign('sha256', ~300 bytes, RSA-2048 key) alone: the floor of any DKIM signer
 *   signed    messageFor with DKIM on (prepareIssue's `dkim`, as send and test-send prepare it):
 *             the bytes and their DKIM-Signature (src/mail/dkim.ts, rsa-sha256, relaxed/relaxed)
 *   nodemailer-dkim  for comparison, no target: the unsigned bytes through nodemailer's own DKIM
 *             stream (nodemailer/lib/dkim, what its transport's `dkim` option runs), key parsed once
 * fill and bytes go through all 100,000 in batches of 5,000; the signing stages
 * cost a signature each (~0.3 ms), so they take every 20th subscriber of each
 * batch (250). Batches of the stages alternate. Every bytes and signed batch's
 * first message is parsed back with mailparser and checked (outside the timing),
 * and one signed message is verified with mailauth (an independent DKIM verifier).
 */
import { generateKeyPairSync, createPrivateKey, sign } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { buffer } from 'node:stream/consumers';
import { simpleParser } from 'mailparser';
import DKIM from 'nodemailer/lib/dkim';
import { mergeValues, personalize, type MergeValues } from '../../src/personalize/index.ts';
import { DKIM_SIGNED_HEADERS, messageFor, prepareIssue } from '../../src/mail/index.ts';
import { parseSendEnv } from '../../src/config/index.ts';
import { unsubscribeUrl } from '../../src/audience/token.ts';
import { alternate } from '../lib/alternate.ts';
import { ROOT, seedIssue } from '../lib/seed.ts';
import { fakeSubscriber, type FakeSubscriber } from '../lib/subscribers.ts';
import { atLeast, median, rateFigure, type BenchResult } from '../lib/stats.ts';

const SUBSCRIBERS = 100_000;
const BATCH = 5_000;
/** rsa-sign and signed: every STRIDE-th subscriber of each batch. */
const STRIDE = 20;
const SECRET = 'bench-unsubscribe-secret-0123456789abcdef';
const DATE = new Date('2026-02-05T12:00:00Z');
const STAGES = ['fill', 'bytes', 'rsa-sign', 'signed', 'nodemailer-dkim'] as const;
const DOMAIN = 'hemispherebrief.example.com';
const SELECTOR = 'mail';
type Stage = (typeof STAGES)[number];

/** The signed message: nodemailer's DKIM signer reading the bytes, as the transport's stream step does. */
const dkimSigned = (dkim: DKIM, raw: Buffer): Promise<Buffer> => buffer(dkim.sign(raw));

export async function personalizeBench(log: (line: string) => void): Promise<BenchResult> {
  const started = performance.now();
  const built = await seedIssue();
  const { props } = built;
  const { issue, newsletter } = props;
  const env = parseSendEnv({ UNSUBSCRIBE_SECRET: SECRET, SMTP_URL: 'smtp://127.0.0.1:2525' }, ROOT);
  // RSA-2048, as .env.example suggests for DKIM_PRIVATE_KEY_FILE.
  const { privateKey: pem, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'der' } });
  const key = createPrivateKey(pem);
  // What send prepares once per run: the templates compiled, config resolved, the message template made;
  // `signing` also the DKIM signer, as send and test-send prepare it from DKIM_* (the key parsed once, by env.ts).
  const prepared = prepareIssue(built, env, SECRET);
  const signing = prepareIssue(built, env, SECRET, { dkim: { domainName: DOMAIN, keySelector: SELECTOR, key, keyFile: 'bench.pem' } });
  const subscribers: FakeSubscriber[] = Array.from({ length: SUBSCRIBERS }, (_, i) => fakeSubscriber(i));
  // The fill stage starts from ready values (URLs signed beforehand), so it times Handlebars alone.
  const values: MergeValues[] = subscribers.map((s) =>
    mergeValues(s, { webVersionUrl: issue.webVersionUrl, unsubscribeUrl: unsubscribeUrl(newsletter.unsubscribeUrl, s.email, newsletter.listId, SECRET) }, newsletter.greetingFallback),
  );
  // nodemailer's DKIM as its transport would run it with our header list; the key as a KeyObject
  // (crypto's Sign#sign, which it hands the key to, takes one: no PEM decoding per signature).
  const dkimWithKey = new DKIM({ domainName: DOMAIN, keySelector: SELECTOR, privateKey: key, headerFieldNames: DKIM_SIGNED_HEADERS });
  // About what a DKIM signer signs: the canonical signed headers and the DKIM-Signature field.
  const signedData = (i: number) => Buffer.from(`from:The Hemisphere Brief <brief@hemispherebrief.example.com>\r\nto:${subscribers[i]!.email}\r\nsubject:${issue.subject}\r\ndate:Thu, 05 Feb 2026 12:00:00 +0000\r\nmessage-id:<${i}.issue-1@hemispherebrief.example.com>\r\nlist-unsubscribe-post:List-Unsubscribe=One-Click\r\ndkim-signature:v=1; a=rsa-sha256; c=relaxed/relaxed; d=hemispherebrief.example.com; bh=${'x'.repeat(44)}; b=`);

  let kept = 0;
  const samples: Buffer[] = [];
  const signedSamples: Buffer[] = [];
  /** Each stage runs one batch (batch k of the list) and returns how many messages it made. */
  const stages: Record<Stage, (from: number) => Promise<number> | number> = {
    fill: (from) => {
      for (let i = from; i < from + BATCH; i++) {
        const p = personalize(prepared.compiled, values[i]!);
        kept += p.html.length + p.text.length + p.subject.length;
      }
      return BATCH;
    },
    bytes: (from) => {
      for (let i = from; i < from + BATCH; i++) {
        const raw = messageFor(prepared, subscribers[i]!, DATE).raw as Buffer;
        kept += raw.length;
        if (i === from) samples.push(raw);
      }
      return BATCH;
    },
    'rsa-sign': (from) => {
      for (let i = from; i < from + BATCH; i += STRIDE) kept += sign('sha256', signedData(i), key).length;
      return BATCH / STRIDE;
    },
    signed: (from) => {
      for (let i = from; i < from + BATCH; i += STRIDE) {
        const bytes = messageFor(signing, subscribers[i]!, DATE).raw as Buffer;
        kept += bytes.length;
        if (i === from) signedSamples.push(bytes);
      }
      return BATCH / STRIDE;
    },
    'nodemailer-dkim': async (from) => {
      for (let i = from; i < from + BATCH; i += STRIDE) {
        const bytes = await dkimSigned(dkimWithKey, messageFor(prepared, subscribers[i]!, DATE).raw as Buffer);
        kept += bytes.length;
        if (i === from) signedSamples.push(bytes);
      }
      return BATCH / STRIDE;
    },
  };

  // One round = one batch of each stage; rounds walk through the list. The warm-up round re-runs batch 0.
  const batches = SUBSCRIBERS / BATCH;
  const wall = new Map<Stage, number[]>(STAGES.map((s) => [s, []]));
  const cpu = new Map<Stage, number[]>(STAGES.map((s) => [s, []]));
  let round = -1;
  const measure = (name: Stage) => async () => {
    const from = Math.max(0, round) * BATCH;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const made = await stages[name](from);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (round >= 0) {
      wall.get(name)!.push(made / (ms / 1000));
      cpu.get(name)!.push(made / ((c.user + c.system) / 1e6));
    }
    return ms;
  };
  await alternate(
    STAGES.map((name) => ({ name, run: measure(name) })),
    {
      warmup: 0,
      rounds: batches + 1,
      onRound: (r) => {
        round = r - 1; // round -1 (the first) is the warm-up
        if (r % 5 === 0) log(`personalize: ${r - 1}/${batches} batches of ${BATCH}`);
      },
    },
  );
  if (kept === 0) throw new Error('nothing personalized');

  // Check the work: parse messages back and compare with what this subscriber should get.
  // Round r made batch max(0, r - 1) (the warm-up re-runs batch 0); the two signing stages each add one sample a round.
  const checked = [...samples.map((raw, r) => [raw, r] as const), ...signedSamples.map((raw, k) => [raw, Math.floor(k / 2)] as const)];
  for (const [raw, r] of checked) {
    const s = subscribers[Math.max(0, r - 1) * BATCH]!;
    const mail = await simpleParser(raw);
    const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
    const greeting = `Hi ${s.firstName ?? newsletter.greetingFallback},`;
    const escaped = greeting.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    if (to?.value[0]?.address !== s.email) throw new Error(`message for ${s.email} is addressed to ${to?.text}`);
    if (!mail.text?.includes(greeting)) throw new Error(`text part for ${s.email} lacks "${greeting}"`);
    if (typeof mail.html !== 'string' || !(mail.html.includes(escaped) || mail.html.includes(escaped.replace(/'/g, '&#x27;'))))
      throw new Error(`HTML part for ${s.email} lacks the escaped "${escaped}"`);
    const unsubscribe = mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '';
    if (!unsubscribe.includes(`e=${encodeURIComponent(s.email)}`) || !/[?&]t=[\w-]{43}/.test(unsubscribe))
      throw new Error(`message for ${s.email} has no List-Unsubscribe with its own token: ${unsubscribe}`);
    if (raw.toString('latin1').split('\r\n').some((line) => line.length > 998)) throw new Error(`message for ${s.email} has a line over 998 octets`);
  }
  for (const raw of signedSamples) {
    const signature = (await simpleParser(raw)).headerLines.find((h) => h.key === 'dkim-signature')?.line.replace(/\r\n\s+/g, '') ?? '';
    if (!/h=[^;]*list-unsubscribe-post/i.test(signature) || !/\bb=[\w+/=]{300,}/.test(signature)) throw new Error(`signed message lacks a DKIM-Signature covering List-Unsubscribe-Post: ${signature}`);
  }
  // One signed message of ours through an independent verifier, the public key published in a stand-in DNS.
  const record = `v=DKIM1; k=rsa; p=${publicKey.toString('base64')}`;
  const resolver = (name: string): Promise<string[][]> =>
    name === `${SELECTOR}._domainkey.${DOMAIN}` ? Promise.resolve([[record]]) : Promise.reject(Object.assign(new Error(`no TXT record for ${name}`), { code: 'ENOTFOUND' }));
  const verdict = (await dkimVerify(signedSamples[0]!, { resolver })).results[0];
  if (verdict?.status.result !== 'pass') throw new Error(`the signed message does not verify with mailauth: ${verdict?.status.result} ${verdict?.status.comment}`);
  if (samples.length !== batches + 1 || signedSamples.length !== 2 * (batches + 1)) throw new Error('missing samples');

  const size = samples[0]?.length ?? 0;
  const runs = (name: Stage) => wall.get(name)!;
  const cpuRuns = (name: Stage) => cpu.get(name)!;
  const ratio = median(runs('signed')) / median(runs('rsa-sign'));
  const cpuRatio = median(cpuRuns('signed')) / median(cpuRuns('rsa-sign'));
  const nodemailerRatio = median(runs('nodemailer-dkim')) / median(runs('rsa-sign'));
  return {
    name: 'personalize',
    figures: [
      rateFigure('fill: Handlebars HTML + text + subject', 'msg/s', runs('fill')),
      rateFigure('bytes: messageFor, RFC 822 bytes ready for SMTP (unsigned)', 'msg/s', runs('bytes'), `${(size / 1024).toFixed(1)} KB each`),
      rateFigure('bytes, per CPU-second', 'msg/s', cpuRuns('bytes')),
      rateFigure('rsa-sign: crypto.sign RSA-2048 alone', 'sig/s', runs('rsa-sign'), `every ${STRIDE}th subscriber`),
      rateFigure('signed: messageFor with DKIM (RSA-2048), as send makes each message', 'msg/s', runs('signed'), `every ${STRIDE}th subscriber; ${ratio.toFixed(2)}× rsa-sign`),
      rateFigure('nodemailer DKIM stream, key parsed once (comparison, no target)', 'msg/s', runs('nodemailer-dkim'), `the unsigned bytes through nodemailer/lib/dkim; ${nodemailerRatio.toFixed(2)}× rsa-sign`),
    ],
    checks: [
      atLeast('personalize: unsigned messages ready for SMTP per second, one core', median(runs('bytes')), 100_000, 'msg/s', `median over ${batches} batches of ${BATCH}, wall clock (per CPU-second: ${median(cpuRuns('bytes')).toFixed(0)})`),
      atLeast('personalize: signed bytes / RSA-sign rate', ratio, 0.8, '×', `median(signed) / median(rsa-sign), wall clock, same rounds (per CPU-second: ${cpuRatio.toFixed(2)}); a sample verified with mailauth`),
      atLeast('personalize: Handlebars fill alone per second', median(runs('fill')), 100_000, 'msg/s', 'median over batches, wall clock'),
    ],
    notes: [
      `${SUBSCRIBERS.toLocaleString('en-US')} subscribers in ${batches} batches of ${BATCH.toLocaleString('en-US')} (rsa-sign and signed: ${BATCH / STRIDE} per batch), stages alternating; one warm-up batch each discarded. Rate "per CPU-second" divides by this process's CPU time (excludes time other processes took the core; GC helper threads count).`,
      `Medians per CPU-second: ${STAGES.map((s) => `${s} ${median(cpuRuns(s)).toFixed(0)}`).join(', ')} msg/s.`,
    ],
    seconds: (performance.now() - started) / 1000,
  };
}
