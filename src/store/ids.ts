/** Time-sortable ids: sorting them as strings sorts them by creation time. */
import { randomBytes } from 'node:crypto';

let last = 0;
let seq = 0;

export function newId(prefix: string): string {
  const now = Date.now();
  seq = now === last ? seq + 1 : 0;
  last = now;
  const time = now.toString(36).padStart(9, '0');
  const counter = seq.toString(36).padStart(3, '0');
  return `${prefix}${time}${counter}${randomBytes(5).toString('hex')}`;
}

/** The creation time (ms) an id from newId carries, after its one-letter prefix. */
export function idTime(id: string): number {
  const t = Number.parseInt(id.slice(1, 10), 36);
  return Number.isFinite(t) ? t : 0;
}
