/**
 * Splitting an over-long message into numbered parts that each fit a platform's byte limit.
 * UTF-8 safe (never cuts a character), never cuts a markdown construct (code fence, link, table
 * row): it breaks between paragraphs, then lines, then words, and only as a last resort inside a
 * line that alone is too long (re-opening a code fence in the next part).
 *
 * splitText(text, maxBytes) returns parts whose UTF-8 byte length each is <= maxBytes, with a
 * part label "(i/n)" appended to each when there is more than one part; `label` shapes it.
 *
 * Invariant (tested): splitParts(...).map(p => p.body).join('') === text, and each string of
 * splitText is `prefix + body + suffix + label` of the same part.
 *
 * Linear time. The markdown structure (lines, fences, links, spaces) is one pass over the text;
 * grapheme boundaries are asked of `Intl.Segmenter` only at the few positions a cut is considered,
 * nearest the end of each part first (segmenting a whole 60 KB text took seconds on a loaded core).
 * Most positions are decided without it: between two ASCII characters there is always a boundary
 * (but CR LF), and before a combining mark or a ZWJ there never is (Unicode UAX #29, GB3–GB9).
 */
export interface SplitOptions {
  /** Room each part needs for its label, added to each part: default `\n\n(${i}/${n})`. */
  label?: (index: number, total: number) => string;
}

/** One part before joining: `body` is an exact slice of the input; the rest is added around it. */
export interface SplitPart {
  /** reopens a code fence cut by the previous part (its original opening line), else '' */
  prefix: string;
  body: string;
  /** closes a code fence this part cuts (newline if needed + the fence marker), else '' */
  suffix: string;
  label: string;
}

const defaultLabel = (i: number, n: number): string => `\n\n(${i}/${n})`;
/** Label sizing is recomputed when the part count grows a digit; a handful of rounds always suffices. */
const MAX_LABEL_ROUNDS = 8;

/** Cut quality, best first; 0 = never (inside a surrogate pair). */
const Rank = {
  Never: 0,
  /** inside a grapheme cluster (e.g. between an emoji and its skin tone) */
  CodePoint: 1,
  /** a character boundary inside a link, inline code, table row or fence line */
  Protected: 2,
  Grapheme: 3,
  Space: 4,
  Line: 5,
  Paragraph: 6,
} as const;

interface Fence {
  /** index after the opening line: cuts in [contentStart, closeStart] need repair */
  contentStart: number;
  closeStart: number;
  opener: string;
  marker: string;
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

export function splitText(text: string, maxBytes: number, opts?: SplitOptions): string[] {
  return splitParts(text, maxBytes, opts).map((p) => p.prefix + p.body + p.suffix + p.label);
}

export function splitParts(text: string, maxBytes: number, opts?: SplitOptions): SplitPart[] {
  if (bytes(text) <= maxBytes) return [{ prefix: '', body: text, suffix: '', label: '' }];
  const label = opts?.label ?? defaultLabel;
  const labelRoom = (n: number): number => {
    let max = 0;
    for (let i = 1; i <= n; i++) max = Math.max(max, bytes(label(i, n)));
    return max;
  };
  const map = textMap(text);
  let reserve = labelRoom(2);
  for (let round = 0; round < MAX_LABEL_ROUNDS; round++) {
    const chunks = chunk(text, map, maxBytes - reserve);
    const need = labelRoom(chunks.length);
    if (need <= reserve) return chunks.map((c, i) => ({ ...c, label: label(i + 1, chunks.length) }));
    reserve = need;
  }
  throw new RangeError(`splitText: labels do not settle for maxBytes ${maxBytes}`);
}

interface TextMap {
  /** byteAt[i] = UTF-8 bytes of text.slice(0, i) */
  byteAt: Float64Array;
  /** the rank a cut would have if it is a grapheme boundary: see `effective` */
  rank: Uint8Array;
  /** true when a cut at p is a grapheme boundary (asked lazily, remembered) */
  grapheme: (p: number) => boolean;
  /** fence index + 1 for cuts that land inside a fenced block's content, else 0 */
  fenceAt: Int32Array;
  fences: Fence[];
}

function chunk(text: string, m: TextMap, budget: number): Omit<SplitPart, 'label'>[] {
  const out: Omit<SplitPart, 'label'>[] = [];
  let s = 0;
  while (s < text.length) {
    const prefix = m.fenceAt[s] ? m.fences[m.fenceAt[s] - 1].opener : '';
    const base = bytes(prefix) - m.byteAt[s];
    const suffixAt = (p: number): string => {
      const f = m.fenceAt[p];
      if (!f || p === text.length) return '';
      return (text[p - 1] === '\n' ? '' : '\n') + m.fences[f - 1].marker;
    };
    if (base + m.byteAt[text.length] <= budget) {
      out.push({ prefix, body: text.slice(s), suffix: '' });
      break;
    }
    const fits = (p: number): boolean => base + m.byteAt[p] + bytes(suffixAt(p)) <= budget;
    const cut = pickCut(m, s, lastFitting(m, s, text.length, base, budget), (p) => (base + m.byteAt[p]) * 2 >= budget, fits);
    if (cut < 0) throw new RangeError(`splitText: maxBytes leaves ${budget} bytes per part, too few to progress`);
    out.push({ prefix, body: text.slice(s, cut), suffix: suffixAt(cut) });
    s = cut;
  }
  return out;
}

/** The furthest position after `s` whose prefix fits the budget (binary search: byteAt only grows). */
function lastFitting(m: TextMap, s: number, n: number, base: number, budget: number): number {
  let lo = s;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (base + m.byteAt[mid] <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A cut's rank once its grapheme boundary is known; Line and Paragraph (after a newline) always are one. */
function effective(m: TextMap, p: number): number {
  const r = m.rank[p];
  if (r === Rank.Never || r === Rank.CodePoint || r >= Rank.Line) return r;
  return m.grapheme(p) ? r : Rank.CodePoint;
}

/**
 * The best-ranked cut in (s, last] that fills at least half the part (`filled`); else the
 * best-ranked cut at all; the furthest of its rank either way. Walks back from `last`, asking the
 * grapheme question only of positions whose rank would win: a handful per part in real text.
 */
function pickCut(m: TextMap, s: number, last: number, filled: (p: number) => boolean, fits: (p: number) => boolean): number {
  let half = last + 1;
  while (half - 1 > s && filled(half - 1)) half--;
  // [half, last] fills at least half the part
  const furthest = (from: number, to: number, rank: number): number => {
    for (let p = to; p >= from; p--) if (m.rank[p] === rank && fits(p) && effective(m, p) === rank) return p;
    return -1;
  };
  for (let r = Rank.Paragraph; r >= Rank.Grapheme; r--) {
    const p = furthest(half, last, r);
    if (p >= 0) return p;
  }
  for (let r = Rank.Paragraph; r >= Rank.Protected; r--) {
    const p = furthest(s + 1, r >= Rank.Grapheme ? half - 1 : last, r);
    if (p >= 0) return p;
  }
  // only cuts inside grapheme clusters are left: the furthest character boundary
  for (let p = last; p > s; p--) if (m.rank[p] !== Rank.Never && fits(p)) return p;
  return -1;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})([^\n]*)$/;
/**
 * inline links and images (one level of parentheses in the target), autolinks, bare URLs, inline
 * code spans. No class may run over the character that starts another try of the same atom ('[',
 * '(', '<'): a line of 20,000 unclosed '[' would otherwise be rescanned from each one (quadratic).
 */
const INLINE_ATOMS = /!?\[[^[\]\n]*\]\((?:[^()\n]|\([^()\n]*\))*\)|<https?:[^<>\s]*>|https?:\/\/[^\s<>)\]]+|(`+)[^`\n]*?\1(?!`)/g;
const TABLE_ROW = /^\s*\|/;

/** The last text mapped: a renderer that shrinks its budget splits the same text again. */
let last: { text: string; map: TextMap } | undefined;

function textMap(text: string): TextMap {
  if (last?.text !== text) last = { text, map: analyse(text) };
  return last.map;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** Grapheme_Extend (all Mn and Me) and ZWJ: never a boundary before them (GB9), unless after a control (GB4). */
const EXTENDING = /^[\p{Mn}\p{Me}\u200D]/u;
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}\p{Cf}]$/u;

/** Whether a cut at p (a code point boundary, 0 < p < n) is a grapheme boundary: cheap rules first, then ICU at that one position. */
function graphemeOracle(text: string): (p: number) => boolean {
  let segments: Intl.Segments | undefined;
  const known = new Map<number, boolean>();
  return (p) => {
    const a = text.charCodeAt(p - 1);
    const b = text.charCodeAt(p);
    if (a < 0x80 && b < 0x80) return !(a === 0x0d && b === 0x0a);
    let yes = known.get(p);
    if (yes !== undefined) return yes;
    if (EXTENDING.test(text.slice(p, p + 2)) && !CONTROL.test(text.slice(Math.max(0, p - 2), p))) yes = false;
    else {
      segments ??= segmenter.segment(text);
      yes = segments.containing(p)?.index === p;
    }
    known.set(p, yes);
    return yes;
  };
}

function analyse(text: string): TextMap {
  const n = text.length;
  const byteAt = new Float64Array(n + 1);
  const rank = new Uint8Array(n + 1);
  const fenceAt = new Int32Array(n + 1);
  const fences: Fence[] = [];
  // character boundaries and their byte offsets
  for (let i = 0; i < n; ) {
    const cp = text.codePointAt(i) as number;
    const w = cp > 0xffff ? 2 : 1;
    byteAt[i + w] = byteAt[i] + (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);
    if (w === 2) byteAt[i + 1] = byteAt[i]; // rank stays Never: inside a surrogate pair
    // taken for a grapheme boundary until asked (effective())
    rank[i + w] = Rank.Grapheme;
    i += w;
  }
  const protect = (from: number, to: number): void => {
    for (let p = from + 1; p < to; p++) if (rank[p] >= Rank.Grapheme) rank[p] = Rank.Protected;
  };
  let lineStart = 0;
  let prevBlank = false;
  let open: { contentStart: number; char: string; len: number; opener: string } | undefined;
  while (lineStart <= n) {
    const nl = text.indexOf('\n', lineStart);
    const end = nl < 0 ? n : nl; // line content is [lineStart, end)
    const next = nl < 0 ? n : nl + 1;
    const line = text.slice(lineStart, end).replace(/\r$/, '');
    const blank = line.trim() === '';
    if (lineStart > 0) rank[lineStart] = prevBlank ? Rank.Paragraph : Rank.Line;
    if (open) {
      const close = line.match(/^ {0,3}(`{3,}|~{3,})\s*$/);
      if (close && close[1][0] === open.char && close[1].length >= open.len) {
        fences.push({ contentStart: open.contentStart, closeStart: lineStart, opener: open.opener, marker: open.char.repeat(open.len) });
        protect(lineStart, end);
        open = undefined;
      } else {
        for (let p = lineStart + 1; p < end; p++) if (text[p - 1] === ' ' && rank[p] >= Rank.Grapheme) rank[p] = Rank.Space;
      }
    } else {
      const fo = line.match(FENCE_OPEN);
      if (fo && !(fo[1][0] === '`' && fo[2].includes('`'))) {
        const opener = text.slice(lineStart, next);
        open = { contentStart: next, char: fo[1][0], len: fo[1].length, opener: opener.endsWith('\n') ? opener : `${opener}\n` };
        protect(lineStart, end);
      } else {
        for (let p = lineStart + 1; p < end; p++) if (text[p - 1] === ' ' && rank[p] >= Rank.Grapheme) rank[p] = Rank.Space;
        if (TABLE_ROW.test(line)) protect(lineStart, end);
        for (const a of line.matchAll(INLINE_ATOMS)) protect(lineStart + (a.index ?? 0), lineStart + (a.index ?? 0) + a[0].length);
      }
    }
    prevBlank = blank;
    if (nl < 0) break;
    lineStart = next;
  }
  if (open) fences.push({ contentStart: open.contentStart, closeStart: n, opener: open.opener, marker: open.char.repeat(open.len) });
  fences.forEach((f, k) => {
    for (let p = f.contentStart; p <= f.closeStart && p <= n; p++) fenceAt[p] = k + 1;
  });
  return { byteAt, rank, grapheme: graphemeOracle(text), fenceAt, fences };
}
