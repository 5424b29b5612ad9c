import { render } from '@react-email/render';
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { Newsletter } from '../../emails/newsletter.tsx';
import { htmlToText } from '../../src/render/html-to-text.ts';
import { plainTextOf, withUtm } from '../../src/render/index.ts';
import { loadableIssues } from './loadable-issues.ts';
import { referenceHtmlToText, referencePlainTextOf } from './reference-plain-text.ts';

const issues = loadableIssues();

describe('the plain text walk writes what html-to-text wrote', () => {
  it('loads the seed, the fixture issues and the crafted one', () => {
    expect(issues.map((i) => i.name)).toContain('content/issues/2026-02-05-trump-petro-oval-office.md');
    expect(issues.length).toBeGreaterThanOrEqual(8);
  });

  it.each(issues.map((issue) => [issue.name, issue] as const))('%s', async (_name, { props }) => {
    // The HTML as React Email renders it (the reference's input), so this compares the text step alone.
    const html = await render(createElement(Newsletter, withUtm(props)));
    expect(htmlToText(html)).toBe(referenceHtmlToText(html));
    expect(plainTextOf(html)).toBe(referencePlainTextOf(html));
  });
});

const M = (field: string) => `\uE000\uE000${field}\uE001\uE001`;

/** HTML the template could write one day, and the corners of html-to-text's whitespace and block rules. */
const SNIPPETS: [string, string][] = [
  ['nested inline elements', '<p>a<strong>b<em>c</em> d</strong>e <code>f</code></p>'],
  ['entities', '<p>&amp; &lt;tag&gt; &quot;q&quot; &#x27;s&#39; &nbsp;x&nbsp;y &eacute;&#8212;&hellip;</p>'],
  ['<br> at start, middle, end and twice', '<p><br>one<br>two<br><br>three<br></p><p>after</p>'],
  ['a link whose text is its URL', '<p>see <a href="https://x.example/p">https://x.example/p</a>.</p>'],
  ['a link with the URL split over inline elements', '<p><a href="https://x.example/p">https://<b>x.example</b>/p</a></p>'],
  ['a link whose text is the URL with spaces', '<p><a href="https://x.example/p"> https://x.example/p </a></p>'],
  ['an empty link', '<p>before<a href="https://x.example/e"></a>after <a href="https://x.example/f"> </a> end</p>'],
  ['a link around an image only', '<p>x <a href="https://x.example/i"><img src="https://x.example/i.png" alt="alt"></a> y</p>'],
  ['mailto, # and href-less links', '<p><a href="mailto:a@b.example">write</a> <a href="#top">top</a> <a>none</a> <a href="mailto:a@b.example">a@b.example</a></p>'],
  ['links inside links and headings', '<h3>Read <a href="https://x.example/h">this</a></h3><h1>Big <a href="https://x.example/big">link</a></h1>'],
  ['headings with emoji, CJK and flags for the underline', '<h1>🤝🇺🇸 Deal</h1><h2>東京 と 大阪</h2><h2>  spaced\n\tout  </h2><h1></h1><h2>x</h2>'],
  ['a heading wider than the text width', `<h1>${'word '.repeat(30)}</h1>`],
  ['merge-field marks', `<p>Hi ${M('firstName')},</p><h1>For ${M('firstName')} ${M('lastName')}</h1><p><a href="${M('unsubscribeUrl')}">Unsubscribe</a> ${M('email')}</p>`],
  ['h3 with a link', '<h3>three</h3><h3>four <a href="https://x.example/4">link</a></h3>'],
  ['text right after a block', '<h3>three</h3>after h3<p>para</p>after p<td>cell</td>after cell<h1>one</h1>after h1'],
  ['skipped elements', '<div data-skip-in-text="true">preheader</div><p>kept</p><hr data-skip-in-text="true"><img alt="x" src="y"><p data-skip-in-text="false">shown</p>'],
  ['a rule that is not skipped', '<p>a</p><hr><p>b</p>'],
  ['tables as blocks', '<table><tbody><tr><td>one</td><td>two <span>inline</span></td></tr><tr><th>head</th></tr></tbody></table><table><tr><td></td></tr></table>text'],
  ['lists, nested and numbered', '<ul><li>a</li>\n <li>b<ul><li>b1</li><li>b2<ol><li>deep</li></ol></li></ul></li><li><p>para item</p></li><li>after para item</li></ul><ol start="9"><li>nine</li><li>ten</li><li>eleven<br>second line</li></ol>'],
  ['odd lists', '<ul></ul><ul> </ul><ol><li></li></ol><ul>text in ul<li>item</li><!-- c --><span>span</span></ul>'],
  ['blockquotes', '<blockquote><p>one</p><p>two<br>three</p></blockquote><blockquote>inline <blockquote>nested</blockquote></blockquote><blockquote></blockquote>'],
  ['whitespace between and inside inline elements', '<p> lead <b> bold </b>tail<i>glued</i> x\u200by \t\n z </p><div>\n</div><p>   </p>'],
  ['divs and sections', '<div>a<div>b</div>c</div><section>s</section><footer>f</footer><article>x<aside>y</aside></article>'],
  ['comments, styles and scripts in the body', '<p>a<!-- hidden -->b</p><style>p{color:red}</style><script>x()</script><p>c</p>'],
  ['React text separators', '<p>one<!-- -->two<!-- --> three</p>'],
  ['Outlook conditional comments', '<!--[if mso]><table><tr><td><![endif]--><p>x</p><!--[if mso]></td></tr></table><![endif]-->'],
  ['no body', '<p>loose</p>text'],
  ['a head and a body', '<html><head><title>T</title><style>a{}</style></head><body><p>b</p></body></html>'],
  ['two bodies', '<html><body><p>one</p></body></html><body><p>two</p></body>'],
  ['a wbr', '<h3>long<wbr>word</h3><p>x<wbr>y</p>'],
  ['a skipped body', '<body data-skip-in-text="true"><p>none</p></body>'],
  ['an empty document', ''],
];

describe('the plain text walk on crafted HTML', () => {
  it.each(SNIPPETS)('%s', (_name, html) => {
    expect(htmlToText(html)).toBe(referenceHtmlToText(html));
  });

  it.each([
    ['<pre>', '<pre>  code\n  block</pre>'],
    ['a data table', '<table data-text-format="dataTable"><tr><td>a</td></tr></table>'],
    ['a roman-numbered list', '<ol type="i"><li>one</li></ol>'],
    // html-to-text upper-cases h4-h6, which would turn a merge field into an unknown one.
    ['<h4>', '<h4>Hi there</h4>'],
    ['<h6>', '<p>a</p><h6>six</h6>'],
  ])('refuses %s, which the template never writes, rather than write it differently', (_name, html) => {
    expect(() => htmlToText(html)).toThrow(/does not format/);
  });
});
