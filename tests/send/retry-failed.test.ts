import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { SUPPRESSION_FILE } from '../../src/audience/suppression.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server.ts';
import { addressOf, CLEAN_ENV, cliEnv, CONTENT, ISSUE, writeList } from './helpers.ts';

let server: SmtpTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** One connection: the list goes out in order, so the refused recipient sits between accepted ones. */
const send = (dir: string, list: string, extra: string[] = []) =>
  runCli(['send', ISSUE, '--content', CONTENT, '--to', list, '--state', join(dir, 'state'), '--concurrency', '1', ...extra], { cwd: dir, env: { ...CLEAN_ENV, ...cliEnv(server?.port) } });

async function csvIn(dir: string, name: (file: string) => boolean): Promise<Record<string, string>[]> {
  const file = (await readdir(join(dir, 'state'))).find(name);
  if (!file) throw new Error(`no such file in ${dir}/state`);
  return parse<Record<string, string>>(await readFile(join(dir, 'state', file), 'utf8'), { columns: true });
}
const failuresCsv = (dir: string) => csvIn(dir, (f) => f.endsWith('.failures.csv'));
const suppressionCsv = (dir: string) => csvIn(dir, (f) => f === SUPPRESSION_FILE);

// writeList: the header is row 1, so addressOf(i) is on row i + 2.
const POLICY = addressOf(2);
const BOUNCED = addressOf(3);
/** A refusal about this recipient that is not a hard bounce: the address exists, the relay's policy refused it. */
const policyRefusal = (rcpt: string) => `5.7.1 <${rcpt}>: Recipient address rejected: Access denied`;

describe('send --retry-failed', () => {
  it('--retry-failed leaves permanent failures alone; --retry-failed=all sends to them once the cause is fixed, exactly once', async () => {
    let refusing = true;
    server = await startSmtpTestServer({ permanentFail: (rcpt) => refusing && rcpt === POLICY && policyRefusal(rcpt) });
    const dir = await tempDir();
    const list = await writeList(dir, 5);

    const first = await send(dir, list);
    expect(first.stderr).not.toMatch(/Internal error/);
    expect(first.code).toBe(2);
    expect(first.stdout).toMatch(/failed permanently +1 .*--retry-failed=all/);
    expect(server.count(POLICY)).toBe(0);

    refusing = false;
    const transientOnly = await send(dir, list, ['--retry-failed']);
    expect(transientOnly.code).toBe(2);
    expect(server.count(POLICY)).toBe(0);

    const all = await send(dir, list, ['--retry-failed=all']);
    expect(all.stderr).not.toMatch(/Internal error/);
    expect(all.code).toBe(0);
    expect(server.count(POLICY)).toBe(1);

    const again = await send(dir, list, ['--retry-failed=all']);
    expect(again.code).toBe(0);
    for (let i = 0; i < 5; i++) expect(server.count(addressOf(i)), addressOf(i)).toBe(1);
  });

  it('a hard-bounced address stays suppressed with --retry-failed=all, until it is removed from suppression.csv', async () => {
    let refusing = true;
    server = await startSmtpTestServer({ permanentFail: (rcpt) => refusing && rcpt === BOUNCED });
    const dir = await tempDir();
    const list = await writeList(dir, 5);
    expect((await send(dir, list)).code).toBe(2);
    expect((await suppressionCsv(dir)).map((r) => r.email)).toEqual([BOUNCED]);

    refusing = false;
    const all = await send(dir, list, ['--retry-failed=all']);
    expect(all.stderr).not.toMatch(/Internal error/);
    expect(all.stdout).toMatch(/skipped +1 \(1 suppressed\)/);
    expect(server.count(BOUNCED)).toBe(0);

    // The README's way out for an address that bounced by mistake: delete its line from suppression.csv.
    const supp = join(dir, 'state', SUPPRESSION_FILE);
    const lines = (await readFile(supp, 'utf8')).split('\n').filter((l) => !l.startsWith(BOUNCED));
    await writeFile(supp, lines.join('\n'));
    const unsuppressed = await send(dir, list, ['--retry-failed=all']);
    expect(unsuppressed.code).toBe(0);
    expect(server.count(BOUNCED)).toBe(1);
    expect(server.total()).toBe(5);
  });

  it.each(['other', '', 'ALL,transient'])('--retry-failed=%s is a usage error (exit 1) with an example, and nothing is sent', async (value) => {
    server = await startSmtpTestServer();
    const dir = await tempDir();
    const list = await writeList(dir, 2);
    const r = await send(dir, list, [`--retry-failed=${value}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/Internal error/);
    expect(r.stderr).toContain(`--retry-failed=${value}`);
    expect(r.stderr).toMatch(/--retry-failed=all/);
    expect(server.total()).toBe(0);
  });

  it('--help names --retry-failed=all', async () => {
    const r = await runCli(['send', '--help'], { env: CLEAN_ENV });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--retry-failed\[=all\]/);
  });
});

describe('the failures CSV and suppression.csv after delivery failures', () => {
  it("the failures CSV's row column is the recipient's row in the list", async () => {
    server = await startSmtpTestServer({ permanentFail: (rcpt) => (rcpt === POLICY ? policyRefusal(rcpt) : rcpt === BOUNCED) });
    const dir = await tempDir();
    const list = await writeList(dir, 5);
    expect((await send(dir, list)).code).toBe(2);
    const rows = await failuresCsv(dir);
    expect(rows.map((r) => [r.email, r.row, r.outcome, r.smtp_code])).toEqual(
      expect.arrayContaining([
        [POLICY, '4', 'failed permanently', '550'],
        [BOUNCED, '5', 'failed permanently', '550'],
      ]),
    );
    expect(rows).toHaveLength(2);
  });

  it("a hard bounce's source in suppression.csv names the reply code once", async () => {
    server = await startSmtpTestServer({ permanentFail: (rcpt) => rcpt === BOUNCED });
    const dir = await tempDir();
    const list = await writeList(dir, 5);
    expect((await send(dir, list)).code).toBe(2);
    const [entry] = await suppressionCsv(dir);
    expect(entry?.email).toBe(BOUNCED);
    expect(entry?.reason).toBe('bounced');
    expect(entry?.source).toMatch(/^smtp 550 5\.1\.1 <user3@example\.com>: Recipient address rejected: User unknown/);
    expect(entry?.source).not.toMatch(/550 550/);
  });
});
