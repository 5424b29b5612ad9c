/**
 * The findings made from what a mail client drew (the measurements Thunderbird gives over
 * Marionette), without a client: each rule on hand-made measurements. tests/clients/ runs the real ones.
 */
import { describe, expect, it } from 'vitest';
import { contactSheet, problemFindings, readsAsButton, renderFindings } from '../../src/check/index.ts';
import type { ClientShot, RenderedMeasure } from '../../src/clients/index.ts';

const fine: RenderedMeasure = {
  scrollWidth: 388,
  clientWidth: 388,
  cutLeft: 0,
  widest: null,
  texts: [{ element: 'p "Body text"', fg: '#1f2328', bg: '#ffffff', px: 16, bold: false }],
  buttons: [{ label: 'Browse past issues', bg: '#0b5cad', around: '#ffffff', border: null }],
};

const shot = (width: number, scheme: 'light' | 'dark', measure: Partial<RenderedMeasure> = {}): ClientShot => ({
  client: 'thunderbird',
  width,
  scheme,
  file: `/out/thunderbird-${width}-${scheme}.png`,
  measure: { ...fine, ...measure },
});

const ids = (shots: ClientShot[]) => renderFindings(shots).filter((f) => f.severity !== 'info').map((f) => f.id);

describe('findings from what a client drew', () => {
  it('says only what it measured when nothing is wrong', () => {
    const findings = renderFindings([shot(860, 'light'), shot(400, 'dark')]);
    expect(findings.map((f) => f.id)).toEqual(['rendering.measured']);
    expect(findings[0]!.message).toBe('Thunderbird: measured Thunderbird light at 860 px, Thunderbird dark at 400 px: 2 text elements and 2 buttons as drawn, and the width');
  });

  it('reports sideways scrolling once per width, naming the schemes and the element', () => {
    const wide = { scrollWidth: 712, widest: 'table[width=700] "A wide table"' };
    const [overflow, ...rest] = renderFindings([shot(400, 'light', wide), shot(400, 'dark', wide), shot(860, 'light')]).filter((f) => f.id === 'rendering.overflow');
    expect(rest).toEqual([]);
    expect(overflow!.message).toBe('Thunderbird at 400 px (light and dark): the message is 712 px wide in a 388 px window: readers scroll sideways (table[width=700] "A wide table" sticks out)');
    expect(overflow!.fix).toMatch(/^Thunderbird ignores the email’s @media rules/);
  });

  it('says the start is cut off when right-to-left content reaches past the left edge', () => {
    const [overflow] = renderFindings([shot(400, 'light', { cutLeft: 312, widest: 'table[width=700]' })]).filter((f) => f.id === 'rendering.overflow');
    expect(overflow!.message).toBe('Thunderbird at 400 px (light): the start of the message is cut off: it reaches 312 px past the left edge of a 388 px window (table[width=700] sticks out)');
  });

  it('does not count a pixel of rounding as scrolling', () => {
    expect(ids([shot(400, 'light', { scrollWidth: 389 })])).toEqual([]);
  });

  it('groups failing text by colour pair, with the large-text threshold applied', () => {
    const texts = [
      { element: 'p "Small grey"', fg: '#aaaaaa', bg: '#ffffff', px: 14, bold: false },
      { element: 'td "More grey"', fg: '#aaaaaa', bg: '#ffffff', px: 14, bold: false },
      // 3.0:1 passes for 24 px text, fails for 16 px text.
      { element: 'h1 "Big"', fg: '#949494', bg: '#ffffff', px: 24, bold: false },
    ];
    const contrast = renderFindings([shot(860, 'light', { texts }), shot(400, 'light', { texts })]).filter((f) => f.id === 'rendering.contrast');
    expect(contrast.map((f) => f.message)).toEqual(['Thunderbird light at 860 and 400 px: #aaaaaa on #ffffff has contrast 2.32:1; WCAG AA needs 4.5:1 (2 elements: p "Small grey", td "More grey")']);
  });

  it('explains a dark-mode failure by what Thunderbird’s dark reader does', () => {
    const texts = [{ element: 'a "Read"', fg: '#ffffff', bg: '#eeeeee', px: 16, bold: false }];
    const [finding] = renderFindings([shot(860, 'dark', { texts })]).filter((f) => f.id === 'rendering.contrast');
    expect(finding!.fix).toMatch(/dark reader drops a background/);
  });

  it.each([
    ['its own background stands out', { bg: '#6cb6ff', border: null }, true],
    ['a border stands out though the background is gone', { bg: null, border: { color: '#ffffff', px: 2 } }, true],
    ['no background and no border', { bg: null, border: null }, false],
    ['a background too close to the page', { bg: '#202024', border: null }, false],
    ['a border too close to the page', { bg: null, border: { color: '#2a2a2e', px: 1 } }, false],
  ])('a button reads as a button: %s', (_, parts, expected) => {
    expect(readsAsButton({ label: 'Go', around: '#18181b', ...parts })).toBe(expected);
  });

  it('reports a flat button once per client and scheme, with the widths', () => {
    const flat = { buttons: [{ label: 'Browse past issues', bg: null, around: '#18181b', border: null }] };
    const findings = renderFindings([shot(860, 'dark', flat), shot(400, 'dark', flat), shot(860, 'light')]).filter((f) => f.id === 'rendering.cta-not-button');
    expect(findings.map((f) => f.message)).toEqual([
      'Thunderbird dark at 860 and 400 px: “Browse past issues” no longer looks like a button: it has no background of its own, only its text on the page (#18181b), and it has no border',
    ]);
  });

  it('does not call a padded link without fill or border a button', () => {
    const padded = { buttons: [{ label: 'View in browser', bg: null, around: '#ffffff', border: null }] };
    expect(ids([shot(860, 'light', padded), shot(860, 'dark', { buttons: [{ ...padded.buttons[0]!, around: '#18181b' }] })])).toEqual([]);
  });

  it('warns about a button that never stood out, without calling it flattened', () => {
    const pale = { buttons: [{ label: 'Join', bg: '#ffd400', around: '#ffffff', border: null }] };
    const findings = renderFindings([shot(860, 'light', pale)]).filter((f) => f.section === 'rendering' && f.severity !== 'info');
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['rendering.cta-faint', 'warning']]);
    expect(findings[0]!.message).toMatch(/^Thunderbird light at 860 px: “Join” barely looks like a button: its background #ffd400 is under 3:1 against the #ffffff around it/);
  });

  it('ignores shots without measurements (Evolution: screenshots only)', () => {
    expect(renderFindings([{ client: 'evolution', width: 440, scheme: 'dark', file: '/x.png' }])).toEqual([]);
  });

  it('turns a client that did not run into a warning with its fix', () => {
    const [skipped] = problemFindings([{ client: 'evolution', kind: 'skipped', message: 'evolution is not installed', fix: 'Install it: sudo apt-get install evolution.' }]);
    expect(skipped).toMatchObject({ id: 'rendering.skipped', severity: 'warning', message: 'Evolution skipped: evolution is not installed', fix: 'Install it: sudo apt-get install evolution.' });
  });

  it('writes a contact sheet that links every PNG by name and escapes the subject', () => {
    const html = contactSheet('Tom & Jerry <3', [shot(860, 'light'), { client: 'evolution', width: 440, scheme: 'dark', file: '/out/evolution-440-dark.png' }], []);
    expect(html).toContain('<title>Tom &amp; Jerry &lt;3 — in readers’ mail clients</title>');
    expect(html).toContain('<img src="thunderbird-860-light.png"');
    expect(html).toContain('<img src="evolution-440-dark.png"');
    expect(html).toContain('<figcaption>Evolution · 440 px · dark</figcaption>');
  });
});
