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
  /** Make deleted data unrecoverable from the engine's files (SQLite: checkpoint the WAL). */
  purge(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
