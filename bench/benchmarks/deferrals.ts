/**
 * 6. deferrals: 3,000 recipients through `sendIssue` (5 connections, no rate
 * limit) to the loopback sink in fault mode (bench/lib/sink.ts, its own
 * process), which answers like real MTAs: per run, a fault-free baseline;
 * 2 %, 5 % and 20 % of RCPT attempts deferred with `451 4.7.1` at random (a
 * retry may be deferred again); and a 10-s 421 storm after the first 20 % are
 * delivered (`421 4.7.0` at connect and to every command, then the close).
 * Alternating rounds, each faulty run against the fault-free run of its round.
 * Measured at the sink: when each distinct recipient was accepted.
 *   - time until 90 % are delivered; ratio = fault-free / faulty
 *   - after the storm: seconds until a 3-s window's rate is back to ≥ 0.8× the
 *     fault-free steady rate (recipients between the 10 % and 90 % marks)
 *   - every recipient delivered exactly once at the end, or the benchmark fails
 * The 90 % runs use a short retry schedule, so a run's tail (the last
 * retries) stays in seconds; `deferrals-total` sends once per rate with the
 * default schedule, whose later retries wait out greylisting windows (minutes).
 * A faulty run is stopped (as by Ctrl-C) at CAP_FACTOR × the fastest
 * fault-free run so far and reported as "> cap", with an estimate from the
 * rate it had. BENCH_ROUNDS overrides the number of rounds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSendEnv } from '../../src/config/index.ts';
import { sendIssue, type SendOptions, type SendSummary } from '../../src/send/index.ts';
import { alternate } from '../lib/alternate.ts';
import { ROOT, seedIssue } from '../lib/seed.ts';
import { startSink, type FaultPlan, type Sink, type SinkStats } from '../lib/sink.ts';
import { atLeast, atMost, median, rateFigure, timeFigure, type BenchResult, type Check, type Figure } from '../lib/stats.ts';
import { writeSubscriberCsv } from '../lib/subscribers.ts';
import { recoverySeconds, steadyRate, timeTo } from '../lib/timeline.ts';

const N = 3_000;
const CONNECTIONS = 5; // the CLI's default --concurrency
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 3;
const RATES = [
  { rate: 0.02, target: 0.9 },
  { rate: 0.05, target: 0.8 },
  { rate: 0.2, target: 0.6 },
] as const;
const STORM = { afterRecipients: 0.2 * N, ms: 10_000 };
const RECOVERED = 0.8; // × the fault-free steady rate
const RECOVERY_TARGET_S = 30;
const CAP_FACTOR = 4;
/** Never less: the short schedule's tail (a recipient deferred 6 times at 20 % waits 1 + 2 + 4 × 4 s) must fit. */
const MIN_CAP_MS = 45_000;
/** The storm run's cap also covers the storm and the recovery target, so a slow recovery is measured, not cut off. */
const STORM_EXTRA_MS = STORM.ms + RECOVERY_TARGET_S * 1000;
const TOTAL_CAP_MS = 30 * 60_000; // deferrals-total: one run per rate, default schedule
const SECRET = 'bench-unsubscribe-secret-0123456789abcdef';

/** The short schedule of the 90 % runs: retries after 1, 2, then 4 s (±20 %), enough of them that 20 % deferrals never exhaust them (0.2¹² × 3,000 ≈ 10⁻⁵). */
type Schedule = Pick<SendOptions, 'retrySchedule'>;
const SHORT_SCHEDULE: Schedule = { retrySchedule: [1_000, 2_000, ...Array<number>(9).fill(4_000)] };
const SHORT_SCHEDULE_TEXT = 'retries after 1, 2, 4, 4… s (±20 %), up to 12 attempts';

interface Run {
  label: string;
  t0: number;
  sink: SinkStats;
  accepted: number[];
  summary: SendSummary;
  /** Stopped at the cap: times are lower bounds. */
  capped: boolean;
  capMs: number;
  /** When sendIssue returned, from t0. */
  endedMs: number;
  /**
   * The default schedule ends after 5 retries (~23 min): a recipient deferred on all 6 attempts is
   * then recorded as failed transiently, as it should be (at 20 %, 3,000 × 0.2⁶ ≈ 0.2 a run).
   * Allowed there, and reported; never a duplicate or a silent loss.
   */
  giveUpsAllowed: boolean;
}

const pct = (rate: number) => `${Math.round(rate * 100)} %`;
const seconds = (ms: number) => ms / 1000;

/** Sends the list once against a fresh journal, under `plan`, stopping at `capMs`; checks what arrived. */
class Bench {
  #run = 0;
  readonly violations: string[] = [];
  constructor(
    readonly sink: Sink,
    readonly dir: string,
    readonly base: Omit<SendOptions, 'stateDir'>,
    readonly log: (line: string) => void,
  ) {}

  async send(label: string, plan: FaultPlan, capMs: number, schedule: Schedule, giveUpsAllowed = false): Promise<Run> {
    await this.sink.reset({ seed: 1 + this.#run, ...plan });
    const stateDir = join(this.dir, `state-${this.#run++}`); // a fresh journal each run: everyone is sent
    const stop = new AbortController();
    const force = new AbortController();
    let forceTimer: NodeJS.Timeout | undefined;
    const capTimer = setTimeout(() => {
      stop.abort();
      forceTimer = setTimeout(() => force.abort(), 10_000); // in-flight messages get 10 s to finish
    }, capMs);
    const t0 = Date.now();
    let summary: SendSummary;
    try {
      summary = await sendIssue({ ...this.base, ...schedule, stateDir, signal: stop.signal, forceSignal: force.signal });
    } finally {
      clearTimeout(capTimer);
      clearTimeout(forceTimer);
      await rm(stateDir, { recursive: true, force: true });
    }
    const endedMs = Date.now() - t0;
    const sink = await this.sink.stats();
    const run: Run = { label, t0, sink, accepted: sink.accepted ?? [], summary, capped: stop.signal.aborted, capMs, endedMs, giveUpsAllowed };
    this.check(run);
    const when = (ms: number | undefined) =>
      ms !== undefined ? `${seconds(ms).toFixed(1)} s` : run.capped ? `> ${seconds(capMs).toFixed(0)} s` : `never (the run ended at ${seconds(endedMs).toFixed(0)} s)`;
    this.log(
      `deferrals: ${label}: 90 % in ${when(timeTo(run.accepted, t0, N, 0.9))}, all in ${when(timeTo(run.accepted, t0, N, 1))} ` +
        `(${sink.distinctRecipients} delivered, ${sink.deferred} deferred, ${sink.refused421} × 421${run.capped ? ', stopped at the cap' : ''})`,
    );
    return run;
  }

  /** Exactly once: no duplicates ever; and, unless stopped at the cap, everyone delivered and the summary agreeing. */
  check(run: Run): void {
    const { sink, summary, label } = run;
    const problems: string[] = [];
    if (sink.messages !== sink.distinctRecipients) problems.push(`${sink.messages} messages for ${sink.distinctRecipients} distinct recipients (duplicates)`);
    const gaveUp = run.giveUpsAllowed && !summary.stop && !summary.stats.failedPermanent ? summary.stats.failedTransient : 0;
    if (gaveUp) this.log(`deferrals: ${label}: ${gaveUp} recipient(s) deferred on every attempt of the schedule, recorded as failed transiently (--retry-failed sends to them)`);
    if (!run.capped && sink.distinctRecipients + gaveUp === N && sink.messages === sink.distinctRecipients && summary.stats.sent === sink.distinctRecipients && gaveUp) return;
    if (!run.capped) {
      if (sink.distinctRecipients !== N) problems.push(`${sink.distinctRecipients} distinct recipients, expected ${N}`);
      if (sink.messages !== N) problems.push(`${sink.messages} messages, expected ${N}`);
      if (summary.stats.sent !== N) problems.push(`the summary says ${summary.stats.sent} sent`);
      if (summary.stats.failedPermanent + summary.stats.failedTransient) problems.push(`${summary.stats.failedPermanent} failed permanently, ${summary.stats.failedTransient} transiently`);
      if (summary.stop) problems.push(`stopped: ${summary.stop.message}`);
    }
    for (const p of problems) this.violations.push(`${label}: ${p}`);
  }
}

async function setUp(log: (line: string) => void, use: (bench: Bench) => Promise<BenchResult>): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'newsletter-bench-deferrals-'));
  let sink: Sink | undefined;
  try {
    sink = await startSink({ faults: true });
    const listPath = join(dir, 'subscribers.csv');
    const { valid } = await writeSubscriberCsv(listPath, N, { clean: true });
    if (valid !== N) throw new Error(`expected ${N} clean rows, wrote ${valid}`);
    const env = parseSendEnv({ SMTP_URL: `smtp://127.0.0.1:${sink.port}`, UNSUBSCRIBE_SECRET: SECRET }, ROOT);
    const bench = new Bench(sink, dir, { built: await seedIssue(), listPath, env, concurrency: CONNECTIONS, rate: undefined }, log);
    const result = await use(bench);
    if (bench.violations.length) throw new Error(`not every recipient was delivered exactly once:\n  ${bench.violations.join('\n  ')}\nfigures so far:\n${JSON.stringify(result.figures, null, 1)}`);
    return result;
  } finally {
    sink?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A capped run's time to `fraction`, had it kept the rate it had when stopped (Infinity if nothing arrived). */
function extrapolated(r: Run, fraction: number): number {
  return r.accepted.length ? r.capMs * ((fraction * N) / r.accepted.length) : Number.POSITIVE_INFINITY;
}

/** A time figure in seconds where a run that never got there counts as its end (the cap, or when it gave up): a lower bound, said in the note. */
function secondsFigure(name: string, runs: readonly Run[], ms: (r: Run) => number | undefined, note?: string): Figure {
  const sample = runs.map((r) => seconds(ms(r) ?? (r.capped ? r.capMs : r.endedMs)));
  const capped = runs.filter((r) => ms(r) === undefined && r.capped).length;
  const short = runs.filter((r) => ms(r) === undefined && !r.capped);
  const notes = [
    note,
    capped ? `${capped} of ${runs.length} runs stopped at the cap: a lower bound` : undefined,
    short.length ? `${short.map((r) => N - r.sink.distinctRecipients).join(' / ')} recipients never delivered (the retries ran out): the time the run ended` : undefined,
  ].filter(Boolean);
  return timeFigure(name, 's', sample, notes.join('; ') || undefined);
}

export async function deferralsBench(log: (line: string) => void): Promise<BenchResult> {
  const started = performance.now();
  return setUp(log, async (bench) => {
    // Warm-up (discarded): JIT, connections, and the fault-free time the cap is made of.
    const warm = await bench.send('warm-up, fault-free', {}, 10 * 60_000, SHORT_SCHEDULE);
    // The cap follows the fastest fault-free run so far: a warm-up slowed by a busy machine must not stretch every cap.
    let fastestMs = timeTo(warm.accepted, warm.t0, N, 1) ?? 60_000;
    const cap = () => Math.max(MIN_CAP_MS, CAP_FACTOR * fastestMs);
    const freeRun = async (label: string) => {
      const r = await bench.send(label, {}, 10 * 60_000, SHORT_SCHEDULE);
      fastestMs = Math.min(fastestMs, timeTo(r.accepted, r.t0, N, 1) ?? fastestMs);
      return r;
    };
    const variants: { name: string; plan: FaultPlan }[] = [
      { name: 'fault-free', plan: {} },
      ...RATES.map(({ rate }) => ({ name: `${pct(rate)} deferred`, plan: { deferRate: rate } })),
      { name: '421 storm', plan: { storm: STORM } },
    ];
    let round = 1;
    const runOne = (v: (typeof variants)[number]) => () => {
      const label = `round ${round}/${ROUNDS}, ${v.name}`;
      if (v.name === 'fault-free') return freeRun(label);
      return bench.send(label, v.plan, cap() + (v.plan.storm ? STORM_EXTRA_MS : 0), SHORT_SCHEDULE);
    };
    const samples = await alternate(
      variants.map((v) => ({ name: v.name, run: runOne(v) })),
      { warmup: 0, rounds: ROUNDS, onRound: () => round++ },
    );
    const runs = (name: string) => samples.get(name)!;
    const free = runs('fault-free');
    const t90 = (r: Run) => timeTo(r.accepted, r.t0, N, 0.9);
    const all = (r: Run) => timeTo(r.accepted, r.t0, N, 1);

    const figures: Figure[] = [secondsFigure(`fault-free: time to 90 % delivered, ${N} recipients, ${CONNECTIONS} connections`, free, t90)];
    const checks: Check[] = [];
    const estimates: string[] = [];
    for (const { rate, target } of RATES) {
      const faulty = runs(`${pct(rate)} deferred`);
      const ratios = faulty.map((r, i) => (t90(free[i]!) ?? Number.NaN) / (t90(r) ?? r.capMs));
      const capped = faulty.filter((r) => t90(r) === undefined);
      // A capped run's ratio is an upper bound; the rate it had at the cap gives an estimate too.
      const guess = faulty.map((r, i) => (t90(free[i]!) ?? Number.NaN) / (t90(r) ?? extrapolated(r, 0.9)));
      const estimate = capped.length ? `a capped run makes this an upper bound; at the rate each run had when stopped, 90 % would take ${faulty.map((r) => seconds(t90(r) ?? extrapolated(r, 0.9)).toFixed(0)).join(' / ')} s: ${median(guess).toFixed(3)}× (median)` : undefined;
      if (estimate) estimates.push(`${pct(rate)}: ${capped.length} of ${faulty.length} runs stopped at the cap, so its ratio is ${estimate}.`);
      figures.push(
        secondsFigure(`${pct(rate)} of RCPT deferred (451 4.7.1): time to 90 %`, faulty, t90),
        rateFigure(`${pct(rate)}: fault-free / faulty time to 90 %`, '×', ratios, estimate),
        secondsFigure(`${pct(rate)}: all delivered (short retry schedule)`, faulty, all),
      );
      checks.push(atLeast(`deferrals: ${pct(rate)} deferred, speed to 90 % vs fault-free`, median(ratios), target, '×', 'median over rounds of t90(fault-free) / t90(faulty), same round'));
    }

    const storm = runs('421 storm');
    const recovery = storm.map((r, i) => {
      const threshold = RECOVERED * steadyRate(free[i]!.accepted, N);
      const end = r.sink.storm?.end;
      const s = end === undefined ? undefined : recoverySeconds(r.accepted, end, threshold);
      // Never back before the list ran out (or the cap): report the time it had, a lower bound.
      return { s, bound: end === undefined ? Number.NaN : seconds((r.accepted.at(-1) ?? end) - end) };
    });
    const unrecovered = recovery.filter((x) => x.s === undefined).length;
    const recoverySample = recovery.map((x) => x.s ?? x.bound);
    figures.push(
      timeFigure(`421 storm (${seconds(STORM.ms)} s, after ${STORM.afterRecipients} delivered): seconds until ≥ ${RECOVERED}× fault-free rate`, 's', recoverySample, unrecovered ? `${unrecovered} of ${storm.length} runs never got back before the list ran out or the run was stopped: a lower bound` : '3-s windows stepped by 1 s from the storm\'s end'),
      secondsFigure('421 storm: all delivered', storm, all),
    );
    checks.push(atMost('deferrals: back to speed after a 10-s 421 storm', median(recoverySample), RECOVERY_TARGET_S, 's', `median seconds from the storm's end to the first 3-s window at ≥ ${RECOVERED}× the fault-free steady rate`));

    const sum = (rs: readonly Run[], f: (s: SinkStats) => number | undefined) => rs.reduce((n, r) => n + (f(r.sink) ?? 0), 0);
    return {
      name: 'deferrals',
      figures,
      checks,
      notes: [
        `${ROUNDS} rounds after one fault-free warm-up; each round runs the five in rotating order. Short retry schedule: ${SHORT_SCHEDULE_TEXT}. A faulty run stops (as by Ctrl-C) at ${CAP_FACTOR}× the fastest fault-free run before it (at least ${seconds(MIN_CAP_MS)} s; the storm run ${seconds(STORM_EXTRA_MS)} s later).`,
        `The sink sent ${RATES.map(({ rate }) => `${sum(runs(`${pct(rate)} deferred`), (s) => s.deferred)} deferrals at ${pct(rate)}`).join(', ')} and ${sum(storm, (s) => s.refused421)} × 421 in the storms, over ${ROUNDS} rounds. Every run that was not stopped delivered each recipient exactly once; none delivered anyone twice.`,
        ...estimates,
      ],
      seconds: (performance.now() - started) / 1000,
    };
  });
}

/** `deferrals-total`: one send per deferral rate with the default retry schedule, to the last recipient (minutes: run it on its own). */
export async function deferralsTotalBench(log: (line: string) => void): Promise<BenchResult> {
  const started = performance.now();
  return setUp(log, async (bench) => {
    const figures: Figure[] = [];
    for (const { rate } of RATES) {
      const run = await bench.send(`default schedule, ${pct(rate)} deferred`, { deferRate: rate }, TOTAL_CAP_MS, {}, true);
      figures.push(secondsFigure(`${pct(rate)} of RCPT deferred: all delivered, default retry schedule`, [run], (r) => timeTo(r.accepted, r.t0, N, 1)));
    }
    return {
      name: 'deferrals-total',
      figures,
      checks: [],
      notes: [`One run per rate, ${N} recipients, ${CONNECTIONS} connections, the default retry schedule; a run stops at ${seconds(TOTAL_CAP_MS) / 60} min.`],
      seconds: (performance.now() - started) / 1000,
    };
  });
}
