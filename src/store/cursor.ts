/**
 * Opaque page cursors: where a listing stopped, as base64url JSON. Clients pass them back
 * unchanged; anything that does not decode to the expected shape is refused.
 */
import type { ZEntry } from './store.js';

/** A position in a sorted index, and for deliveries the next delivery of that message to look at. */
export interface Cursor extends ZEntry {
  index?: number;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c.index === undefined ? [c.score, c.member] : [c.score, c.member, c.index])).toString('base64url');
}

/** undefined when the text is not a cursor this Herald wrote */
export function decodeCursor(text: string): Cursor | undefined {
  if (text.length > 512) return undefined;
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(v) || v.length < 2 || v.length > 3) return undefined;
    const [score, member, index] = v as unknown[];
    if (typeof score !== 'number' || !Number.isFinite(score) || typeof member !== 'string' || member.length > 300) return undefined;
    if (index !== undefined && (typeof index !== 'number' || !Number.isInteger(index) || index < 0)) return undefined;
    return index === undefined ? { score, member } : { score, member, index };
  } catch {
    return undefined;
  }
}
