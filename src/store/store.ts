/**
 * The storage contract every repository is written against. Two engines implement it: SQLite
 * through libsql in keyv's row format (embedded, one process) and Redis through keyv (shared by
 * many instances).
 */
export type WriteOp =
  /** `cold`: seldom read again soon (a delivery's final record): the embedded store does not keep it in its read cache */
  | { op: 'set'; key: string; value: unknown; ttlMs?: number; cold?: boolean }
  | { op: 'del'; key: string }
  | { op: 'sadd'; set: string; member: string }
  | { op: 'srem'; set: string; member: string }
  | { op: 'zadd'; set: string; score: number; member: string }
  | { op: 'zrem'; set: string; member: string };

/** One member of a sorted index with its score (a time in ms). */
export interface ZEntry {
  member: string;
  score: number;
}

/**
 * A slice of a sorted index, ordered by (score, member): newest first unless `order` is `asc`.
 * `min` and `max` bound the score (inclusive); `after` continues strictly past that entry in the
 * chosen order (a cursor).
 */
export interface ZRange {
  limit: number;
  order?: 'asc' | 'desc';
  min?: number;
  max?: number;
  after?: ZEntry;
}

/** What must hold for a guarded batch to be applied (see Store.batchIf). */
export interface Guard {
  /** this key must be absent (or expired) */
  absent?: string;
  /** this set must hold fewer than `below` members */
  room?: { set: string; below: number };
}

/** `applied`: the ops are durable; `exists`: `absent` was present; `full`: the set had no room. Nothing is written unless applied. */
export type GuardResult = 'applied' | 'exists' | 'full';

export interface Store {
  readonly kind: 'sqlite' | 'redis';
  get<T>(key: string): Promise<T | undefined>;
  /**
   * Redis: the Redis key a store key lives at, and its stored value decoded (what `get` would
   * answer), for a script that reads it along with its own work (src/delivery/redis-window-gate.ts).
   */
  stored?: { key(key: string): string; decode<T>(stored: string | null | undefined): T | undefined };
  getMany<T>(keys: string[]): Promise<(T | undefined)[]>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Atomic: writes only when the key is absent (or expired); true when this call wrote it. */
  setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean>;
  sadd(set: string, ...members: string[]): Promise<void>;
  srem(set: string, ...members: string[]): Promise<void>;
  smembers(set: string): Promise<string[]>;
  scard(set: string): Promise<number>;
  /** Sorted indexes (a side table in SQLite, ZSETs in Redis); a name never meets a set's. */
  zadd(set: string, score: number, member: string): Promise<void>;
  zrange(set: string, range: ZRange): Promise<ZEntry[]>;
  zcard(set: string): Promise<number>;
  /** All ops become durable together (one transaction / MULTI). */
  batch(ops: WriteOp[]): Promise<void>;
  /**
   * Check and write as one atomic step (SQLite: one IMMEDIATE transaction; Redis: one Lua script):
   * the ops are applied only when the guard holds at that moment, so any number of concurrent
   * callers, in any number of instances, cannot pass a quota or take one unique name twice.
   */
  batchIf(guard: Guard, ops: WriteOp[]): Promise<GuardResult>;
  /** Make deleted data unrecoverable from the engine's files (SQLite: checkpoint the WAL). */
  purge(): Promise<void>;
  /** Drops rows whose TTL has passed, in small batches (SQLite; Redis expires keys itself). */
  sweepExpired?(): Promise<number>;
  /**
   * A page of a set's members in member order, after `after`, each with the named top-level fields
   * of the live value stored at `prefix + member` (members without one are left out), picked out by
   * the engine: a topic's 100,000 subscriptions are listed without parsing 100,000 whole records.
   * SQLite only; elsewhere callers read the records (getMany).
   */
  setValueFields?(set: string, prefix: string, fields: readonly string[], after: string, limit: number): Promise<[string, Record<string, unknown>][]>;
  ping(): Promise<void>;
  /**
   * Undefined when the store takes writes, else why not (disk full, Redis out of memory …): see
   * ./write-health.ts. While it says why, every write is refused with 503 `unavailable` untouched.
   */
  writable(): Promise<string | undefined>;
  close(): Promise<void>;
}
