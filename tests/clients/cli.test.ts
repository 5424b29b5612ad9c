/**
 * `newsletter check --clients` from the command line: the flags, a named client that cannot
 * render, and Ctrl-C in the middle of a render, in check and in the preview's Clients view
 * (nothing may be left running or on disk).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/errors.ts';
import { BIN, runCli } from '../helpers/cli.ts';
import { processesWith, SKIP_THUNDERBIRD } from '../helpers/clients.ts';
import { fetchText } from '../preview/http.ts';
import { ROOT } from '../helpers/content.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});
async function ownDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'newsletter-clients-cli-'));
  dirs.push(dir);
  return dir;
}

describe('check --clients on the command line', () => {
  it('refuses --client without --clients, and an unknown client, before anything runs', async () => {
    const alone = await runCli(['check', '--client', 'thunderbird']);
    expect(alone.code).toBe(EXIT.INVALID);
    expect(alone.stderr).toContain('--client needs --clients.');
    const unknown = await runCli(['check', '--clients', '--client', 'outlook']);
    expect(unknown.code).toBe(EXIT.INVALID);
    expect(unknown.stderr).toContain('--client must be one of thunderbird, evolution; got "outlook".');
  });

  it('fails when the client it names cannot render, and says how to install it', async () => {
    const out = await ownDir();
    const result = await runCli(['check', '--clients', '--client', 'thunderbird', '--out', out, '--json'], { env: { THUNDERBIRD_PATH: join(out, 'no-thunderbird') } });
    expect(result.code).toBe(EXIT.INVALID);
    const report = JSON.parse(result.stdout) as { findings: { id: string; severity: string; message: string; fix?: string }[] };
    const skipped = report.findings.find((f) => f.id === 'rendering.skipped');
    expect(skipped).toMatchObject({ severity: 'error', message: `Thunderbird skipped: THUNDERBIRD_PATH (${join(out, 'no-thunderbird')}) is not an executable` });
    expect(skipped?.fix).toContain('sudo apt-get install thunderbird');
  }, 60_000);
});

describe.skipIf(SKIP_THUNDERBIRD)('Ctrl-C during check --clients', () => {
  it('closes the mail client and removes its temp folders, then exits 3', async () => {
    const own = await ownDir();
    const child = spawn(process.execPath, [BIN, 'check', '--clients', '--client', 'thunderbird', '--out', join(own, 'out')], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', TMPDIR: own },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await thunderbirdStarted(own);
    child.kill('SIGINT');
    expect(await exited).toBe(EXIT.STOPPED);
    expect(stderr).toContain('Stopped (SIGINT); any mail client still open was closed and its temp folders removed.');
    await sleep(300);
    expect(await processesWith(`${own}/newsletter-thunderbird-`)).toEqual([]);
    expect((await readdir(own)).filter((n) => n.startsWith('newsletter-thunderbird-'))).toEqual([]);
  }, 120_000);
});

/** Wait until a Thunderbird runs with its profile in `own` (a TMPDIR of the test's own). */
async function thunderbirdStarted(own: string): Promise<void> {
  const profile = () => readdir(own).then((names) => names.some((n) => n.startsWith('newsletter-thunderbird-')));
  for (let i = 0; i < 300 && !((await profile()) && (await processesWith(`${own}/newsletter-thunderbird-`)).length > 0); i++) await sleep(100);
  expect(await processesWith(`${own}/newsletter-thunderbird-`)).not.toEqual([]);
}

describe.skipIf(SKIP_THUNDERBIRD)('Ctrl-C in the preview while its Clients view runs', () => {
  it('ends the mail client, starts no retry, and removes its temp folders', async () => {
    const own = await ownDir();
    const child = spawn(process.execPath, [BIN, 'preview', '--port', '0'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', TMPDIR: own }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let output = '';
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const url = await new Promise<string>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
        const match = /Preview at (\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      }),
    );
    // The answer never comes: the preview goes away first.
    void fetchText(new URL('/clients?who=named&client=thunderbird', url).href, { method: 'POST' }).catch(() => undefined);
    await thunderbirdStarted(own);
    child.kill('SIGINT');
    await exited;
    // Long enough for a retry to have started a second Thunderbird, had it been allowed to.
    await sleep(2_000);
    expect(await processesWith(`${own}/newsletter-thunderbird-`)).toEqual([]);
    expect((await readdir(own)).filter((n) => n.startsWith('newsletter-thunderbird-'))).toEqual([]);
  }, 120_000);
});
