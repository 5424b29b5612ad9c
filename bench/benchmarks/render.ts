/**
 * 1. render: the seed issue in-process to HTML + text (renderIssue: one React
 * Email render, plain text derived from that HTML) against MJML 5 rendering
 * the same content laid out by hand in bench/newsletter.mjml (HTML only).
 * Before issue 13 the text step was html-to-text (2.2 ms of 5.5 ms, production);
 * it is now one walk over the parsed HTML (src/render/html-to-text.ts).
 *
 * React runs its development build unless NODE_ENV=production, and the CLI
 * does not set it, so both modes are measured, each in its own child process
 * (bench/lib/render-worker.ts), alternating run by run across both.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { RenderVariant, WorkerReply } from '../lib/render-worker.ts';
import { alternate } from '../lib/alternate.ts';
import { atMost, median, timeFigure, type BenchResult } from '../lib/stats.ts';

const WARMUP = 20;
const ROUNDS = 200;

interface Worker {
  child: ChildProcess;
  sizes: Record<string, number>;
  run: (variant: RenderVariant) => Promise<number>;
}

function startWorker(nodeEnv: string | undefined): Promise<Worker> {
  const env = { ...process.env };
  if (nodeEnv === undefined) delete env.NODE_ENV;
  else env.NODE_ENV = nodeEnv;
  // fork inherits this process's execArgv (--import tsx).
  const child = fork(new URL('../lib/render-worker.ts', import.meta.url), [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let pending: ((reply: WorkerReply) => void) | undefined;
  child.on('message', (reply: WorkerReply) => pending?.(reply));
  const next = () => new Promise<WorkerReply>((resolve) => (pending = resolve));
  const failed = (reply: WorkerReply) => new Error(`render worker (NODE_ENV=${nodeEnv ?? 'unset'}): ${'error' in reply ? reply.error : 'unexpected reply'}`);
  return next().then((first) => {
    if (!('ready' in first)) throw failed(first);
    return {
      child,
      sizes: first.sizes,
      run: async (variant) => {
        const reply = next();
        child.send(variant);
        const r = await reply;
        if (!('ms' in r)) throw failed(r);
        return r.ms;
      },
    };
  });
}

export async function renderBench(log: (line: string) => void): Promise<BenchResult> {
  const started = performance.now();
  const [dev, prod] = await Promise.all([startWorker(undefined), startWorker('production')]);
  try {
    const variants = (['ours', 'mjml', 'mjmlSoft', 'reactOnly', 'textOnly'] as const).flatMap((v) => [
      { name: `dev:${v}`, run: () => dev.run(v) },
      { name: `prod:${v}`, run: () => prod.run(v) },
    ]);
    const s = await alternate(variants, { warmup: WARMUP, rounds: ROUNDS, onRound: (r) => r % 50 === 0 && log(`render: ${r}/${ROUNDS} rounds`) });
    const get = (k: string) => s.get(k)!;
    const kb = (n: number | undefined) => `${((n ?? 0) / 1024).toFixed(1)} KB`;
    const ratio = (a: string, b: string) => median(get(a)) / median(get(b));
    return {
      name: 'render',
      figures: [
        timeFigure('ours, NODE_ENV unset (React dev build; the tsx source path): renderIssue HTML + text', 'ms', get('dev:ours'), `${kb(dev.sizes.oursHtml)} HTML + ${kb(dev.sizes.oursText)} text`),
        timeFigure('  of which React render to HTML (renderEmailHtml)', 'ms', get('dev:reactOnly')),
        timeFigure('  of which plain text from that HTML (htmlToText + layoutText)', 'ms', get('dev:textOnly')),
        timeFigure('ours, NODE_ENV=production: renderIssue HTML + text', 'ms', get('prod:ours')),
        timeFigure('  of which React render to HTML', 'ms', get('prod:reactOnly')),
        timeFigure('  of which plain text', 'ms', get('prod:textOnly')),
        timeFigure('MJML 5 mjml2html HTML only, validation skip (same process as ours, unset)', 'ms', get('dev:mjml'), kb(dev.sizes.mjmlHtml)),
        timeFigure('MJML 5 mjml2html HTML only, validation skip (NODE_ENV=production)', 'ms', get('prod:mjml')),
        timeFigure('MJML 5 mjml2html HTML only, default soft validation (NODE_ENV unset)', 'ms', get('dev:mjmlSoft')),
      ],
      checks: [
        atMost('render, as shipped (bundled CLI, NODE_ENV=production): ours (HTML + text) / MJML (HTML)', ratio('prod:ours', 'prod:mjml'), 0.5, '×', 'median / median, both in a NODE_ENV=production process'),
      ],
      notes: [
        // The target is the shipped CLI (production React). React's development build alone
        // (dev:reactOnly) takes about as long as MJML, so no change of ours brings that path to half.
        `NODE_ENV unset (React's development build, the tsx source path; no target): ours / MJML ${ratio('dev:ours', 'dev:mjml').toFixed(2)}×, of which the React render alone ${ratio('dev:reactOnly', 'dev:mjml').toFixed(2)}×.`,
        `${WARMUP} warm-up rounds discarded; each round runs all ten variant×mode pairs once, in rotating order.`,
        `Against MJML's default soft validation, as shipped (production): ${ratio('prod:ours', 'prod:mjmlSoft').toFixed(2)}×; NODE_ENV unset: ${ratio('dev:ours', 'dev:mjmlSoft').toFixed(2)}×.`,
      ],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    dev.child.kill();
    prod.child.kill();
  }
}
