import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from '../paths.ts';
import { finding, type Finding, type SpamResult, type SpamRule } from './report.ts';

/** The spamassassin executable: SPAMASSASSIN_PATH, else the first on PATH; undefined when not installed. */
export function spamassassinPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findExecutable('spamassassin', env, env.SPAMASSASSIN_PATH);
}

/**
 * Our own prefs: no Bayes database and nothing learnt, so a check never reads
 * or writes the user's ~/.spamassassin (HOME is a temp dir as well).
 */
const PREFS = (dir: string) => ['use_bayes 0', 'bayes_auto_learn 0', `bayes_path ${join(dir, 'bayes')}`, 'use_auto_whitelist 0', ''].join('\n');

/** Parse the report of `spamassassin -t`: the X-Spam-Status score and the "Content analysis details" table. */
export function parseSpamReport(output: string): SpamResult | undefined {
  const status = /^X-Spam-Status:\s*\w+,\s*score=(-?[\d.]+)\s+required=(-?[\d.]+)/im.exec(output);
  const table = /Content analysis details:[^\n]*\n[\s\S]*?\n-{3,}[ -]*\n([\s\S]*?)(?:\n\s*\n|$)/.exec(output);
  const headline = /Content analysis details:\s*\((-?[\d.]+) points?,\s*(-?[\d.]+) required\)/.exec(output);
  const score = status?.[1] ?? headline?.[1];
  const required = status?.[2] ?? headline?.[2];
  if (score === undefined || required === undefined) return undefined;
  const rules: SpamRule[] = [];
  for (const line of (table?.[1] ?? '').split('\n')) {
    const m = /^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s+(.*)$/.exec(line);
    if (m) rules.push({ score: Number(m[1]), name: m[2]!, description: m[3]!.trim() });
    else if (rules.length && line.trim()) rules.at(-1)!.description += ` ${line.trim()}`; // wrapped description
  }
  return { score: Number(score), required: Number(required), rules };
}

const TIMEOUT_MS = 120_000;

/** Run `spamassassin -L -t` (local tests only, no network) on a whole RFC 822 message. */
export async function spamScore(message: Buffer, executable: string): Promise<SpamResult> {
  const dir = await mkdtemp(join(tmpdir(), 'newsletter-spam-'));
  try {
    const prefs = join(dir, 'user_prefs');
    await writeFile(prefs, PREFS(dir));
    const output = await new Promise<string>((resolve, reject) => {
      // -L: local tests only (no DNS blocklists); -t: test mode, the report is added to the output.
      const child = spawn(executable, ['-L', '-t', '-p', prefs], { env: { ...process.env, HOME: dir }, stdio: ['pipe', 'pipe', 'pipe'], timeout: TIMEOUT_MS });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (code, signal) => {
        if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
        const why = signal ? `was stopped (${signal}) after ${TIMEOUT_MS / 1000} s` : `exited with ${code}`;
        reject(new Error(`spamassassin ${why}: ${Buffer.concat(err).toString('utf8').trim().split('\n').slice(-3).join(' ')}`));
      });
      child.stdin.on('error', () => {}); // it may exit before reading everything; the close handler reports why
      child.stdin.end(message);
    });
    const result = parseSpamReport(output);
    if (!result) throw new Error('could not find the score in the spamassassin report');
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** "+1.2", "-0.5", "0.0": SpamAssassin's own "-0.0" shown as 0.0. */
const signed = (n: number) => `${n > 0 ? '+' : ''}${(n === 0 ? 0 : n).toFixed(1)}`;

/** Findings for a spam result: the score (error at or above the threshold, warning past half of it), then each rule that hit. */
export function spamFindings(result: SpamResult): Finding[] {
  const { score, required, rules } = result;
  const severity = score >= required ? 'error' : score >= required / 2 ? 'warning' : 'info';
  const summary = `SpamAssassin score ${score.toFixed(1)} (spam from ${required.toFixed(1)}); rules hit: ${rules.map((r) => `${r.name} ${signed(r.score)}`).join(', ') || 'none'}`;
  return [
    finding('spam', severity, 'score', summary, {
      ...(severity === 'info' ? {} : { fix: 'Look at the rules with the highest scores below and change what triggers them.' }),
      data: { ...result },
    }),
    ...rules.map((r) => finding('spam', r.score > 1 && severity !== 'info' ? 'warning' : 'info', 'rule', `${r.name} (${signed(r.score)}): ${r.description}`, { where: r.name, data: { ...r } })),
  ];
}
