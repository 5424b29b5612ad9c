import { caniemail, parseCss, rawData } from 'caniemail';
import { HANDLED_FEATURES } from './handled-features.ts';
import { finding, type Finding } from './report.ts';

/**
 * The clients we check against: the big four families a newsletter's readers
 * use. Gmail's mobile web view (mail.google.com in a phone browser) is left
 * out: Google sends phone users to its apps. Outlook.com is read from the raw
 * caniemail data, because the caniemail API does not list it as a client.
 */
export const TARGET_CLIENTS = {
  'gmail.desktop-webmail': ['Gmail', 'web'],
  'gmail.ios': ['Gmail', 'iOS'],
  'gmail.android': ['Gmail', 'Android'],
  'outlook.windows': ['Outlook', 'Windows'],
  'outlook.macos': ['Outlook', 'macOS'],
  'outlook.outlook-com': ['Outlook', 'web'], // Outlook.com and Outlook on the web
  'apple-mail.macos': ['Apple Mail', 'macOS'],
  'apple-mail.ios': ['Apple Mail', 'iOS'],
  'yahoo.desktop-webmail': ['Yahoo', 'web'],
  'yahoo.ios': ['Yahoo', 'iOS'],
  'yahoo.android': ['Yahoo', 'Android'],
} as const satisfies Record<string, readonly [family: string, platform: string]>;

export type TargetClient = keyof typeof TARGET_CLIENTS;
export type Support = 'full' | 'partial' | 'none';

interface RawFeature {
  title: string;
  url: string;
  stats: Record<string, Record<string, Record<string, string>>>;
  notes_by_num: Record<string, string> | null;
}

// The JSON's own type is a deep literal of every client; we read it as this narrower shape.
const FEATURES = new Map((rawData as unknown as { data: RawFeature[] }).data.map((f) => [f.title, f]));

/** Support in the latest tested version, as caniemail itself reads it ('u', unknown, counts as partial). */
export function supportIn(title: string, client: TargetClient): { support: Support; notes: string[] } | undefined {
  const feature = FEATURES.get(title);
  const [family, platform] = client.split('.') as [string, string];
  const versions = feature?.stats[family]?.[platform];
  if (!feature || !versions) return undefined;
  const latest = Object.keys(versions).sort().at(-1);
  const status = latest === undefined ? undefined : versions[latest];
  if (status === undefined) return undefined;
  const notes = [...status.matchAll(/#(\d+)/g)].map((m) => feature.notes_by_num?.[m[1]!]).filter((n): n is string => !!n);
  return { support: status.startsWith('y') ? 'full' : status.startsWith('n') ? 'none' : 'partial', notes };
}

interface CssNode {
  type: string;
  media?: string;
  selectors?: string[];
  declarations?: { type: string; property?: string; value?: string }[];
  rules?: CssNode[];
}

/** What caniemail's own walk misses: rules nested in @media blocks, and the media features used. */
function mediaBlocks(html: string): { css: string; titles: string[] } {
  const titles = new Set<string>();
  const nested: string[] = [];
  for (const [, sheet] of html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)) {
    let ast: { stylesheet?: { rules?: CssNode[] } };
    try {
      ast = parseCss(sheet ?? '');
    } catch {
      continue;
    }
    for (const rule of ast.stylesheet?.rules ?? []) {
      if (rule.type !== 'media') continue;
      const media = rule.media ?? '';
      if (/prefers-color-scheme/i.test(media)) titles.add('@media (prefers-color-scheme)');
      if (/prefers-reduced-motion/i.test(media)) titles.add('@media (prefers-reduced-motion)');
      if (/orientation/i.test(media)) titles.add('@media (orientation)');
      if (/\bhover\b/i.test(media)) titles.add('@media (hover), @media (any-hover)');
      if (/device-pixel-ratio/i.test(media)) titles.add('@media (-webkit-device-pixel-ratio)');
      for (const inner of rule.rules ?? []) {
        if (inner.type !== 'rule') continue;
        const decls = (inner.declarations ?? []).filter((d) => d.type === 'declaration').map((d) => `${d.property}:${d.value}`);
        nested.push(`${(inner.selectors ?? []).join(',')}{${decls.join(';')}}`);
      }
    }
  }
  return { css: nested.join('\n'), titles: [...titles] };
}

/** Titles of the caniemail features the HTML uses that some client does not fully support. */
export function featuresUsed(html: string): string[] {
  const titles = new Set<string>();
  const collect = (result: ReturnType<typeof caniemail>) => {
    for (const list of [...result.issues.errors.values(), ...result.issues.warnings.values()]) for (const issue of list) titles.add(issue.title);
  };
  // Every client, so a feature is seen whenever any client lacks it; our targets are then read from the data.
  collect(caniemail({ clients: ['*'], html }));
  const media = mediaBlocks(html);
  if (media.css) collect(caniemail({ clients: ['*'], css: media.css }));
  for (const t of media.titles) titles.add(t);
  return [...titles].sort();
}

/** "Gmail, Outlook (Windows, Outlook.com)": a family named alone means all its platforms. */
export function clientNames(clients: TargetClient[]): string {
  const families = new Map<string, string[]>();
  for (const c of clients) {
    const [family, platform] = TARGET_CLIENTS[c];
    families.set(family, [...(families.get(family) ?? []), platform]);
  }
  return [...families]
    .map(([family, platforms]) => {
      const all = Object.values(TARGET_CLIENTS).filter(([f]) => f === family).length;
      return platforms.length === all ? family : `${family} (${platforms.join(', ')})`;
    })
    .join(', ');
}
const names = clientNames;

/**
 * Client support grouped by feature: an error per feature some target client
 * does not support, unless HANDLED_FEATURES names its fallback (then info);
 * an info line per feature only partly supported.
 */
export function checkClientSupport(html: string): { findings: Finding[]; summary: { unsupported: number; handled: number; partial: number } } {
  const findings: Finding[] = [];
  const summary = { unsupported: 0, handled: 0, partial: 0 };
  for (const title of featuresUsed(html)) {
    const none: TargetClient[] = [];
    const partial: TargetClient[] = [];
    const notes = new Set<string>();
    for (const client of Object.keys(TARGET_CLIENTS) as TargetClient[]) {
      const s = supportIn(title, client);
      if (!s || s.support === 'full') continue;
      (s.support === 'none' ? none : partial).push(client);
      for (const n of s.notes) notes.add(n.replace(/\s+/g, ' '));
    }
    if (!none.length && !partial.length) continue;
    const url = FEATURES.get(title)?.url;
    const data = { feature: title, unsupported: none, partial, notes: [...notes], url };
    const handled = HANDLED_FEATURES[title];
    if (handled) {
      summary.handled++;
      const gaps = [none.length ? `not supported in ${names(none)}` : '', partial.length ? `partly in ${names(partial)}` : ''].filter(Boolean).join('; ');
      findings.push(finding('clients', 'info', 'handled', `${title}: ${gaps} — handled: ${handled.fallback}`, { where: title, data: { ...data, why: handled.why, fallback: handled.fallback } }));
    } else if (none.length) {
      summary.unsupported++;
      findings.push(
        finding('clients', 'error', 'unsupported', `${title} is not supported in ${names(none)}${partial.length ? ` and only partly in ${names(partial)}` : ''}`, {
          where: title,
          fix: `Avoid it in the template, or give it a fallback and record that in src/check/handled-features.ts. See ${url ?? 'caniemail.com'}`,
          data,
        }),
      );
    } else {
      summary.partial++;
      const first = [...notes][0];
      findings.push(finding('clients', 'info', 'partial', `${title} is partly supported in ${names(partial)}${first ? ` (${first.replace(/\.$/, '')})` : ''}`, { where: title, data }));
    }
  }
  return { findings, summary };
}
