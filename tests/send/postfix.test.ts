/**
 * `send` against a real Postfix on 127.0.0.1 (issue 10 §4): each scenario has
 * its own instance (tests/helpers/postfix.ts) with the config it needs, sends
 * through the real CLI, and reads what arrived from the Maildirs.
 */
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalRecord } from '../../src/send/journal.ts';
import { runCli, tempDir, type CliResult } from '../helpers/cli.ts';
import { FIXTURES } from '../helpers/content.ts';
import { journalRecords } from '../helpers/delivery.ts';
import { SKIP_POSTFIX, startPolicyServer, startPostfix, type PolicyServer, type Postfix, type PostfixOptions } from '../helpers/postfix.ts';
import { addressOf, CLEAN_ENV, cliEnv, CONTENT, ISSUE, writeList } from './helpers.ts';

/** Debian-style "snakeoil" certificate: self-signed, CN and SAN relay.test. */
const SNAKEOIL = join(FIXTURES, 'tls', 'snakeoil.pem');
const SNAKEOIL_KEY = join(FIXTURES, 'tls', 'snakeoil-key.pem');
/** Short waits, so deferred recipients are retried within the test (the default waits minutes). */
const FAST_RETRIES = ['--retry-schedule', '1s,1s,2s,2s,4s,4s,8s'];

const addresses = (n: number) => Array.from({ length: n }, (_, i) => addressOf(i));

interface SendRun {
  dir: string;
  list: string;
  state: string;
}

async function sendRun(n: number): Promise<SendRun> {
  const dir = await tempDir();
  return { dir, list: await writeList(dir, n), state: join(dir, 'state') };
}

function send(r: SendRun, port: number, extraEnv: Record<string, string> = {}, flags: string[] = []): Promise<CliResult> {
  const args = ['send', ISSUE, '--content', CONTENT, '--to', r.list, '--state', r.state, ...flags];
  return runCli(args, { cwd: r.dir, env: { ...CLEAN_ENV, ...cliEnv(port, extraEnv) }, killAfterMs: 50_000 });
}

async function journal(state: string): Promise<JournalRecord[]> {
  const name = (await readdir(state)).find((n) => n.endsWith('.journal.jsonl'));
  if (!name) return [];
  return journalRecords(join(state, name));
}

/** Poll `ready` until it holds, or `done` settles first (the send ended early: the assertions after say how). */
async function until(ready: () => Promise<boolean>, done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.finally(() => (finished = true));
  while (!finished && !(await ready())) await new Promise((r) => setTimeout(r, 100));
}

const failedIn = async (state: string) => (await journal(state)).filter((r) => r.s === 'failed');

/** Every one of `expected` delivered exactly once, and nobody else. */
async function expectEachOnce(pf: Postfix, expected: string[]): Promise<void> {
  await pf.settled();
  const counts = await pf.counts();
  const wrong = [...counts].filter(([, n]) => n !== 1);
  expect(wrong, 'mailboxes with more than one copy').toEqual([]);
  expect([...counts.keys()].sort()).toEqual([...expected].sort());
}

/** Deferral scenario: while `flag` exists, the policy server tells these recipients to come back later. */
const greylist = {
  flag: '',
  // Every 15th of 60: greylisting or a busy mailbox, a few percent as a real list sees.
  chosen: addresses(60).filter((_, i) => i % 15 === 7),
  deferred: new Map<string, number>(),
};

function greylistPolicy(request: Map<string, string>): string {
  const rcpt = (request.get('recipient') ?? '').toLowerCase();
  if (!greylist.chosen.includes(rcpt) || !greylist.flag || !existsSync(greylist.flag)) return 'dunno';
  greylist.deferred.set(rcpt, (greylist.deferred.get(rcpt) ?? 0) + 1);
  return greylist.chosen.indexOf(rcpt) % 2 === 0 ? '451 4.7.1 Greylisted, try again later' : '450 4.2.1 Mailbox busy, try again later';
}

/** Apply anvil's limits to 127.0.0.1 too (by default $mynetworks is exempt). */
const ANVIL_FOR_LOOPBACK = { smtpd_client_event_limit_exceptions: '' };

function scenarios(policyPort: number): Record<string, PostfixOptions> {
  return {
    bulk: { mailboxes: addresses(500) },
    tls: {
      mailboxes: addresses(20),
      main: { smtpd_tls_security_level: 'may', smtpd_tls_cert_file: SNAKEOIL, smtpd_tls_key_file: SNAKEOIL_KEY, smtpd_tls_received_header: 'yes', smtpd_tls_loglevel: '1' },
    },
    login: {
      mailboxes: addresses(30),
      saslUsers: { newsletter: 'relay-test-password' },
      files: { 'conf/auth-required': '/./ 530 5.7.0 Authentication required\n' },
      main: {
        // Refuse at MAIL FROM (as submission servers do), not only at RCPT TO.
        smtpd_delay_reject: 'no',
        smtpd_sender_restrictions: 'permit_sasl_authenticated, check_sender_access regexp:$DIR/conf/auth-required',
        smtpd_relay_restrictions: 'permit_sasl_authenticated, reject',
        smtpd_recipient_restrictions: 'permit_sasl_authenticated, reject',
      },
    },
    deferrals: { mailboxes: addresses(60), main: { smtpd_recipient_restrictions: `check_policy_service inet:127.0.0.1:${policyPort}, permit` } },
    // The storm: one connection at a time, so every other connection is answered 421 4.7.0 at once.
    storm: { mailboxes: addresses(120), main: { ...ANVIL_FOR_LOOPBACK, smtpd_client_connection_count_limit: '1' } },
  };
}

// Setting up a queue takes Postfix about 2 s: all instances start at once, and each test awaits its own.
const started = new Map<string, Promise<Postfix>>();
let policy: PolicyServer | undefined;
const instance = (name: string) => started.get(name) ?? Promise.reject(new Error(`no Postfix scenario "${name}"`));

describe.skipIf(SKIP_POSTFIX)('send through a real Postfix on 127.0.0.1', () => {
  beforeAll(async () => {
    policy = await startPolicyServer(greylistPolicy);
    for (const [name, options] of Object.entries(scenarios(policy.port))) {
      const pf = startPostfix(options);
      // A failed start is reported by the test that awaits it, not as an unhandled rejection here.
      pf.catch(() => {});
      started.set(name, pf);
    }
  });
  afterAll(async () => {
    const all = await Promise.allSettled(started.values());
    await Promise.all(all.flatMap((s) => (s.status === 'fulfilled' ? [s.value.stop()] : [])));
    await policy?.close();
  });

  it('delivers 500 recipients exactly once each, personalized, with List-Unsubscribe', async () => {
    const pf = await instance('bulk');
    const r = await sendRun(500);
    const result = await send(r, pf.port, {}, ['--concurrency', '5']);
    expect(result.stderr + result.stdout).not.toMatch(/Internal error/);
    expect(result.code).toBe(0);
    await expectEachOnce(pf, addresses(500));
    for (const i of [0, 250, 499]) {
      const [mail] = await pf.messages(addressOf(i));
      expect(mail!.to).toMatchObject({ value: [{ address: addressOf(i) }] });
      expect(mail!.subject).toBe(`First${i}, your issue 3 is here`);
      // The subscriber's own signed link, as the journal's recipient; Delivered-To is Postfix's own record of the mailbox.
      expect(mail!.headerLines.find((h) => h.key === 'list-unsubscribe')?.line.replace(/\r\n\s+/g, ' ')).toMatch(new RegExp(`^List-Unsubscribe: <https://[^>]*e=user${i}%40example\\.com&t=[\\w-]+>`));
      expect(mail!.headers.get('delivered-to')).toMatchObject({ value: [{ address: addressOf(i) }] });
    }
    expect(await failedIn(r.state)).toEqual([]);
  });

  it('STARTTLS with a self-signed certificate: refused by default (exit 3, nobody failed), delivered once trusted with SMTP_TLS_CA_FILE', async () => {
    const pf = await instance('tls');
    const r = await sendRun(20);
    const untrusted = await send(r, pf.port);
    expect(untrusted.code).toBe(3);
    expect(untrusted.stdout + untrusted.stderr).toMatch(/self-signed certificate/);
    expect(untrusted.stdout + untrusted.stderr).toContain('SMTP_TLS_CA_FILE');
    await pf.settled();
    expect(await pf.counts()).toEqual(new Map());
    expect(await failedIn(r.state)).toEqual([]);

    const trusted = await send(r, pf.port, { SMTP_TLS_CA_FILE: SNAKEOIL, SMTP_TLS_SERVERNAME: 'relay.test' });
    expect(trusted.stderr + trusted.stdout).not.toMatch(/Internal error/);
    expect(trusted.code).toBe(0);
    await expectEachOnce(pf, addresses(20));
    // Postfix's own record that the session was encrypted: its Received header and its log.
    const [mail] = await pf.messages(addressOf(7));
    expect(mail!.headerLines.find((h) => h.key === 'received')?.line).toMatch(/using TLSv1\.[23] with cipher/);
    expect(await pf.maillog()).toMatch(/TLS connection established from localhost\[127\.0\.0\.1\]/);
  });

  it('a relay that requires a login: without credentials exit 3 with its words and nobody failed; with them everyone once', async () => {
    const pf = await instance('login');
    const r = await sendRun(30);
    const anonymous = await send(r, pf.port);
    expect(anonymous.code).toBe(3);
    expect(anonymous.stdout + anonymous.stderr).toMatch(/530 5\.7\.0 .*Authentication required/);
    expect(anonymous.stdout + anonymous.stderr).toMatch(/SMTP_USER|SMTP_URL/);
    expect(await failedIn(r.state)).toEqual([]);
    await pf.settled();
    expect(await pf.counts()).toEqual(new Map());

    const login = await send(r, pf.port, { SMTP_URL: `smtp://newsletter:relay-test-password@127.0.0.1:${pf.port}` });
    expect(login.stderr + login.stdout).not.toMatch(/Internal error/);
    expect(login.code).toBe(0);
    await expectEachOnce(pf, addresses(30));
    expect(await pf.maillog()).toMatch(/sasl_method=(PLAIN|LOGIN), sasl_username=newsletter/);
    expect(await failedIn(r.state)).toEqual([]);
  });

  it('recipients deferred with 450/451 do not hold up the others, and are delivered once on retry after the deferrals stop', async () => {
    const pf = await instance('deferrals');
    const r = await sendRun(60);
    greylist.flag = join(r.dir, 'deferring');
    await writeFile(greylist.flag, '');
    const { chosen, deferred } = greylist;
    const others = addresses(60).filter((a) => !chosen.includes(a));

    const sending = send(r, pf.port, {}, FAST_RETRIES);
    // Everyone else arrives while the chosen ones are still being deferred.
    await until(async () => (await pf.counts()).size === others.length && deferred.size === chosen.length, sending);
    expect([...(await pf.counts()).keys()].sort()).toEqual([...others].sort());
    expect([...deferred.keys()].sort()).toEqual([...chosen].sort());
    await rm(greylist.flag);

    const result = await sending;
    expect(result.stderr + result.stdout).not.toMatch(/Internal error/);
    expect(result.code).toBe(0);
    await expectEachOnce(pf, addresses(60));
    expect(await failedIn(r.state)).toEqual([]);
    expect(await pf.maillog()).toMatch(/451 4\.7\.1 <user\d+@example\.com>: Recipient address rejected: Greylisted/);
  });

  it('a storm of 421 "too many connections" slows the sender down; when it ends everyone is delivered once, without failures', async () => {
    const pf = await instance('storm');
    const r = await sendRun(120);
    const sending = send(r, pf.port, {}, ['--concurrency', '5', ...FAST_RETRIES]);
    const turnedAway = async () => (await pf.maillog()).match(/Connection concurrency limit exceeded/g)?.length ?? 0;
    await until(async () => (await turnedAway()) >= 10, sending);
    // The storm ends: new connections are welcome again.
    await pf.reconfigure(ANVIL_FOR_LOOPBACK);

    const result = await sending;
    expect(result.stderr + result.stdout).not.toMatch(/Internal error/);
    expect(result.code).toBe(0);
    await expectEachOnce(pf, addresses(120));
    expect(await failedIn(r.state)).toEqual([]);
    expect(await turnedAway()).toBeGreaterThanOrEqual(10);
    expect(result.stdout).toMatch(/throttled\s+\d+ times \(slowed down; not failures\)/);
  });
});
