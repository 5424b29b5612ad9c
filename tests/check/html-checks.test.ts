import { describe, expect, it } from 'vitest';
import { checkAccessibility, checkCompliance, checkImages, checkLinks, checkPlainText, classifyUrl, parseHeaders, parseHtml, type Finding } from '../../src/check/index.ts';
import { fixtureDoc, fixtureHtml, FIXTURE_POSTAL, FIXTURE_UNSUBSCRIBE } from './fixtures.ts';

const problems = (findings: Finding[]) => findings.filter((f) => f.severity !== 'info').map((f) => [f.id, f.severity]);
const compliance = (name: string, headers?: Map<string, string[]>) => checkCompliance({ doc: fixtureDoc(name), postalAddress: FIXTURE_POSTAL, unsubscribeUrl: FIXTURE_UNSUBSCRIBE, headers });

describe('checks on crafted HTML', () => {
  it('finds nothing wrong in the good fixture', () => {
    const doc = fixtureDoc('good.html');
    const all = [...checkLinks(doc), ...checkImages(doc), ...checkAccessibility(doc), ...compliance('good.html'), ...checkPlainText(doc, fixtureHtml('good.txt'))];
    expect(problems(all)).toEqual([]);
  });

  it.each([
    ['missing-alt.html', 'images.alt-missing', 'error', checkImages],
    ['javascript-link.html', 'links.javascript', 'error', checkLinks],
    ['http-link.html', 'links.http', 'warning', checkLinks],
    ['heading-skip.html', 'accessibility.heading-skip', 'error', checkAccessibility],
    ['click-here.html', 'accessibility.link-text', 'warning', checkAccessibility],
    ['layout-table-no-role.html', 'accessibility.table-role', 'error', checkAccessibility],
  ] as const)('%s → %s (%s)', (file, id, severity, check) => {
    expect(problems(check(fixtureDoc(file)))).toEqual([[id, severity]]);
  });

  it.each([
    ['no-unsubscribe.html', 'compliance.unsubscribe-link', 'error'],
    ['no-postal-address.html', 'compliance.postal-address', 'error'],
    ['no-preheader.html', 'compliance.preheader', 'warning'],
  ] as const)('%s → %s (%s)', (file, id, severity) => {
    expect(problems(compliance(file))).toEqual([[id, severity]]);
  });

  it('names the heading jump and the link text it found', () => {
    const [skip] = checkAccessibility(fixtureDoc('heading-skip.html'));
    expect(skip?.data).toEqual({ from: 1, to: 4 });
    const [vague] = checkAccessibility(fixtureDoc('click-here.html'));
    expect(vague?.data).toMatchObject({ text: 'click here', href: 'https://example.com/story' });
  });

  it('accepts empty alt only on images marked decorative', () => {
    expect(problems(checkImages(fixtureDoc('good.html')))).toEqual([]);
    const undecorated = fixtureHtml('good.html').replace('alt="" role="presentation"', 'alt=""');
    expect(problems(checkImages(parseHtml(undecorated)))).toEqual([['images.alt-empty', 'warning']]);
  });

  it('asks for a width attribute and https on images', () => {
    const html = fixtureHtml('good.html').replace('src="https://example.com/chart.png" alt="A chart of prices rising since January" width="520"', 'src="http://example.com/chart.png" alt="A chart"');
    expect(problems(checkImages(parseHtml(html)))).toEqual([
      ['images.width-missing', 'warning'],
      ['images.http', 'warning'],
    ]);
  });

  it.each([
    ['', 'empty'],
    ['#', 'hash'],
    ['  JavaScript:void(0)', 'javascript'],
    ['java\tscript:alert(1)', 'javascript'],
    ['data:text/html,hi', 'data'],
    ['/relative/path', 'relative'],
    ['https://exa mple.com', 'invalid'],
    ['https://{{unsubscribeUrl}}', 'invalid'],
    ['https://nodot', 'invalid'],
    ['mailto:nobody', 'invalid'],
    ['mailto:editors@example.com?subject=hi', 'mailto'],
    ['http://example.com', 'http'],
    ['https://example.com/a?b=c&d=e', 'https'],
    ['ftp://example.com/file', 'other'],
  ])('classifies %j as %s', (url, kind) => {
    expect(classifyUrl(url)).toBe(kind);
  });

  it('checks the List-Unsubscribe headers of a message', () => {
    const good = parseHeaders('List-Unsubscribe: <https://example.com/unsubscribe?token=abc>,\r\n <mailto:u@example.com>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nList-Id: "Example" <news.example.com>\r\n\r\nbody');
    expect(good.get('list-unsubscribe')).toEqual(['<https://example.com/unsubscribe?token=abc>, <mailto:u@example.com>']);
    expect(problems(compliance('good.html', good))).toEqual([]);
    const none = parseHeaders('Subject: hi\r\n\r\nbody');
    expect(problems(compliance('good.html', none))).toEqual([
      ['compliance.list-unsubscribe', 'error'],
      ['compliance.list-unsubscribe-post', 'error'],
      ['compliance.list-id', 'warning'],
    ]);
  });

  it('finds links missing from the plain text, and tags or entities left in it', () => {
    const found = checkPlainText(fixtureDoc('good.html'), fixtureHtml('leftover-markup.txt'));
    expect(problems(found)).toEqual([
      ['text.missing-link', 'error'],
      ['text.markup', 'error'],
      ['text.entity', 'error'],
    ]);
    expect(found[0]?.data).toEqual({ url: 'https://example.com/story' });
  });
});
