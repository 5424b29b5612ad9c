import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Scheme } from './types.ts';

/**
 * A fresh Thunderbird profile that starts straight into the message, offline and quiet:
 * no first-run wizards, account hub, default-client check, updates or telemetry; the message's
 * own HTML shown (as a reader who has not changed the default sees it); remote content blocked
 * (Thunderbird's default); every network request sent to a closed port on 127.0.0.1.
 */
export function thunderbirdPrefs(scheme: Scheme): Record<string, string | number | boolean> {
  return {
    // Port 0: Marionette takes a free port and writes it to MarionetteActivePort in the profile (no race for a port).
    'marionette.port': 0,
    // First run, account setup and the start page.
    'mail.shell.checkDefaultClient': false,
    'mail.provider.enabled': false,
    'mailnews.start_page.enabled': false,
    'mail.accounthub.enabled': false,
    'mail.rights.version': 1,
    'mail.spotlight.firstRunDone': true,
    'mail.winsearch.firstRunDone': true,
    'mail.ui-rdf.version': 999,
    // Updates, telemetry, remote settings and background checks.
    'app.update.enabled': false,
    'app.update.auto': false,
    'app.update.checkInstallTime': false,
    'extensions.update.enabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'datareporting.healthreport.uploadEnabled': false,
    'toolkit.telemetry.enabled': false,
    'toolkit.telemetry.unified': false,
    'toolkit.telemetry.archive.enabled': false,
    'network.connectivity-service.enabled': false,
    'network.captive-portal-service.enabled': false,
    'network.dns.disablePrefetch': true,
    'network.prefetch-next': false,
    'network.trr.mode': 5,
    'services.settings.server': 'http://127.0.0.1:9/',
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    // Anything that still asks for the network goes to the discard port on this machine, which is closed.
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': 9,
    'network.proxy.ssl': '127.0.0.1',
    'network.proxy.ssl_port': 9,
    'network.proxy.share_proxy_settings': true,
    'network.proxy.no_proxies_on': '',
    'network.proxy.allow_hijacking_localhost': true,
    // What the reader sees by default: the original HTML, remote images blocked.
    'mailnews.display.html_as': 0,
    'mailnews.display.prefer_plaintext': false,
    'mailnews.message_display.disable_remote_image': true,
    // A reader who switched the system to dark: Thunderbird's default dark behaviour follows (its dark reader is on by default).
    'ui.systemUsesDarkTheme': scheme === 'dark' ? 1 : 0,
    // userChrome.css below lifts the windows' minimum width, so the narrowest width can be shown.
    'toolkit.legacyUserProfileCustomizations.stylesheets': true,
  };
}

/** The message window's minimum width (about 500 px) would hide what a narrow window does to the message. */
const USER_CHROME = '/* Let the message window be as narrow as a phone-sized window. */\n* { min-width: 0 !important; }\n';

/** Write user.js and chrome/userChrome.css into a new profile folder. */
export async function writeProfile(dir: string, scheme: Scheme): Promise<void> {
  await mkdir(join(dir, 'chrome'), { recursive: true });
  const prefs = Object.entries(thunderbirdPrefs(scheme)).map(([name, value]) => `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});`);
  await writeFile(join(dir, 'user.js'), prefs.join('\n') + '\n');
  await writeFile(join(dir, 'chrome', 'userChrome.css'), USER_CHROME);
}
