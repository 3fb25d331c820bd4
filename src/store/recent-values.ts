/**
 * The embedded store's read cache: the serialized rows it wrote or read most recently, bounded by
 * size. One process owns the SQLite file, so the last value this process committed for a key is what
 * a read would return; publish writes a message and its deliveries, and the workers read them back
 * at once, which this answers without a round trip to SQLite.
 *
 * A row read from the file is kept only when its key was read lately before (`admit`): a fan-out to
 * 100,000 subscriptions reads 100,000 rows once each, and keeping them would only push out the rows
 * in use (and make every one of them live long enough to cost a full garbage collection).
 */

/** Slots of the admission filter (a 32-bit hash of a key per slot: 256 KB, outside the JS heap). */
const ADMISSION_SLOTS = 1 << 16;

/** FNV-1a; never 0, so an empty slot never matches. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h | 1;
}

export class RecentValues {
  // Two generations instead of an LRU list: rows go into `young`; when it holds half the budget it
  // becomes `old` and the previous `old` is dropped whole. Every operation is O(1).
  private young = new Map<string, string>();
  private old = new Map<string, string>();
  private youngChars = 0;
  /** bumps on every commit: a read that raced one must not cache what it read */
  generation = 0;
  private readonly seen = new Int32Array(ADMISSION_SLOTS);

  constructor(private readonly maxChars: number) {}

  get(key: string): string | undefined {
    const row = this.young.get(key);
    if (row !== undefined) return row;
    const aging = this.old.get(key);
    if (aging !== undefined) this.set(key, aging); // still in use: keep it young
    return aging;
  }

  set(key: string, row: string): void {
    this.delete(key);
    if (row.length > this.maxChars / 16) return; // one huge row must not flush everything else
    this.young.set(key, row);
    this.youngChars += row.length;
    if (this.youngChars > this.maxChars / 2) {
      this.old = this.young;
      this.young = new Map();
      this.youngChars = 0;
    }
  }

  /** A row read from the file: kept when its key was read lately before, else only remembered as read. */
  admit(key: string, row: string): void {
    const h = hashKey(key);
    const slot = h & (ADMISSION_SLOTS - 1);
    if (this.seen[slot] === h) this.set(key, row);
    else this.seen[slot] = h;
  }

  delete(key: string): void {
    const row = this.young.get(key);
    if (row !== undefined) {
      this.young.delete(key);
      this.youngChars -= row.length;
    }
    this.old.delete(key);
  }
}

/** A serialized row's value, or undefined when its TTL has passed. */
export function liveValue(row: string, now = Date.now()): { value: unknown } | undefined {
  const { value, expires } = JSON.parse(row) as { value: unknown; expires: number | null };
  return expires !== null && expires < now ? undefined : { value };
}
