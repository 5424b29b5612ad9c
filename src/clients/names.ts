import type { ClientId, ClientMode } from './types.ts';

export const CLIENTS: readonly ClientId[] = ['thunderbird', 'evolution'];
export const SCHEMES = ['light', 'dark'] as const;

/**
 * `<client>-<width>-<scheme>`: the name of a mode's PNG (`.png`) and, when an Evolution run
 * fails, of its kept log (`.log`) and screen capture (`-failed.png`). One place for the
 * convention the renderers write and the next run clears.
 */
export function shotName(client: ClientId, mode: ClientMode): string {
  return `${client}-${mode.width}-${mode.scheme}`;
}

/** Whether `name` is a file a render of one of `clients` writes (a PNG, or a failed run's log or capture). */
export function isRenderFile(name: string, clients: readonly ClientId[]): boolean {
  const match = /^([a-z]+)-\d+-(light|dark)(\.png|-failed\.png|\.log)$/.exec(name);
  return !!match && (clients as readonly string[]).includes(match[1]!);
}
