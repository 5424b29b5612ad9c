import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkContrast } from '../../src/check/index.ts';
import { buildIssue, DARK, LIGHT } from '../../src/render/index.ts';
import { fixtureConfig, ROOT } from '../helpers/content.ts';

const colors = fixtureConfig().colors;

/** Inline styles of the elements whose class list has `className`. */
const stylesOf = (html: string, className: string) =>
  [...html.matchAll(/<[a-z]+\b[^>]*\bclass="([^"]*)"[^>]*\bstyle="([^"]*)"/g)].filter((m) => m[1]!.split(' ').includes(className)).map((m) => m[2]!);

/** Hex colours written in the rendered HTML's inline styles and its <style> sheet. */
function coloursDrawn(html: string): string[] {
  const css = [...html.matchAll(/\bstyle="([^"]*)"|<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? m[2]!).join(';');
  return [...new Set([...css.matchAll(/#[0-9a-f]{6}\b/gi)].map((m) => m[0].toLowerCase()))];
}

describe('the contrast check reads the theme the template draws with', () => {
  it('follows a change of the light button label colour (LIGHT.buttonText)', () => {
    expect(checkContrast(colors).map((f) => f.id)).toEqual(['accessibility.contrast-ok']);
    const pale = checkContrast(colors, DARK, { ...LIGHT, buttonText: '#7fa6d6' });
    expect(pale.map((f) => [f.id, f.data?.scheme, f.data?.fg, f.data?.bg, f.where])).toEqual([
      ['accessibility.contrast', 'light', '#7fa6d6', colors.brand, 'colors.brand (the label is #7fa6d6)'],
    ]);
  });

  it('the rendered issue draws its button label and rules with LIGHT, and no colour outside the config, LIGHT and DARK', async () => {
    const { html } = await buildIssue({ cwd: ROOT, contentDir: join(ROOT, 'content') });
    const buttons = stylesOf(html, 'nl-btn');
    const rules = stylesOf(html, 'nl-rule');
    expect(buttons).toHaveLength(1);
    expect(buttons[0]).toMatch(new RegExp(`(^|;)color:${LIGHT.buttonText}(;|$)`));
    expect(rules.length).toBeGreaterThan(1);
    expect(rules.filter((style) => !style.includes(LIGHT.rule))).toEqual([]);

    // React Email's <Hr> writes `border-top:1px solid #eaeaea` itself; the template's border-color overrides it.
    const HR_DEFAULT = '#eaeaea';
    const known = new Set([...Object.values(colors), ...Object.values(LIGHT), ...Object.values(DARK), HR_DEFAULT].map((c) => c.toLowerCase()));
    expect(coloursDrawn(html).filter((c) => !known.has(c))).toEqual([]);
  });
});
