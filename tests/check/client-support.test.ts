import { describe, expect, it } from 'vitest';
import { checkClientSupport, clientNames, HANDLED_FEATURES, supportIn } from '../../src/check/index.ts';
import { fixtureHtml } from './fixtures.ts';

describe('client support (caniemail)', () => {
  it('reads support from the caniemail data, Outlook.com included', () => {
    expect(supportIn('border-radius', 'outlook.windows')?.support).toBe('none');
    expect(supportIn('border-radius', 'apple-mail.ios')?.support).toBe('full');
    expect(supportIn('@media (prefers-color-scheme)', 'outlook.outlook-com')?.support).toBe('full');
    expect(supportIn('@media (prefers-color-scheme)', 'gmail.android')?.support).toBe('none');
  });

  it('groups findings by feature, not by occurrence', () => {
    const html = '<html><body><div style="display:flex"><p style="display:flex">a</p><p style="display:flex">b</p></div></body></html>';
    const flex = checkClientSupport(html).findings.filter((f) => f.where === 'display:flex');
    expect(flex.map((f) => [f.id, f.severity])).toEqual([['clients.unsupported', 'error']]);
    expect(flex[0]?.message).toContain('Outlook (Windows)');
  });

  it('lists a deliberate feature with a fallback as handled, not as an error', () => {
    const html = '<html><head><style>@media (prefers-color-scheme:dark){.a{color:#fff!important}}</style></head><body><table role="presentation" style="border-radius:8px"><tr><td class="a">x</td></tr></table></body></html>';
    const { findings, summary } = checkClientSupport(html);
    const handled = findings.filter((f) => f.id === 'clients.handled').map((f) => f.where);
    expect(handled).toEqual(expect.arrayContaining(['@media (prefers-color-scheme)', 'border-radius']));
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(summary.unsupported).toBe(0);
    const dark = findings.find((f) => f.where === '@media (prefers-color-scheme)');
    expect(dark?.data?.fallback).toBe(HANDLED_FEATURES['@media (prefers-color-scheme)']?.fallback);
    expect(dark?.data?.unsupported).toEqual(expect.arrayContaining(['gmail.ios', 'outlook.windows', 'yahoo.desktop-webmail']));
  });

  it('finds no unsupported features in a simple table layout', () => {
    expect(checkClientSupport(fixtureHtml('good.html')).summary.unsupported).toBe(0);
  });

  it('names a whole family once', () => {
    expect(clientNames(['gmail.desktop-webmail', 'gmail.ios', 'gmail.android', 'outlook.windows', 'outlook.outlook-com'])).toBe('Gmail, Outlook (Windows, web)');
  });
});
