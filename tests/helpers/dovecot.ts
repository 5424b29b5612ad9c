/**
 * A real Dovecot IMAP server for tests: its own config, state and log in a temp folder,
 * listening on 127.0.0.1 on a free port, serving one user whose mail is the Maildir given.
 *
 *   const dc = await startDovecot({ user: 'bounces', password: 'secret-for-tests', maildir: DIR });
 *   // … imapflow to dc.url (imap://bounces:…@127.0.0.1:PORT) …
 *   await dc.stop();
 *
 * Cleartext IMAP with a plaintext login is allowed, which is only acceptable because it is
 * loopback-only and the password is a test one. Like the Postfix tests (tests/helpers/postfix.ts):
 * without Dovecot, or without root (the master binds and drops privileges to the mail user), the
 * tests are skipped with a printed note, except under CI=true, where .ci/run installs
 * dovecot-imapd and runs as root, and they fail instead.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { freePort } from './postfix.ts';

export const DOVECOT = ['/usr/sbin/dovecot', '/usr/bin/dovecot'].find((p) => existsSync(p));
const isRoot = process.getuid?.() === 0;
const passwdLine = (name: string) => readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
const hasUser = (name: string) => passwdLine(name) !== undefined;
const uidOf = (name: string) => Number(passwdLine(name)!.split(':')[2]);
const missing =
  !DOVECOT ? 'no dovecot in /usr/sbin (sudo apt-get install dovecot-imapd)'
  : !isRoot ? 'dovecot needs root to start (run the tests as root, as CI does)'
  : !hasUser('dovecot') || !hasUser('dovenull') ? 'no "dovecot" / "dovenull" users (the dovecot-core package creates them)'
  : undefined;
export const SKIP_DOVECOT = missing !== undefined && process.env.CI !== 'true';
if (SKIP_DOVECOT) console.warn(`Skipping Dovecot tests: ${missing}.`);

/** The uid and gid that own the Maildir and that Dovecot's imap process runs as (`nobody`, as in postfix.ts). */
export const MAIL_OWNER = 65534;
const STARTUP_MS = 10_000;

export interface DovecotOptions {
  user: string;
  password: string;
  /** The user's Maildir (INBOX; other folders are Maildir++ `.Name` sub-folders): chowned to MAIL_OWNER. */
  maildir: string;
}

export interface Dovecot {
  port: number;
  /** imap://USER:PASSWORD@127.0.0.1:PORT (user and password URL-encoded). */
  url: string;
  /** The instance's folder: dovecot.conf, passwd, base/, state/, dovecot.log. */
  dir: string;
  log(): Promise<string>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// Whatever happens to the test, no Dovecot outlives the test process.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function config(dir: string, port: number, options: DovecotOptions): string {
  const mail = `maildir:${options.maildir}`;
  return `# Test instance: loopback only, cleartext (see tests/helpers/dovecot.ts).
protocols = imap
listen = 127.0.0.1
base_dir = ${join(dir, 'base')}
state_dir = ${join(dir, 'state')}
log_path = ${join(dir, 'dovecot.log')}
info_log_path = ${join(dir, 'dovecot.log')}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# A refused login answers at once (the default waits 2 s).
auth_failure_delay = 0
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = ${mail}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${join(dir, 'passwd')}
}
userdb {
  driver = static
  args = uid=${MAIL_OWNER} gid=${MAIL_OWNER} home=${options.maildir} mail=${mail}
}
`;
}

/** The mail user (nobody) must be able to walk down to the Maildir: say so now rather than through Dovecot's log. */
async function assertReachable(maildir: string): Promise<void> {
  for (let dir = dirname(resolve(maildir)); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = (await stat(dir)).mode;
    if ((mode & 0o001) === 0) throw new Error(`startDovecot: ${dir} is not searchable by others (mode ${(mode & 0o777).toString(8)}): the mail user cannot reach ${maildir}; chmod 755 it (a temp folder from mkdtemp is 700).`);
  }
}

/** Resolves once the server answers its greeting ("* OK"), retrying until the deadline. */
function waitForGreeting(port: number, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      let seen = '';
      const retry = (error: Error) => {
        socket.destroy();
        if (Date.now() > deadline) reject(error);
        else setTimeout(attempt, 50);
      };
      socket.setTimeout(1000, () => retry(new Error('no greeting within 1 s')));
      socket.on('data', (chunk: Buffer) => {
        seen += chunk.toString('latin1');
        if (seen.startsWith('* OK')) {
          socket.destroy();
          resolve();
        } else if (seen.includes('\n')) retry(new Error(`unexpected greeting: ${seen.trim()}`));
      });
      socket.once('error', retry);
    };
    attempt();
  });
}

/** Start a Dovecot instance; stop it with `stop()` in afterAll (the process's exit kills any left running). */
export async function startDovecot(options: DovecotOptions): Promise<Dovecot> {
  // passwd-file is colon-separated, one user a line.
  if (/[:\r\n]/.test(options.user + options.password)) throw new Error('startDovecot: the user and password cannot contain ":" or a line break (passwd-file format)');
  const dir = await mkdtemp(join(tmpdir(), 'newsletter-dovecot-'));
  // The mail user must reach the Maildir when it sits inside a temp folder.
  await chmod(dir, 0o755);
  const port = await freePort();
  await mkdir(join(dir, 'base'), { mode: 0o755 });
  await mkdir(join(dir, 'state'), { mode: 0o755 });
  const conf = join(dir, 'dovecot.conf');
  await writeFile(conf, config(dir, port, options));
  // passwd-file: user:{PLAIN}password; readable by the auth process only (it runs as `dovecot`).
  await writeFile(join(dir, 'passwd'), `${options.user}:{PLAIN}${options.password}\n`, { mode: 0o600 });
  await chown(join(dir, 'passwd'), uidOf('dovecot'), 0);
  await assertReachable(options.maildir);
  for (const sub of ['', 'cur', 'new', 'tmp']) await mkdir(join(options.maildir, sub), { recursive: true, mode: 0o700 });
  execFileSync('chown', ['-R', `${MAIL_OWNER}:${MAIL_OWNER}`, options.maildir]);
  await chown(options.maildir, MAIL_OWNER, MAIL_OWNER);

  const child = spawn(DOVECOT!, ['-c', conf, '-F'], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 10_000) stderr += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (running.delete(child) && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killed);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      waitForGreeting(port, Date.now() + STARTUP_MS),
      exited.then(() => Promise.reject(new Error(`dovecot exited with ${child.exitCode ?? child.signalCode}`))),
    ]);
  } catch (cause) {
    const log = await readFile(join(dir, 'dovecot.log'), 'utf8').catch(() => '(no log)');
    await stop();
    throw new Error(`Dovecot did not start in ${dir}: ${(cause as Error).message}\n--- stderr ---\n${stderr}\n--- log (tail) ---\n${log.slice(-4000)}`);
  }
  const url = `imap://${encodeURIComponent(options.user)}:${encodeURIComponent(options.password)}@127.0.0.1:${port}`;
  return { port, url, dir, log: () => readFile(join(dir, 'dovecot.log'), 'utf8'), stop };
}
