import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/content/index.ts';

// export finds text in React's HTML by escaping it the same way (the postal address), and
// the preview and unsubscribe pages share the function: it must stay byte-equal to React.
describe('escapeHtml', () => {
  it.each(['Smith & Sons', '<img src=x>', 'Say "hi"', "O'Brien", 'a && <b> "c" \'d\' >e', 'plain', ''])('escapes %j as React does, in text and attributes', (value) => {
    expect(`<p title="${escapeHtml(value)}">${escapeHtml(value)}</p>`).toBe(renderToStaticMarkup(createElement('p', { title: value }, value)));
  });
});
