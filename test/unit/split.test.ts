import { afterEach, describe, expect, it, vi } from 'vitest';
import { type SplitPart, splitParts, splitText } from '../../adapters/shared/split.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})/;

/** Every invariant the splitter promises, checked for one input. */
function checkSplit(text: string, max: number): SplitPart[] {
  const parts = splitParts(text, max);
  const strings = splitText(text, max);
  expect(strings).toHaveLength(parts.length);
  expect(parts.length).toBeGreaterThan(1);
  parts.forEach((p, i) => {
    expect(strings[i]).toBe(p.prefix + p.body + p.suffix + p.label);
    expect(p.label).toBe(`\n\n(${i + 1}/${parts.length})`);
    expect(bytes(strings[i])).toBeLessThanOrEqual(max);
    expect(strings[i]).not.toMatch(LONE_SURROGATE);
    expect(p.body.length).toBeGreaterThan(0);
  });
  // nothing lost, nothing reordered
  expect(parts.map((p) => p.body).join('')).toBe(text);
  return parts;
}

/** Fence lines in a part must pair up: the part opens and closes every block it shows. */
function fencesBalanced(part: string): boolean {
  return part.split('\n').filter((l) => FENCE_LINE.test(l)).length % 2 === 0;
}

/** Deterministic pseudo-random source so a failing case can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

describe('splitText', () => {
  it('returns a text that fits unchanged, without a label', () => {
    expect(splitText('hello **world**', 15)).toEqual(['hello **world**']);
    expect(splitText('你好', 6)).toEqual(['你好']);
    expect(splitText('', 10)).toEqual(['']);
  });

  it('breaks ASCII prose between paragraphs', () => {
    const para = (k: number) => `Paragraph ${k}: ${'lorem ipsum dolor sit amet '.repeat(8).trim()}.`;
    const text = Array.from({ length: 30 }, (_, k) => para(k)).join('\n\n');
    const parts = checkSplit(text, 1000);
    for (const p of parts.slice(0, -1)) expect(p.body.endsWith('.\n\n')).toBe(true);
  });

  it('falls back to line breaks, then spaces', () => {
    const lines = Array.from({ length: 80 }, (_, k) => `line ${k} with some words`).join('\n');
    for (const p of checkSplit(lines, 300).slice(0, -1)) expect(p.body.endsWith('\n')).toBe(true);
    const words = Array.from({ length: 400 }, (_, k) => `word${k}`).join(' ');
    for (const p of checkSplit(words, 300).slice(0, -1)) expect(p.body.endsWith(' ')).toBe(true);
  });

  it('cuts a long unbroken line anywhere, within the limit', () => {
    const parts = checkSplit('x'.repeat(10_000), 512);
    expect(parts.length).toBe(Math.ceil(10_000 / (512 - bytes('\n\n(20/20)'))));
  });

  it('never cuts a CJK character (3 bytes each)', () => {
    const text = '告警：数据库主节点连接数超过阈值，请值班同学尽快处理。'.repeat(400);
    for (const s of splitText(text, 2048)) {
      expect(Buffer.from(s, 'utf8').toString('utf8')).toBe(s);
      expect(s).not.toContain('\uFFFD');
    }
    checkSplit(text, 2048);
  });

  it('never cuts an emoji, a surrogate pair or a ZWJ family', () => {
    const family = '👨‍👩‍👧‍👦';
    const text = `🔥🚨${family}👍🏽`.repeat(500);
    const parts = checkSplit(text, 333);
    const count = (s: string) => s.split(family).length - 1;
    expect(parts.reduce((n, p) => n + count(p.body), 0)).toBe(500);
    expect(parts.reduce((n, p) => n + (p.body.split('👍🏽').length - 1), 0)).toBe(500);
    for (const p of parts) expect(p.body).not.toMatch(/^(\u200d|🏽)|\u200d$/u);
  });

  it('closes a cut code fence and reopens it with its info string', () => {
    const code = Array.from({ length: 200 }, (_, k) => `  const value${k} = compute(${k}); // step ${k}`).join('\n');
    const text = `Deploy failed:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nSee the runbook.`;
    const parts = checkSplit(text, 1500);
    for (const s of splitText(text, 1500)) expect(fencesBalanced(s)).toBe(true);
    for (const p of parts.slice(1, -1)) {
      expect(p.prefix).toBe('```ts\n');
      expect(p.suffix).toMatch(/^\n?```$/);
    }
    expect(parts[0].prefix).toBe('');
    expect(parts.at(-1)?.suffix).toBe('');
  });

  it('repairs tilde and longer fences, and a long line inside a fence', () => {
    const text = `~~~~json\n${'{"k":"v"},'.repeat(400)}\n~~~~\nafter`;
    for (const p of checkSplit(text, 700).slice(1, -1)) {
      expect(p.prefix).toBe('~~~~json\n');
      expect(p.suffix).toBe('\n~~~~');
    }
  });

  it('never cuts inside a link, an image, inline code or a URL', () => {
    const atoms = [
      '[the runbook for this alert](https://wiki.example.com/runbooks/db/connections?tab=steps)',
      '![graph](https://grafana.example.com/render/d/abc?panel=4&from=now-1h)',
      '`kubectl rollout restart deploy/api --namespace prod`',
      'https://status.example.com/incidents/2024-05-01-database',
    ];
    const text = Array.from({ length: 120 }, (_, k) => `${k} ${atoms[k % atoms.length]}`).join(' ');
    const parts = checkSplit(text, 400);
    for (const p of parts) {
      const opens = (p.body.match(/\[/g) ?? []).length;
      expect((p.body.match(/\]\(/g) ?? []).length).toBe(opens);
      expect((p.body.match(/`/g) ?? []).length % 2).toBe(0);
    }
    for (const a of atoms) {
      const whole = parts.reduce((n, p) => n + (p.body.split(a).length - 1), 0);
      expect(whole).toBe(30);
    }
  });

  it('keeps table rows whole', () => {
    const header = '| host | metric | value | threshold |\n|---|---|---|---|\n';
    const rows = Array.from({ length: 150 }, (_, k) => `| db-${k} | connections in use | ${900 + k} | 800 |`);
    const parts = checkSplit(`${header}${rows.join('\n')}\n`, 600);
    const seen = parts.flatMap((p) => p.body.split('\n').filter((l) => l.startsWith('| db-')));
    expect(seen).toEqual(rows);
  });

  it('uses a custom label and counts it toward the limit', () => {
    const label = (i: number, n: number) => `\n— 第${i}/${n}部分`;
    const parts = splitText('数据'.repeat(3000), 1000, { label });
    parts.forEach((s, i) => {
      expect(bytes(s)).toBeLessThanOrEqual(1000);
      expect(s.endsWith(label(i + 1, parts.length))).toBe(true);
    });
  });

  it('grows the label room when the part count gains a digit', () => {
    const parts = checkSplit('abcdefghij '.repeat(2000), 120);
    expect(parts.length).toBeGreaterThan(100);
  });

  it('refuses a limit too small to make progress', () => {
    expect(() => splitText('x'.repeat(100), 8)).toThrow(RangeError);
  });

  it('holds its invariants on random markdown mixes', () => {
    const pieces = ['word ', '中文 ', '🚨', '👩🏽‍💻', '\n', '\n\n', '[link](https://e.com/x) ', '`code` ', '| a | b |\n', '```py\nx = 1\n', '```\n', 'y'.repeat(300)];
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      let text = '';
      while (bytes(text) < 6000) text += pieces[Math.floor(r() * pieces.length)];
      const max = 200 + Math.floor(r() * 2000);
      checkSplit(text, max);
    }
  });

  it('splits a 60 KB message into parts that fit a 4096-byte budget', () => {
    const block = '## 节点 web-01 告警\n\n**CPU** 使用率 97%，[查看面板](https://grafana.example.com/d/1)\n\n```\ntop -b -n1 | head\n```\n\n';
    const text = block.repeat(Math.ceil(60_000 / bytes(block)));
    const parts = checkSplit(text, 4096);
    expect(parts.length).toBeGreaterThanOrEqual(15);
    for (const s of splitText(text, 4096)) expect(fencesBalanced(s)).toBe(true);
  });

  it('cuts only at grapheme boundaries where one exists: marks after spaces, flags, CR LF, Hangul, Indic', () => {
    const pieces = ['a ', ' \u0301', 'e\u0301 ', '🇨🇳🇯🇵', '🇺🇸', '\r\n', '각', '\u1100\u1161\u11A8', 'क्षि ', 'ก่ำ ', '👨‍👩‍👧', '👍🏽 ', 'x', '\u0600\u0661 '];
    const whole = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    for (let seed = 1; seed <= 30; seed++) {
      const r = rng(seed);
      let text = '';
      while (bytes(text) < 5000) text += pieces[Math.floor(r() * pieces.length)];
      const boundaries = new Set([...whole.segment(text)].map((g) => g.index));
      const parts = checkSplit(text, 150 + Math.floor(r() * 600));
      let at = 0;
      for (const p of parts.slice(0, -1)) {
        at += p.body.length;
        expect(boundaries.has(at), `cut at ${at} of seed ${seed}`).toBe(true);
      }
    }
  });

  it('asks the grapheme segmenter about a few positions per part, never about the whole text', () => {
    const proto = Object.getPrototypeOf(new Intl.Segmenter().segment('')) as Intl.Segments;
    const containing = vi.spyOn(proto, 'containing');
    const iterate = vi.spyOn(proto, Symbol.iterator);
    const text = '告警：数据库主节点连接数超过阈值，请值班同学尽快处理。👩🏽‍💻 '.repeat(1_200); // ~ 100 KB, no ASCII runs
    const parts = checkSplit(text, 4096);
    expect(iterate).not.toHaveBeenCalled();
    expect(containing.mock.calls.length).toBeGreaterThan(0);
    expect(containing.mock.calls.length).toBeLessThanOrEqual(parts.length * 8);
  });

  it('keeps a link whose target has parentheses whole, and splits lines of unclosed brackets', () => {
    const wiki = '[Foo](https://en.wikipedia.org/wiki/Foo_(bar))';
    const parts = checkSplit(`${wiki} `.repeat(400), 500);
    expect(parts.reduce((n, p) => n + (p.body.split(wiki).length - 1), 0)).toBe(400);
    // each would be rescanned from every opener by a backtracking pattern
    for (const line of ['['.repeat(20_000), '[a]('.repeat(5_000), '<https:'.repeat(3_000)]) checkSplit(line, 4096);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });
});
