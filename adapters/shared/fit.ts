/**
 * Splitting when the limit is on what the platform receives, not on the source: the source is
 * split (splitText: never inside a character, link or code fence), each part is built (converted,
 * escaped, wrapped in its payload), and measured the platform's way. While a part is too big the
 * budget shrinks, and the source is split again. The parts therefore always fit, whatever the
 * conversion adds (escapes, tags, JSON quoting).
 */
import { type SplitOptions, splitText } from './split.js';

/** Shrink rounds before giving up; each takes at least 5 % off, so a handful normally suffices. */
const MAX_ROUNDS = 40;
const MIN_SHRINK = 0.95;
/** How much of the text is built to learn how it measures. */
const SAMPLE_CHARS = 8000;
const FIRST_GUESS = 0.9;

/** UTF-16 code units: what JavaScript's `length` counts; never fewer than the characters a person sees. */
export const utf16 = (s: string): number => s.length;
export const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

export interface FitOptions extends SplitOptions {
  /** the smallest source budget (UTF-8 bytes) worth splitting at; below it fitParts throws */
  minBudget?: number;
}

/**
 * Parts in order, each `measure(build(chunk, i, n)) <= limit`.
 * `unitBytes` is how many source bytes one measured unit holds at most (1 when measuring bytes).
 */
export function fitParts<T>(
  text: string,
  limit: number,
  build: (chunk: string, index: number, total: number) => T,
  measure: (part: T) => number,
  opts: FitOptions = {},
): T[] {
  const fixed = measure(build('', 0, 99));
  const room = limit - fixed;
  const minBudget = opts.minBudget ?? 64;
  if (room < 1) throw new RangeError(`fitParts: the fixed part of the payload (${fixed}) leaves no room under ${limit}`);
  // Start from the room in bytes at the text's own bytes-per-unit, so CJK packs as well as ASCII;
  // a sample tells the ratio (building the whole text once would cost as much as all the parts).
  const sample = text.slice(0, SAMPLE_CHARS);
  const measuredSample = Math.max(1, measure(build(sample, 0, 1)) - fixed);
  const ratio = Math.max(1, utf8(sample) / measuredSample);
  // 10 % under the estimate: parts vary around the sample's ratio, and a second round costs a whole render
  let budget = Math.max(minBudget, Math.floor(room * ratio * FIRST_GUESS));
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const chunks = splitText(text, budget, opts);
    const parts = chunks.map((c, i) => build(c, i, chunks.length));
    let worst = 0;
    for (const p of parts) worst = Math.max(worst, measure(p));
    if (worst <= limit) return parts;
    // the worst part must shrink by limit/worst; parts that expand less then have room to spare
    budget = Math.floor(budget * Math.min(MIN_SHRINK, limit / worst));
    if (budget < minBudget) break;
  }
  throw new RangeError(`fitParts: could not fit the message into parts of ${limit}`);
}

/** One line, at most `max` code points, an ellipsis when shortened. */
export function oneLine(s: string, max: number): string {
  const chars = [...s.replace(/\s+/g, ' ').trim()];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}

/** First and last 4 characters of a long value; short values are hidden entirely. */
export function maskMiddle(value: string): string {
  return value.length >= 16 ? `${value.slice(0, 4)}…${value.slice(-4)}` : '***';
}
