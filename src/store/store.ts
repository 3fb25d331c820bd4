/**
 * The storage contract every repository is written against. Two engines implement it: SQLite
 * through libsql in keyv's row format (embedded, one process) and Redis through keyv (shared by
 * many instances).
 */
export type WriteOp =
  | { op: 'set'; key: string; value: unknown; ttlMs?: number }
  | { op: 'del'; key: string }
  | { op: 'sadd'; set: string; member: string }
  | { op: 'srem'; set: string; member: string };

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
  getMany<T>(keys: string[]): Promise<(T | undefined)[]>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Atomic: writes only when the key is absent (or expired); true when this call wrote it. */
  setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean>;
  sadd(set: string, ...members: string[]): Promise<void>;
  srem(set: string, ...members: string[]): Promise<void>;
  smembers(set: string): Promise<string[]>;
  scard(set: string): Promise<number>;
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
  ping(): Promise<void>;
  close(): Promise<void>;
}
