/**
 * The embedded store's read cache: the serialized rows it wrote or read most recently, bounded by
 * size. One process owns the SQLite file, so the last value this process committed for a key is what
 * a read would return; publish writes a message and its deliveries, and the workers read them back
 * at once, which this answers without a round trip to SQLite.
 */
export class RecentValues {
  // Two generations instead of an LRU list: rows go into `young`; when it holds half the budget it
  // becomes `old` and the previous `old` is dropped whole. Every operation is O(1).
  private young = new Map<string, string>();
  private old = new Map<string, string>();
  private youngChars = 0;
  /** bumps on every commit: a read that raced one must not cache what it read */
  generation = 0;

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
