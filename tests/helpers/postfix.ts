/**
 * A real Postfix for tests: its own config, queue and Maildirs in a temp folder,
 * listening on 127.0.0.1 on a free port, delivering every accepted message for
 * example.com into one Maildir per recipient. Nothing ever leaves the machine:
 * mail for any other domain fails at once through the `error` transport.
 *
 *   const pf = await startPostfix({ mailboxes: ['ada@example.com'] });
 *   // … send to smtp://127.0.0.1:${pf.port} …
 *   await pf.settled();
 *   expect(await pf.counts()).toEqual(new Map([['ada@example.com', 1]]));
 *   await pf.stop();
 *
 * `postfix start` needs root (its master process binds and drops privileges):
 * without Postfix, or without root, the tests are skipped with a printed note
 * (as the Chromium tests are), except under CI=true, where .ci/run installs
 * Postfix and runs as root, and they fail instead.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simpleParser, type ParsedMail } from 'mailparser';

const run = promisify(execFile);

export const POSTFIX = ['/usr/sbin/postfix', '/usr/bin/postfix'].find((p) => existsSync(p));
const SASLPASSWD = ['/usr/sbin/saslpasswd2', '/usr/bin/saslpasswd2'].find((p) => existsSync(p));
const isRoot = process.getuid?.() === 0;
const missing =
  !POSTFIX || !SASLPASSWD ? `no ${POSTFIX ? 'saslpasswd2' : 'Postfix'} in /usr/sbin (sudo apt-get install postfix sasl2-bin libsasl2-modules)`
  : !isRoot ? 'postfix start needs root (run the tests as root, as CI does)'
  : undefined;
export const SKIP_POSTFIX = missing !== undefined && process.env.CI !== 'true';
if (SKIP_POSTFIX) console.warn(`Skipping Postfix tests: ${missing}.`);

/** The uid and gid that own delivered mail (`nobody`): virtual(8) never delivers as root. */
const MAIL_OWNER = 65534;

export interface PostfixOptions {
  /** Addresses @example.com that have a mailbox; any other recipient there is refused with 550 5.1.1 at RCPT TO (unless bounces.acceptUnknown). */
  mailboxes: string[];
  /** Extra main.cf parameters (they win over the defaults below). `$DIR` stands for the instance's folder. */
  main?: Record<string, string>;
  /** Extra files written into the instance's folder before start (access tables, SASL config), by relative path. */
  files?: Record<string, string>;
  /** Users for Cyrus SASL (sasldb, PLAIN and LOGIN); when set, smtpd offers AUTH. */
  saslUsers?: Record<string, string>;
  /** A return-path mailbox that receives the DSNs Postfix itself writes (see BounceOptions). */
  bounces?: BounceOptions;
}

/**
 * Real delivery status notifications (RFC 3464), made by Postfix and delivered back here:
 *
 *   const pf = await startPostfix({ mailboxes: ['ada@example.com'], bounces: { mailbox: 'bounces@news.example.com', acceptUnknown: true } });
 *   // … send with envelope from bounces+TOKEN@news.example.com to ada@ and nobody@example.com …
 *   const [dsn] = await pf.waitForBounces(1, 10_000);
 */
export interface BounceOptions {
  /**
   * The return path, e.g. bounces@news.example.com. Its domain becomes a virtual mailbox domain with
   * this one mailbox, and with `recipient_delimiter = +` every bounces+ANYTHING@ there lands in its
   * Maildir (virtual(8) TABLE SEARCH ORDER: user+extension@domain first, then user@domain).
   */
  mailbox: string;
  /**
   * Accept unknown example.com recipients at RCPT TO (`smtpd_reject_unlisted_recipient = no`): virtual(8)
   * then finds no mailbox ("unknown user", 5.1.1) and Postfix bounces them with a DSN to the envelope sender.
   */
  acceptUnknown?: boolean;
  /**
   * Addresses that fail temporarily, each with its RFC 3463 code and text (e.g. '4.2.2 Mailbox full'):
   * transport_maps sends them to the `retry` service, error(8) defers them, and with
   * `maximal_queue_lifetime = 0` ("tried only once", postconf(5)) the first deferral is final: the DSN
   * says `Action: failed` with that 4.x.x Status, right away instead of after 5 days.
   */
  soft?: Record<string, string>;
}

export interface Postfix {
  port: number;
  /** The instance's folder: conf/, queue/, data/, mail/, maillog. */
  dir: string;
  /** Messages delivered per mailbox (only those with at least one). */
  counts(): Promise<Map<string, number>>;
  /** What one mailbox received, parsed with mailparser. */
  messages(address: string): Promise<ParsedMail[]>;
  /** Wait until nothing is left in the queue (everything accepted is delivered or bounced). */
  settled(): Promise<void>;
  maillog(): Promise<string>;
  /** Replace the extra main.cf parameters (PostfixOptions.main), then `postfix reload`: new connections get the new settings. */
  reconfigure(main: Record<string, string>): Promise<void>;
  /** The return-path Maildir (with cur/, new/, tmp/) when PostfixOptions.bounces is set, else undefined. */
  bounceMaildir: string | undefined;
  /** Wait (at most timeoutMs) until `n` messages are in bounceMaildir/new; resolves with their paths, oldest first. */
  waitForBounces(n: number, timeoutMs: number): Promise<string[]>;
  stop(): Promise<void>;
}

const running = new Set<string>();
// Whatever happens to the test (a failed assertion, a crash), no Postfix outlives the test process.
process.on('exit', () => {
  for (const conf of running) {
    try {
      execFileSync(POSTFIX!, ['-c', conf, 'stop'], { stdio: 'ignore' });
    } catch {
      // Already stopped, or its folder is gone: nothing left to do.
    }
  }
});

const handedOut = new Set<number>();

/**
 * A port that was free a moment ago on 127.0.0.1 (Postfix binds it itself, so it cannot take
 * port 0), never one already given to an instance of this process that may not have bound it yet.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function mainCf(dir: string, options: PostfixOptions): string {
  const conf = join(dir, 'conf');
  const params: Record<string, string> = {
    compatibility_level: '3.6',
    config_directory: conf,
    queue_directory: join(dir, 'queue'),
    data_directory: join(dir, 'data'),
    // Postfix writes its log only under a listed prefix, and refuses to start (without saying why) otherwise.
    maillog_file: join(dir, 'maillog'),
    maillog_file_prefixes: dir,
    myhostname: 'relay.test',
    mydomain: 'relay.test',
    myorigin: 'relay.test',
    mydestination: '',
    relayhost: '',
    inet_interfaces: '127.0.0.1',
    inet_protocols: 'ipv4',
    mynetworks: '127.0.0.0/8',
    // Never off this machine: no DNS, and mail for any domain but example.com (bounces included) fails here.
    smtp_host_lookup: 'native',
    smtp_dns_support_level: 'disabled',
    default_transport: 'error:5.7.0 test relay: outbound mail is disabled',
    relay_transport: 'error:5.7.0 test relay: outbound mail is disabled',
    notify_classes: '',
    alias_maps: '',
    alias_database: '',
    biff: 'no',
    virtual_mailbox_domains: 'example.com',
    virtual_mailbox_base: join(dir, 'mail'),
    // One Maildir per recipient ("ada/", the trailing slash means Maildir). virtual(8) refuses $1 from a regexp, so a listed table.
    virtual_mailbox_maps: `texthash:${join(conf, 'mailboxes')}`,
    virtual_uid_maps: `static:${MAIL_OWNER}`,
    virtual_gid_maps: `static:${MAIL_OWNER}`,
    virtual_minimum_uid: '1',
    ...(options.saslUsers ? sasl(conf) : {}),
    ...(options.bounces ? bounceParams(conf, options.bounces) : {}),
    ...options.main,
  };
  return Object.entries(params).map(([k, v]) => `${k} = ${v.replaceAll('$DIR', dir)}`).join('\n') + '\n';
}

function sasl(conf: string): Record<string, string> {
  return {
    smtpd_sasl_auth_enable: 'yes',
    smtpd_sasl_type: 'cyrus',
    smtpd_sasl_path: 'smtpd',
    cyrus_sasl_config_path: join(conf, 'sasl'),
    smtpd_sasl_local_domain: 'relay.test',
    smtpd_sasl_security_options: 'noanonymous',
  };
}

function bounceParams(conf: string, bounces: BounceOptions): Record<string, string> {
  const soft = Object.keys(bounces.soft ?? {}).length > 0;
  return {
    virtual_mailbox_domains: `example.com, ${domainOf(bounces.mailbox)}`,
    recipient_delimiter: '+',
    ...(bounces.acceptUnknown ? { smtpd_reject_unlisted_recipient: 'no' } : {}),
    // bounce_queue_lifetime may not exceed maximal_queue_lifetime (qmgr warns and lowers it): 0 too, so a DSN is tried once.
    ...(soft ? { transport_maps: `texthash:${join(conf, 'transport')}`, maximal_queue_lifetime: '0', bounce_queue_lifetime: '0' } : {}),
  };
}

/** The virtual_mailbox_maps lines and transport_maps table that BounceOptions need. */
function bounceTables(bounces: BounceOptions): { mailboxes: string; transport: string } {
  const soft = Object.entries(bounces.soft ?? {});
  return {
    // The soft addresses are listed too, so RCPT TO accepts them even without acceptUnknown; transport_maps wins at delivery.
    mailboxes: [`${bounces.mailbox} ${bounceMaildirName(bounces.mailbox)}/\n`, ...soft.map(([a]) => `${a} ${mailboxDir(a)}/\n`)].join(''),
    transport: soft.map(([address, reason]) => `${address} retry:${reason}\n`).join(''),
  };
}

/** Under the domain's own folder, so it never collides with an example.com mailbox of the same local part. */
const bounceMaildirName = (address: string) => `${domainOf(address)}/${mailboxDir(address)}`;
const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** The return-path Maildir made ahead of the first DSN, so a reader finds cur/new/tmp before anything bounced. */
async function makeBounceMaildir(dir: string, address: string): Promise<string> {
  const domain = join(dir, 'mail', domainOf(address));
  const maildir = join(dir, 'mail', bounceMaildirName(address));
  for (const path of [domain, maildir, ...['cur', 'new', 'tmp'].map((d) => join(maildir, d))]) {
    await mkdir(path, { recursive: true });
    await chown(path, MAIL_OWNER, MAIL_OWNER);
  }
  return maildir;
}

/** master.cf: our smtpd on 127.0.0.1:PORT and the services it needs, none chrooted (the temp folder has no /etc copies). */
function masterCf(port: number): string {
  const services = [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    'pickup unix n - n 60 1 pickup',
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'tlsmgr unix - - n 1000? 1 tlsmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'flush unix n - n 1000? 0 flush',
    'proxymap unix - - n - - proxymap',
    'proxywrite unix - - n - 1 proxymap',
    'smtp unix - - n - - smtp',
    'relay unix - - n - - smtp',
    'showq unix n - n - - showq',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'discard unix - - n - - discard',
    'virtual unix - n n - - virtual',
    'anvil unix - - n - 1 anvil',
    'scache unix - - n - 1 scache',
    'postlog unix-dgram n - n - 1 postlogd',
  ];
  return services.join('\n') + '\n';
}

async function writeSasl(conf: string, users: Record<string, string>): Promise<void> {
  const dbPath = join(conf, 'sasldb2');
  await mkdir(join(conf, 'sasl'));
  await writeFile(join(conf, 'sasl', 'smtpd.conf'), `pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: ${dbPath}\nmech_list: PLAIN LOGIN\n`);
  for (const [user, password] of Object.entries(users)) {
    await new Promise<void>((resolve, reject) => {
      const child = execFile(SASLPASSWD!, ['-f', dbPath, '-p', '-c', '-u', 'relay.test', user], (error) => (error instanceof Error ? reject(error) : resolve()));
      child.stdin?.end(password);
    });
  }
  // smtpd reads it as the postfix user; a test password, so world-readable is fine.
  await chmod(dbPath, 0o644);
}

async function postfixCmd(conf: string, ...args: string[]): Promise<void> {
  await run(POSTFIX!, ['-c', conf, ...args]);
}

/** Why Postfix did not start: `postfix check` and the maillog, so the test failure says it. */
async function startError(dir: string, cause: unknown): Promise<Error> {
  let check = '';
  try {
    const r = await run(POSTFIX!, ['-c', join(dir, 'conf'), 'check']);
    check = r.stdout + r.stderr;
  } catch (error) {
    check = String((error as { stderr?: string }).stderr ?? error);
  }
  const log = await readFile(join(dir, 'maillog'), 'utf8').catch(() => '(no maillog)');
  return new Error(`Postfix did not start in ${dir}: ${(cause as Error).message}\n--- postfix check ---\n${check}\n--- maillog ---\n${log}`);
}

function waitForPort(port: number, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket: Socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', (error) => {
        socket.destroy();
        if (Date.now() > deadline) reject(error);
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Start a Postfix instance; stop it with `stop()` in afterAll (the process's exit stops any left running). */
export async function startPostfix(options: PostfixOptions): Promise<Postfix> {
  const dir = await mkdtemp(join(tmpdir(), 'newsletter-postfix-'));
  // The postfix user and the mailbox owner must reach their files inside.
  await chmod(dir, 0o755);
  const conf = join(dir, 'conf');
  const port = await freePort();
  await mkdir(conf);
  await mkdir(join(dir, 'queue'));
  await mkdir(join(dir, 'data'));
  await mkdir(join(dir, 'mail'));
  await chown(join(dir, 'data'), postfixUid(), 0);
  await chown(join(dir, 'mail'), MAIL_OWNER, MAIL_OWNER);
  await writeFile(join(conf, 'main.cf'), mainCf(dir, options));
  await writeFile(join(conf, 'master.cf'), masterCf(port));
  const tables = options.bounces ? bounceTables(options.bounces) : { mailboxes: '', transport: '' };
  await writeFile(join(conf, 'mailboxes'), options.mailboxes.map((a) => `${a} ${mailboxDir(a)}/\n`).join('') + tables.mailboxes);
  if (tables.transport) await writeFile(join(conf, 'transport'), tables.transport);
  const bounceMaildir = options.bounces ? await makeBounceMaildir(dir, options.bounces.mailbox) : undefined;
  for (const [file, content] of Object.entries(options.files ?? {})) await writeFile(join(dir, file), content.replaceAll('$DIR', dir));
  if (options.saslUsers) await writeSasl(conf, options.saslUsers);
  try {
    await postfixCmd(conf, 'start');
    running.add(conf);
    await waitForPort(port, Date.now() + 10_000);
  } catch (cause) {
    const error = await startError(dir, cause);
    await stopInstance(conf, dir);
    throw error;
  }
  return {
    port,
    dir,
    counts: () => counts(dir, options.mailboxes),
    messages: (address) => messages(dir, address),
    settled: () => settled(dir),
    maillog: () => readFile(join(dir, 'maillog'), 'utf8'),
    reconfigure: async (main) => {
      await writeFile(join(conf, 'main.cf'), mainCf(dir, { ...options, main }));
      await postfixCmd(conf, 'reload');
    },
    bounceMaildir,
    waitForBounces: (n, timeoutMs) => waitForBounces(dir, bounceMaildir, n, timeoutMs),
    stop: () => stopInstance(conf, dir),
  };
}

function postfixUid(): number {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postfix:'));
  if (!line) throw new Error('No "postfix" user in /etc/passwd: is the postfix package installed?');
  return Number(line.split(':')[2]);
}

/** A recipient's Maildir name: the local part (the tests use plain ones). */
const mailboxDir = (address: string) => address.split('@')[0]!.toLowerCase();

async function newFiles(dir: string, address: string): Promise<string[]> {
  const path = join(dir, 'mail', mailboxDir(address), 'new');
  const names = await readdir(path).catch(() => []);
  return names.map((n) => join(path, n));
}

async function counts(dir: string, mailboxes: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const address of mailboxes) {
    const n = (await newFiles(dir, address)).length;
    if (n > 0) out.set(address, n);
  }
  return out;
}

async function messages(dir: string, address: string): Promise<ParsedMail[]> {
  return Promise.all((await newFiles(dir, address)).map(async (f) => simpleParser(await readFile(f))));
}

/** Files anywhere under the queue's message folders. */
async function queued(dir: string): Promise<number> {
  let n = 0;
  for (const q of ['maildrop', 'incoming', 'active', 'deferred', 'hold']) {
    const entries = await readdir(join(dir, 'queue', q), { recursive: true, withFileTypes: true }).catch(() => []);
    n += entries.filter((e) => e.isFile()).length;
  }
  return n;
}

async function settled(dir: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  // Two empty looks in a row: a message can be between smtpd's cleanup and the incoming queue for a moment.
  let empty = 0;
  while (empty < 2) {
    if (Date.now() > deadline) throw new Error(`Postfix still has ${await queued(dir)} message(s) queued after 30 s; maillog:\n${await readFile(join(dir, 'maillog'), 'utf8')}`);
    empty = (await queued(dir)) === 0 ? empty + 1 : 0;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Poll the return-path Maildir's new/ until it holds `n` messages; the error says what the maillog says. */
async function waitForBounces(dir: string, maildir: string | undefined, n: number, timeoutMs: number): Promise<string[]> {
  if (!maildir) throw new Error('waitForBounces needs startPostfix({ bounces: { mailbox } })');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await maildirNew(maildir);
    if (found.length >= n) return found;
    if (Date.now() > deadline) {
      const log = await readFile(join(dir, 'maillog'), 'utf8').catch(() => '(no maillog)');
      throw new Error(`${found.length} of ${n} DSN(s) in ${maildir}/new after ${timeoutMs} ms; maillog tail:\n${log.split('\n').slice(-40).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Messages in a Maildir's new/, by name: virtual(8) names begin with the delivery time in seconds, so older first. */
async function maildirNew(maildir: string): Promise<string[]> {
  const names = await readdir(join(maildir, 'new')).catch(() => []);
  return names.sort().map((name) => join(maildir, 'new', name));
}

/** The master's pid while it runs, from its pid file. */
function masterPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'queue', 'pid', 'master.pid'), 'utf8').trim());
    const state = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^State:\s+(\w)/m)?.[1];
    return state && state !== 'Z' ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function stopInstance(conf: string, dir: string): Promise<void> {
  if (running.delete(conf)) {
    await postfixCmd(conf, 'stop').catch(() => {});
    // `postfix stop` signals the master; give it a moment to take its daemons down, then make sure.
    for (let i = 0; i < 50 && masterPid(dir) !== undefined; i++) await new Promise((r) => setTimeout(r, 100));
    const pid = masterPid(dir);
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
  }
  await rm(dir, { recursive: true, force: true });
}

/**
 * A Postfix policy-delegation server (SMTPD_POLICY_README): Postfix sends
 * `name=value` lines ending with an empty line for each request, and reads back
 * `action=…` and an empty line. `decide` gets the request's attributes and
 * returns the action ("dunno" lets Postfix go on). Use it from main.cf with
 * `check_policy_service inet:127.0.0.1:PORT` in smtpd_recipient_restrictions.
 */
export interface PolicyServer {
  port: number;
  close(): Promise<void>;
}

export function startPolicyServer(decide: (request: Map<string, string>) => string): Promise<PolicyServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    // smtpd keeps its policy connection open between requests: close() ends them.
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const request = new Map(buffer.slice(0, end).split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]));
        buffer = buffer.slice(end + 2);
        socket.write(`action=${decide(request)}\n\n`);
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      const close = () => new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      });
      resolve({ port, close });
    });
  });
}
