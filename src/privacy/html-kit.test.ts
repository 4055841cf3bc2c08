import { describe, expect, it } from 'vitest';
import { barChart, esc, page, table } from './html-kit.js';

describe('html kit', () => {
  it('escapes markup and quotes', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });

  it('draws bars proportional to their values, with a text alternative', () => {
    const svg = barChart('Things', [['a', 10], ['b', 5], ['c', 0]]);
    expect(svg).toContain('width="360"');
    expect(svg).toContain('width="180"');
    expect(svg).toContain('width="0"');
    expect(svg).toContain('aria-label="Things. a: 10, b: 5, c: 0"');
    expect(barChart('Nothing', [])).toContain('none in this period');
  });

  it('renders tables and an empty note', () => {
    expect(table(['x'], [[1]])).toBe('<table><thead><tr><th scope="col">x</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>');
    expect(table(['x'], [])).toContain('None.');
  });

  it('wraps a body into a page with no external asset', () => {
    const html = page('T<', '<p>b</p>');
    expect(html).toContain('<title>T&#60;</title>');
    expect(html).not.toMatch(/<link|<script|src=/);
  });
});
