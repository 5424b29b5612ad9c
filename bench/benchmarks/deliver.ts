/**
 * 4. deliver: N messages to a loopback smtp-server sink (bench/lib/sink.ts,
 * its own process, counting what it accepts), three ways, alternating by round:
 *   pipeline  sendIssue from src/send: the generated list read and validated,
 *             each message personalized, journal on disk (fsynced), pacer with
 *             no rate limit, nodemailer pool with the pipeline's own options
 *   bare      nodemailer's pool with the same options and connections sending
 *             one message (the same issue, personalized once) N times
 *   raw       a pipelining SMTP client on net.Socket sending those bytes N
 *             times: what the sink can accept at all (the physical limit)
 * Every run is checked against the sink's count (and, for the pipeline, that
 * N distinct recipients arrived and the summary says N sent).
 *
 * Two rates per run. The whole run (the check): from the call to its return,
 * everything included. Steady state (a figure only): N-1 messages over the
 * time between the first and the last message the sink accepted, on the
 * sink's clock, the same for every sender; it leaves out what comes before the
 * first message (the pipeline's pre-send login check, which smtp-server
 * greets after a 100 ms delay; opening the list and the journal; connection
 * set-up for both) and after the last.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { messageFor, poolOptions, prepareIssue, toRfc822 } from '../../src/mail/index.ts';
import { parseSendEnv, requireSmtp } from '../../src/config/index.ts';
import { sendIssue } from '../../src/send/index.ts';
import { alternate } from '../lib/alternate.ts';
import { rawSend } from '../lib/raw-smtp.ts';
import { ROOT, seedIssue } from '../lib/seed.ts';
import { startSink, type Sink, type SinkStats } from '../lib/sink.ts';
import { atLeast, median, rateFigure, type BenchResult } from '../lib/stats.ts';
import { fakeSubscriber, writeSubscriberCsv } from '../lib/subscribers.ts';

const N = 2_000;
const CONNECTIONS = 5; // the CLI's default --concurrency
const WARMUP = 1;
const ROUNDS = 5;

/** One run's two rates (msg/s): start to return, and first to last message accepted by the sink. */
interface Rates {
  whole: number;
  steady: number;
}

/** N-1 intervals between the first and the last accepted message, on the sink's clock. */
function steadyRate(got: SinkStats): number {
  const { firstAcceptedMs: first, lastAcceptedMs: last } = got;
  if (first === undefined || last === undefined || last <= first) throw new Error('the sink reported no accept times');
  return (got.messages - 1) / ((last - first) / 1000);
}

export async function deliverBench(log: (line: string) => void): Promise<BenchResult> {
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'newsletter-bench-deliver-'));
  let sink: Sink | undefined;
  try {
    sink = await startSink();
    const s = sink;
    const listPath = join(dir, 'subscribers.csv');
    const { valid } = await writeSubscriberCsv(listPath, N, { clean: true });
    if (valid !== N) throw new Error(`expected ${N} clean rows, wrote ${valid}`);
    const built = await seedIssue();
    const env = parseSendEnv({ SMTP_URL: `smtp://127.0.0.1:${s.port}`, UNSUBSCRIBE_SECRET: 'bench-unsubscribe-secret-0123456789abcdef' }, ROOT);
    const smtp = requireSmtp(env);
    // bare and raw send this one message, made by the pipeline's own code for subscriber 1.
    const recipient = fakeSubscriber(1);
    const mail = messageFor(prepareIssue(built, env, env.unsubscribeSecret!), recipient);
    const bytes = await toRfc822(mail);

    /** Runs one variant and checks the sink received exactly `N` messages; returns its rates. */
    const counted = (what: string, send: () => Promise<void>, distinct?: number) => async (): Promise<Rates> => {
      await s.reset();
      const t0 = performance.now();
      await send();
      const ms = performance.now() - t0;
      const got = await s.stats();
      if (got.messages !== N) throw new Error(`${what}: the sink received ${got.messages} messages, expected ${N}`);
      if (distinct !== undefined && got.distinctRecipients !== distinct) throw new Error(`${what}: ${got.distinctRecipients} distinct recipients, expected ${distinct}`);
      if (got.bytes < N * bytes.length * 0.9) throw new Error(`${what}: the sink received only ${got.bytes} bytes`);
      return { whole: N / (ms / 1000), steady: steadyRate(got) };
    };

    let run = 0;
    const samples = await alternate(
      [
        {
          name: 'pipeline',
          run: counted(
            'pipeline',
            async () => {
              const stateDir = join(dir, `state-${run++}`); // a fresh journal each run: everyone is sent
              const summary = await sendIssue({ built, listPath, env, stateDir, concurrency: CONNECTIONS, rate: undefined });
              if (summary.stats.sent !== N || summary.stop) throw new Error(`pipeline: sent ${summary.stats.sent} of ${N}${summary.stop ? `, stopped: ${summary.stop.message}` : ''}`);
              await rm(stateDir, { recursive: true, force: true });
            },
            N,
          ),
        },
        {
          name: 'bare',
          run: counted('bare nodemailer', async () => {
            const transport = nodemailer.createTransport(poolOptions(smtp, { concurrency: CONNECTIONS }));
            try {
              await Promise.all(Array.from({ length: N }, () => transport.sendMail(mail)));
            } finally {
              transport.close();
            }
          }),
        },
        {
          name: 'raw',
          run: counted('raw SMTP', async () => {
            const accepted = await rawSend(s.port, { connections: CONNECTIONS, messages: N, from: 'brief@hemispherebrief.example.com', to: recipient.email, message: bytes });
            if (accepted !== N) throw new Error(`raw SMTP: ${accepted} accepted`);
          }),
        },
      ],
      { warmup: WARMUP, rounds: ROUNDS, onRound: (r) => log(`deliver: ${r}/${ROUNDS} rounds`) },
    );
    const rate = (name: string) => samples.get(name)!.map((r) => r.whole);
    const steady = (name: string) => samples.get(name)!.map((r) => r.steady);
    const ratio = median(rate('pipeline')) / median(rate('bare'));
    // Per round: the two ran back to back, so load from elsewhere hit both alike.
    const steadyRatios = steady('pipeline').map((p, i) => p / steady('bare')[i]!);
    return {
      name: 'deliver',
      figures: [
        rateFigure(`full send pipeline (sendIssue), ${N} recipients, ${CONNECTIONS} connections`, 'msg/s', rate('pipeline')),
        rateFigure('bare nodemailer pool, same message, same connections', 'msg/s', rate('bare')),
        rateFigure('raw pipelined SMTP client (sink limit)', 'msg/s', rate('raw'), `${(bytes.length / 1024).toFixed(1)} KB per message`),
        rateFigure('steady state: pipeline, first to last message accepted (sink clock)', 'msg/s', steady('pipeline')),
        rateFigure('steady state: bare nodemailer, first to last message accepted (sink clock)', 'msg/s', steady('bare')),
        rateFigure('steady state: pipeline / bare, per round (not the check)', '×', steadyRatios, 'excludes the pre-send login check and connection set-up for both; the check above is the whole run'),
      ],
      checks: [atLeast('deliver: pipeline / bare nodemailer', ratio, 0.9, '×', 'median(pipeline msg/s) / median(bare msg/s), alternating rounds')],
      notes: [
        `${WARMUP} warm-up round discarded; each round runs the three in rotating order. The sink runs in its own process; rate limit off.`,
        `Bare nodemailer reaches ${((median(rate('bare')) / median(rate('raw'))) * 100).toFixed(0)}% of the raw client; the pipeline ${((median(rate('pipeline')) / median(rate('raw'))) * 100).toFixed(0)}%.`,
      ],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    sink?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
