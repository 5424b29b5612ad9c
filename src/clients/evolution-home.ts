/**
 * The private HOME one Evolution run starts from: its settings (GSettings keyfile backend, so no
 * dconf and nothing read from the user's desktop) and a local Maildir holding the message; and the
 * configuration of its private D-Bus session, whose socket stays in the run's folder.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';

/**
 * Read with GSETTINGS_BACKEND=keyfile from $XDG_CONFIG_HOME/glib-2.0/settings/keyfile. The schemas
 * are Evolution's own (/usr/share/glib-2.0/schemas/org.gnome.evolution.mail.gschema.xml):
 * - show-startup-wizard: no first-run account assistant.
 * - image-loading-policy 'never': remote images stay blocked (Evolution's default, written down so no run depends on it).
 * - browser-window: the message window's size, read when it opens (resizing it later clips the message).
 */
function keyfile(width: number, height: number): string {
  return [
    '[org/gnome/evolution/mail]',
    'show-startup-wizard=false',
    "image-loading-policy='never'",
    '',
    '[org/gnome/evolution/mail/browser-window]',
    `width=${width}`,
    `height=${height}`,
    '',
    '[org/gnome/evolution/shell/window]',
    'width=1200',
    'height=900',
    '',
  ].join('\n');
}

export async function writeSettings(home: string, width: number, height: number): Promise<void> {
  const dir = join(home, '.config', 'glib-2.0', 'settings');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'keyfile'), keyfile(width, height));
}

/**
 * "On This Computer" is a Maildir++ store at ~/.local/share/evolution/mail/local. Without the
 * `..maildir++` marker and an Outbox, Evolution takes the folder for an old mbox store and stops
 * at a migration dialog. The message goes into new/, where a delivered message waits.
 */
export async function writeMailbox(home: string, eml: Buffer): Promise<void> {
  const local = join(home, '.local', 'share', 'evolution', 'mail', 'local');
  for (const folder of ['', '.Outbox']) for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(local, folder, sub), { recursive: true });
  await writeFile(join(local, '..maildir++'), '');
  await writeFile(join(local, 'new', '1700000000.1.newsletter'), eml);
}

/** The session bus's configuration as the D-Bus package installs it (package dbus-daemon / dbus-session-bus-common). */
export const SESSION_CONF = '/usr/share/dbus-1/session.conf';

/**
 * The installed session.conf listening in `dir` instead of /tmp: its `<listen>unix:tmpdir=/tmp</listen>`
 * puts a socket /tmp/dbus-XXXX there that the daemon removes only when it exits cleanly, so a
 * killed run left one behind each time. In the run's own folder it goes with the folder. Relative
 * include paths are made absolute, since they are read relative to the file's own folder.
 * Undefined when the file has no <listen> (then the installed one is used as it is).
 */
export function privateBusConfig(conf: string, dir: string, confDir = dirname(SESSION_CONF)): string | undefined {
  if (!/<listen>[^<]*<\/listen>/.test(conf)) return undefined;
  let first = true;
  const listen = () => {
    // One address: a second <listen> would open a second socket.
    if (!first) return '';
    first = false;
    return `<listen>unix:dir=${xmlText(dir)}</listen>`;
  };
  return conf
    .replace(/<listen>[^<]*<\/listen>/g, listen)
    .replace(/<(include|includedir)(\s[^>]*)?>([^<]+)<\/\1>/g, (element, tag: string, attributes: string | undefined, path: string) =>
      isAbsolute(path.trim()) || attributes?.includes('selinux_root_relative') ? element : `<${tag}${attributes ?? ''}>${join(confDir, path.trim())}</${tag}>`,
    );
}

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Write the private bus configuration into `dir` and return its path; undefined when the installed one is missing or has no <listen>. */
export async function writeBusConfig(dir: string): Promise<string | undefined> {
  const conf = await readFile(SESSION_CONF, 'utf8').catch(() => undefined);
  const config = conf === undefined ? undefined : privateBusConfig(conf, dir);
  if (config === undefined) return undefined;
  const file = join(dir, 'dbus-session.conf');
  await writeFile(file, config);
  return file;
}
