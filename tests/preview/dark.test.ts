import { describe, expect, it } from 'vitest';
import { darkMediaRules, forceDarkScheme } from '../../src/preview/dark.ts';

describe('dark-mode emulation', () => {
  it('takes the rules out of every prefers-color-scheme: dark block, nested braces included', () => {
    const css = '.a{color:red}@media (prefers-color-scheme: dark){.a{color:#fff!important}}@media screen and (prefers-color-scheme:dark){@supports (display:grid){.b{color:#eee}}}';
    expect(darkMediaRules(css)).toEqual(['.a{color:#fff!important}', '@supports (display:grid){.b{color:#eee}}']);
  });

  it('leaves light-only and width media queries alone', () => {
    expect(darkMediaRules('@media (max-width:620px){.a{padding:0}}@media (prefers-color-scheme: light){.a{color:#000}}')).toEqual([]);
  });

  it('appends the rules unconditionally at the end of the head, after the original stylesheet', () => {
    const html = '<html><head><style>@media (prefers-color-scheme:dark){.bg{background:#000!important}}</style></head><body class="bg"></body></html>';
    const dark = forceDarkScheme(html);
    expect(dark).toBe(
      '<html><head><style>@media (prefers-color-scheme:dark){.bg{background:#000!important}}</style><style data-preview="dark-emulation">:root{color-scheme:dark}\n.bg{background:#000!important}</style></head><body class="bg"></body></html>',
    );
  });

  it('still works on a document without a head', () => {
    expect(forceDarkScheme('<body><p>x</p></body>')).toMatch(/^<body><style data-preview="dark-emulation">:root\{color-scheme:dark\}/);
  });
});
