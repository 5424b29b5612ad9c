/**
 * The private HOME one Evolution run starts from: its settings (GSettings keyfile backend, so no
 * dconf and nothing read from the user's desktop) and a local Maildir holding the message.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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
