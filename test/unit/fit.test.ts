/** fitParts: parts fit the limit as the platform measures them, whatever the conversion adds. */
import { describe, expect, it } from 'vitest';
import { fitParts, oneLine, utf16, utf8 } from '../../adapters/shared/fit.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

describe('fitParts', () => {
  it('one part when it fits', () => {
    expect(fitParts('hello & <b>', 100, (c) => esc(c), utf16)).toEqual(['hello &amp; &lt;b>']);
  });

  it('escaping that quintuples the text still fits every part, and nothing is lost', () => {
    const text = '&'.repeat(3000) + '\n\n' + 'a<b '.repeat(2000);
    const parts = fitParts(text, 1000, (c) => esc(c), utf16, { label: () => '' });
    expect(parts.length).toBeGreaterThan(15);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(1000);
    const back = parts.map((p) => p.replace(/&lt;/g, '<').replace(/&amp;/g, '&')).join('');
    expect(back).toBe(text);
  });

  it('packs CJK by characters when the platform counts characters', () => {
    const text = '告警'.repeat(3000); // 6000 characters, 18 000 bytes
    const parts = fitParts(text, 4096, (c) => c, utf16, { label: () => '' });
    expect(parts).toHaveLength(2);
    expect(parts.join('')).toBe(text);
  });

  it('measures the whole payload, fixed part included', () => {
    const build = (c: string, i: number, n: number) => JSON.stringify({ head: 'x'.repeat(100), part: `${i + 1}/${n}`, text: c });
    const parts = fitParts('line "quoted"\n'.repeat(400), 800, build, utf8);
    for (const p of parts) expect(utf8(p)).toBeLessThanOrEqual(800);
    expect(parts.map((p) => JSON.parse(p).text).join('')).toContain('(1/');
  });

  it('refuses when the fixed part leaves no room', () => {
    expect(() => fitParts('x', 10, (c) => `${'h'.repeat(20)}${c}`, utf16)).toThrow(RangeError);
  });

  it('oneLine shortens to whole code points with an ellipsis', () => {
    expect(oneLine('a\n b   c', 10)).toBe('a b c');
    expect(oneLine('🚨'.repeat(5), 3)).toBe('🚨🚨…');
  });
});
