import { render } from '@react-email/render';
import { createElement, type ReactElement } from 'react';
import { describe, expect, it } from 'vitest';
import { Newsletter } from '../../emails/newsletter.tsx';
import { renderEmailHtml } from '../../src/render/email-html.ts';
import { withUtm } from '../../src/render/index.ts';
import { loadableIssues } from './loadable-issues.ts';

const issues = loadableIssues();

/** A page with images in <body>: React adds a preload <link> to <head> for each; both renders remove the image ones. */
const withImages = (): ReactElement =>
  createElement(
    'html',
    null,
    createElement('head', null, createElement('link', { rel: 'stylesheet', href: 'https://x.example/s.css' })),
    createElement('body', null, createElement('img', { src: 'https://x.example/a.png', alt: 'a' }), createElement('p', null, 'text', 'more')),
  );

describe('renderEmailHtml writes what @react-email/render writes', () => {
  it.each(issues.map((issue) => [issue.name, issue] as const))('%s', async (_name, { props }) => {
    const element = createElement(Newsletter, withUtm(props));
    expect(await renderEmailHtml(element)).toBe(await render(element));
  });

  it('on a page with images (the preload links React adds are stripped, a stylesheet link kept)', async () => {
    const html = await renderEmailHtml(withImages());
    expect(html).toBe(await render(withImages()));
    expect(html).toContain('rel="stylesheet"');
    expect(html).not.toContain('preload');
  });

  it('rejects with the error a component throws', async () => {
    const Broken = () => {
      throw new Error('template bug');
    };
    await expect(renderEmailHtml(createElement('div', null, createElement(Broken)))).rejects.toThrow('template bug');
    await expect(render(createElement('div', null, createElement(Broken)))).rejects.toThrow('template bug');
  });
});
