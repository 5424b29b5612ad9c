/**
 * 3. personalize: messages per second for 100,000 generated subscribers, on
 * one core (this process's main thread), in three stages that each add work:
 *   fill     Handlebars fills the HTML, text and subject templates (values precomputed)
 *   options  messageFor from src/send: + the signed unsubscribe URL and the headers (composeMessage)
 *   bytes    + nodemailer's MailComposer building the RFC 822 message: what goes over SMTP
 * fill and options go through all 100,000 in batches of 5,000. bytes costs
 * milliseconds per message (see the notes), so it takes every 20th subscriber
 * of the same list: 5,000 messages in batches of 250 (all 100,000 would add
 * minutes to the run for the same median). Batches of the three stages
 * alternate. Every bytes batch's first message is parsed back with mailparser
 * and checked (outside the timing).
 */
import { simpleParser } from 'mailparser';
import { mergeValues, personalize, type MergeValues } from '../../src/personalize/index.ts';
import { messageFor, prepareIssue, toRfc822 } from '../../src/mail/index.ts';
import { parseSendEnv } from '../../src/config/index.ts';
import { unsubscribeUrl } from '../../src/audience/token.ts';
import { alternate } from '../lib/alternate.ts';
import { ROOT, seedIssue } from '../lib/seed.ts';
import { fakeSubscriber, type FakeSubscriber } from '../lib/subscribers.ts';
import { atLeast, median, rateFigure, type BenchResult } from '../lib/stats.ts';

const SUBSCRIBERS = 100_000;
const BATCH = 5_000;
/** bytes: every STRIDE-th subscriber of each batch. */
const STRIDE = 20;
const SECRET = 'bench-unsubscribe-secret-0123456789abcdef';
const DATE = new Date('2026-02-05T12:00:00Z');

export async function personalizeBench(log: (line: string) => void): Promise<BenchResult> {
  const started = performance.now();
  const built = await seedIssue();
  const { props } = built;
  const { issue, newsletter } = props;
  const env = parseSendEnv({ UNSUBSCRIBE_SECRET: SECRET }, ROOT);
  // What send prepares once per run: the templates compiled, config resolved.
  const prepared = prepareIssue(built, env, SECRET);
  const subscribers: FakeSubscriber[] = Array.from({ length: SUBSCRIBERS }, (_, i) => fakeSubscriber(i));
  // The fill stage starts from ready values (URLs signed beforehand), so it times Handlebars alone.
  const values: MergeValues[] = subscribers.map((s) =>
    mergeValues(s, { webVersionUrl: issue.webVersionUrl, unsubscribeUrl: unsubscribeUrl(newsletter.unsubscribeUrl, s.email, newsletter.listId, SECRET) }, newsletter.greetingFallback),
  );
  // The per-recipient step of send and send --dry-run (src/send/deliver.ts, dry-run.ts).
  const optionsFor = (s: FakeSubscriber) => messageFor(prepared, s, DATE);

  let kept = 0;
  const samples: Buffer[] = [];
  /** Each stage runs one batch (batch k of the list) and returns how many messages it made. */
  const stages = {
    fill: (from: number) => {
      for (let i = from; i < from + BATCH; i++) {
        const p = personalize(prepared.compiled, values[i]!);
        kept += p.html.length + p.text.length + p.subject.length;
      }
      return BATCH;
    },
    options: (from: number) => {
      for (let i = from; i < from + BATCH; i++) kept += (optionsFor(subscribers[i]!).html as string).length;
      return BATCH;
    },
    bytes: async (from: number) => {
      for (let i = from; i < from + BATCH; i += STRIDE) {
        const raw = await toRfc822(optionsFor(subscribers[i]!));
        kept += raw.length;
        if (i === from) samples.push(raw);
      }
      return BATCH / STRIDE;
    },
  };

  // One round = one batch of each stage; rounds walk through the list. The warm-up round re-runs batch 0.
  const batches = SUBSCRIBERS / BATCH;
  const wall = new Map<string, number[]>([['fill', []], ['options', []], ['bytes', []]]);
  const cpu = new Map<string, number[]>([['fill', []], ['options', []], ['bytes', []]]);
  let round = -1;
  const measure = (name: keyof typeof stages) => async () => {
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
    (['fill', 'options', 'bytes'] as const).map((name) => ({ name, run: measure(name) })),
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
  for (const [k, raw] of samples.entries()) {
    const s = subscribers[Math.max(0, k - 1) * BATCH]!;
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
  }

  const size = samples[0]?.length ?? 0;
  const runs = (name: string) => wall.get(name)!;
  return {
    name: 'personalize',
    figures: [
      rateFigure('fill: Handlebars HTML + text + subject', 'msg/s', runs('fill')),
      rateFigure('options: messageFor (+ unsubscribe token, headers)', 'msg/s', runs('options')),
      rateFigure('bytes: + MailComposer RFC 822 build (ready for SMTP)', 'msg/s', runs('bytes'), `${(size / 1024).toFixed(1)} KB each; every ${STRIDE}th subscriber`),
    ],
    checks: [
      atLeast('personalize: messages ready for SMTP per second, one core', median(runs('bytes')), 100_000, 'msg/s', `median over ${batches} batches of ${BATCH / STRIDE}, wall clock`),
      atLeast('personalize: Handlebars fill alone per second', median(runs('fill')), 100_000, 'msg/s', 'median over batches, wall clock'),
    ],
    notes: [
      `${SUBSCRIBERS.toLocaleString('en-US')} subscribers in ${batches} batches of ${BATCH.toLocaleString('en-US')} (bytes: ${BATCH / STRIDE} per batch), stages alternating; one warm-up batch each discarded. Rate "per CPU-second" divides by this process's CPU time (excludes time other processes took the core; GC helper threads count).`,
      `Medians per CPU-second: fill ${median(cpu.get('fill')!).toFixed(0)}, options ${median(cpu.get('options')!).toFixed(0)}, bytes ${median(cpu.get('bytes')!).toFixed(0)} msg/s.`,
    ],
    seconds: (performance.now() - started) / 1000,
  };
}
