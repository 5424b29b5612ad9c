import type { ClientId, ClientProblem, ClientShot, RenderedButton, RenderedText } from '../clients/index.ts';
import { contrastRatio, requiredRatio } from './contrast.ts';
import { finding, type Finding } from './report.ts';

/** WCAG 2.1 SC 1.4.11 (non-text contrast): a control's boundary needs 3:1 against what is next to it. */
export const BOUNDARY_RATIO = 3;

export const CLIENT_NAMES: Record<ClientId, string> = { thunderbird: 'Thunderbird', evolution: 'Evolution' };

/** "Thunderbird · 400 px · dark": a screenshot's caption on the contact sheet and in the preview. */
export const shotCaption = (s: Pick<ClientShot, 'client' | 'width' | 'scheme'>) => `${CLIENT_NAMES[s.client]} · ${s.width} px · ${s.scheme}`;
/** "Thunderbird dark at 400 px" */
const modeName = (s: ClientShot) => `${CLIENT_NAMES[s.client]} ${s.scheme} at ${s.width} px`;
/** "Thunderbird dark at 860 and 400 px" for the shots of one client and scheme that share a problem. */
const modesName = (shots: ClientShot[]) => `${CLIENT_NAMES[shots[0]!.client]} ${shots[0]!.scheme} at ${[...new Set(shots.map((s) => s.width))].join(' and ')} px`;
const round = (ratio: number) => Math.floor(ratio * 100) / 100;

/** Findings from what the clients rendered: sideways scrolling, text contrast, buttons that lost their shape. */
export function renderFindings(shots: readonly ClientShot[]): Finding[] {
  const measured = shots.filter((s) => s.measure);
  const cut = shots
    .filter((s) => s.truncated)
    .map((s) =>
      finding('rendering', 'warning', 'truncated', `${modeName(s)}: the message is taller than the window could be made; the screenshot shows its top part only`, {
        where: s.file,
        fix: 'Look at the rest in the other screenshots; a message this long is also likely to be clipped by Gmail (see Size).',
      }),
    );
  return [...overflowFindings(measured), ...contrastFindings(measured), ...buttonFindings(measured), ...cut, ...measuredFindings(measured)];
}

function overflowFindings(shots: ClientShot[]): Finding[] {
  const findings: Finding[] = [];
  for (const [, group] of groupBy(shots, (s) => `${s.client} ${s.width}`)) {
    const over = group.filter((s) => s.measure!.scrollWidth > s.measure!.clientWidth + 1 || s.measure!.cutLeft > 0);
    if (!over.length) continue;
    const first = over[0]!;
    const { scrollWidth, clientWidth, cutLeft, widest } = first.measure!;
    // Past the right edge the reader scrolls; past the left edge (right-to-left) the start is cut off.
    const what = cutLeft > 0 ? `the start of the message is cut off: it reaches ${cutLeft} px past the left edge of a ${clientWidth} px window` : `the message is ${scrollWidth} px wide in a ${clientWidth} px window: readers scroll sideways`;
    findings.push(
      finding('rendering', 'error', 'overflow', `${CLIENT_NAMES[first.client]} at ${first.width} px (${over.map((s) => s.scheme).join(' and ')}): ${what}${widest ? ` (${widest} sticks out)` : ''}`, {
        where: widest ?? undefined,
        fix: `${first.client === 'thunderbird' ? 'Thunderbird ignores the email’s @media rules, so the layout must fit without them: ' : ''}give that element a fluid width (width:100% with a max-width) instead of a fixed width over ~${clientWidth - 40} px.`,
        data: { client: first.client, width: first.width, schemes: over.map((s) => s.scheme), scrollWidth, clientWidth, cutLeft, widest },
      }),
    );
  }
  return findings;
}

interface FailingText {
  text: RenderedText;
  ratio: number;
  required: number;
}

function contrastFindings(shots: ClientShot[]): Finding[] {
  const findings: Finding[] = [];
  for (const [, group] of groupBy(shots, (s) => `${s.client} ${s.scheme}`)) {
    // One finding per colour pair and mode, listing the elements drawn with it.
    const failing = new Map<string, { pair: FailingText; elements: Set<string>; shots: Set<ClientShot> }>();
    for (const shot of group)
      for (const text of shot.measure!.texts) {
        const ratio = contrastRatio(text.fg, text.bg);
        const required = requiredRatio(text.px, text.bold);
        if (ratio >= required) continue;
        const key = `${text.fg} ${text.bg} ${required}`;
        const entry = failing.get(key) ?? { pair: { text, ratio, required }, elements: new Set<string>(), shots: new Set<ClientShot>() };
        entry.elements.add(text.element);
        entry.shots.add(shot);
        failing.set(key, entry);
      }
    for (const { pair, elements, shots: where } of failing.values()) {
      const names = [...elements];
      findings.push(
        finding('rendering', 'error', 'contrast', `${modesName([...where])}: ${pair.text.fg} on ${pair.text.bg} has contrast ${round(pair.ratio)}:1; WCAG AA needs ${pair.required}:1 (${names.length} element${names.length === 1 ? '' : 's'}: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`, {
          where: names[0],
          fix: contrastFix(group[0]!),
          data: { client: group[0]!.client, scheme: group[0]!.scheme, fg: pair.text.fg, bg: pair.text.bg, ratio: round(pair.ratio), required: pair.required, elements: names },
        }),
      );
    }
  }
  return findings;
}

function contrastFix(shot: ClientShot): string {
  if (shot.client === 'thunderbird' && shot.scheme === 'dark')
    return 'Thunderbird’s dark reader drops a background that is light (luminance over 200 of 255) or that contrasts under 3.5:1 with its text, and a text colour that is dark: pick colours it keeps, or a text colour that reads on its dark page.';
  return `Change the text or background colour of these elements until they reach WCAG AA (colors.* in newsletter.yml; DARK in emails/components/theme.ts for dark mode).`;
}

/** A button reads as one when its own background or its border stands out from what surrounds it (3:1). */
export function readsAsButton(button: RenderedButton): boolean {
  const stands = (colour: string | null | undefined) => !!colour && contrastRatio(colour, button.around) >= BOUNDARY_RATIO;
  return stands(button.bg) || stands(button.border?.color);
}

/** Why a button reads as plain text: what it lacks against the colour around it. */
function flatness({ bg, border, around }: RenderedButton): string {
  const edge = border ? `its border ${border.color} is under ${BOUNDARY_RATIO}:1 against it too` : 'it has no border';
  return bg
    ? `its background ${bg} is under ${BOUNDARY_RATIO}:1 against the ${around} around it, and ${edge}: only its text shows`
    : `it has no background of its own, only its text on the page (${around}), and ${edge.replace('against it too', `against ${around}`)}`;
}

/**
 * A button the client flattened: it read as a button in the client's light mode (the message as
 * designed) and no longer does in this mode — an error. A button that never stood out 3:1 (a faint
 * outline, a pale fill) is a warning; a padded link with neither fill nor border is no button.
 */
function buttonFindings(shots: ClientShot[]): Finding[] {
  const findings: Finding[] = [];
  for (const [, group] of groupBy(shots, (s) => `${s.client} ${s.scheme}`)) {
    const flat = new Map<string, { button: RenderedButton; shots: ClientShot[]; faint: boolean }>();
    for (const shot of group) {
      const light = shots.filter((s) => s.client === shot.client && s.scheme === 'light');
      const reference = light.find((s) => s.width === shot.width) ?? light[0];
      for (const button of shot.measure!.buttons) {
        if (readsAsButton(button)) continue;
        const wasButton = shot.scheme !== 'light' && reference?.measure!.buttons.some((b) => b.label === button.label && readsAsButton(b));
        const painted = button.bg !== null || button.border !== null;
        if (!wasButton && !painted) continue;
        const entry = flat.get(button.label) ?? { button, shots: [], faint: !wasButton };
        entry.shots.push(shot);
        flat.set(button.label, entry);
      }
    }
    for (const { button, shots: where, faint } of flat.values()) {
      const data = { client: where[0]!.client, scheme: where[0]!.scheme, widths: [...new Set(where.map((s) => s.width))], ...button };
      findings.push(
        faint
          ? finding('rendering', 'warning', 'cta-faint', `${modesName(where)}: “${button.label}” barely looks like a button: ${flatness(button)}`, {
              where: button.label,
              fix: `Give the button a fill or border that stands out ${BOUNDARY_RATIO}:1 from what is around it (WCAG 1.4.11).`,
              data,
            })
          : finding('rendering', 'error', 'cta-not-button', `${modesName(where)}: “${button.label}” no longer looks like a button: ${flatness(button)}`, {
              where: button.label,
              fix: `Give the button a border that stands out from the page in this mode too (${BOUNDARY_RATIO}:1; Thunderbird’s dark reader removes backgrounds but keeps borders), or button colours the client keeps.`,
              data,
            }),
      );
    }
  }
  return findings;
}

/** One line per measured client, so a run says what it read even when nothing was wrong. */
function measuredFindings(shots: ClientShot[]): Finding[] {
  const findings: Finding[] = [];
  for (const [client, group] of groupBy(shots, (s) => s.client)) {
    const texts = group.reduce((n, s) => n + s.measure!.texts.length, 0);
    const buttons = group.reduce((n, s) => n + s.measure!.buttons.length, 0);
    findings.push(
      finding('rendering', 'info', 'measured', `${CLIENT_NAMES[client as ClientId]}: measured ${group.map(modeName).join(', ')}: ${texts} text elements and ${buttons} button${buttons === 1 ? '' : 's'} as drawn, and the width`, {
        data: { client, modes: group.map((s) => ({ width: s.width, scheme: s.scheme })) },
      }),
    );
  }
  return findings;
}

/**
 * A client that did not render: not installed, or it failed; the rest of the report stands. A
 * warning, or an error when the client was named (`--client`): then the run did not do what was asked.
 */
export function problemFindings(problems: readonly ClientProblem[], named = false): Finding[] {
  return problems.map((p) => finding('rendering', named ? 'error' : 'warning', p.kind, `${CLIENT_NAMES[p.client]} ${p.kind === 'skipped' ? 'skipped' : 'failed'}: ${p.message}`, { fix: p.fix, data: { client: p.client } }));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
