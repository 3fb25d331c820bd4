/**
 * The embedded store: @keyv/sqlite's connection and table in HERALD_DATA_DIR, rows in keyv's
 * `{value, expires}` format. Keyv's own API costs a round trip per key, so rows are read and written
 * here in batches, straight to that table. Writes are grouped into one
 * SQLite transaction per tick (group commit), which is what makes durable publishes cheap; reads are
 * answered from a bounded cache of recent rows, else one statement. Sets live in a side table on the
 * same connection. WAL + synchronous=NORMAL survives kill -9.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import { liveValue, RecentValues } from './recent-values.js';
import type { Store, WriteOp } from './store.js';

type Query = (sql: string, ...params: unknown[]) => Promise<Record<string, unknown>[]>;
interface Pending {
  ops: WriteOp[];
  resolve: () => void;
  reject: (err: Error) => void;
}

/** The read cache's size in characters of serialized rows (about 8 MB of ASCII JSON). */
const RECENT_VALUES_MAX_CHARS = 8_000_000;
const PURGE_ATTEMPTS = 10;
const PURGE_RETRY_MS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const serialize = (value: unknown, ttlMs?: number): string =>
  JSON.stringify({ value, expires: ttlMs ? Date.now() + ttlMs : null });

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly query: Query;
  private readonly adapter: KeyvSqlite;
  private readonly ready: Promise<void>;
  private queue: Pending[] = [];
  private flushing = false;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly recent = new RecentValues(RECENT_VALUES_MAX_CHARS);

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.adapter = new KeyvSqlite({ uri: `sqlite://${join(dataDir, 'herald.sqlite')}`, busyTimeout: 5000 });
    const query = this.adapter.query as Query;
    this.query = query;
    this.ready = (async () => {
      await query('PRAGMA journal_mode=WAL');
      await query('PRAGMA synchronous=NORMAL');
      await query('PRAGMA secure_delete=ON');
      await query(
        'CREATE TABLE IF NOT EXISTS herald_sets(name TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY(name, member)) WITHOUT ROWID',
      );
    })();
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await this.getMany<T>([key]))[0];
  }

  /** Answers from the recent values where it can, reads the rest in one statement per 5,000 keys. */
  async getMany<T>(keys: string[]): Promise<(T | undefined)[]> {
    if (keys.length === 0) return [];
    await this.ready;
    const now = Date.now();
    const out: (T | undefined)[] = new Array(keys.length);
    const missing: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const row = this.recent.get(keys[i]!);
      const live = row === undefined ? undefined : liveValue(row, now);
      if (live) out[i] = live.value as T;
      else missing.push(i);
    }
    for (let i = 0; i < missing.length; i += 5000) {
      const chunk = missing.slice(i, i + 5000);
      const generation = this.recent.generation;
      const rows = await this.query(
        'SELECT key, value FROM keyv WHERE key IN (SELECT value FROM json_each(?))',
        JSON.stringify(chunk.map((j) => keys[j])),
      );
      // a commit that finished meanwhile may have changed what was read: use it, do not keep it
      const keep = generation === this.recent.generation;
      const found = new Map(rows.map((r) => [r.key as string, r.value as string]));
      for (const j of chunk) {
        const row = found.get(keys[j]!);
        const live = row === undefined ? undefined : liveValue(row, now);
        if (live && keep) this.recent.set(keys[j]!, row!);
        out[j] = live?.value as T | undefined;
      }
    }
    return out;
  }

  set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    return this.batch([{ op: 'set', key, value, ttlMs }]);
  }

  delete(key: string): Promise<void> {
    return this.batch([{ op: 'del', key }]);
  }

  async setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean> {
    // One process owns the embedded store: serialising per key makes check-then-write atomic.
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(async () => {
      if ((await this.get(key)) !== undefined) return false;
      await this.set(key, value, ttlMs);
      return true;
    });
    const tail = run.catch(() => {});
    this.locks.set(key, tail);
    tail.then(() => this.locks.get(key) === tail && this.locks.delete(key));
    return run;
  }

  sadd(set: string, ...members: string[]): Promise<void> {
    return this.batch(members.map((member) => ({ op: 'sadd' as const, set, member })));
  }

  srem(set: string, ...members: string[]): Promise<void> {
    return this.batch(members.map((member) => ({ op: 'srem' as const, set, member })));
  }

  async smembers(set: string): Promise<string[]> {
    await this.ready;
    const rows = await this.query('SELECT member FROM herald_sets WHERE name = ? ORDER BY member', set);
    return rows.map((r) => r.member as string);
  }

  async scard(set: string): Promise<number> {
    await this.ready;
    const rows = await this.query('SELECT count(*) AS n FROM herald_sets WHERE name = ?', set);
    return Number(rows[0]?.n ?? 0);
  }

  batch(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Runs queued batches as one transaction; batches that arrive meanwhile form the next one. */
  private async flush(): Promise<void> {
    this.flushing = true;
    await this.ready.catch(() => {});
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      try {
        await this.commit(group.flatMap((p) => p.ops));
        for (const p of group) p.resolve();
      } catch (err) {
        for (const p of group) p.reject(err as Error);
      }
    }
    this.flushing = false;
  }

  private async commit(ops: WriteOp[]): Promise<void> {
    // The last op on a key (or set member) wins, as if they ran one by one.
    const kv = new Map<string, WriteOp>();
    const members = new Map<string, WriteOp>();
    for (const op of ops) {
      if (op.op === 'set' || op.op === 'del') kv.set(op.key, op);
      else members.set(`${op.set}\u0000${op.member}`, op);
    }
    const upserts: [string, string][] = [];
    const deletes: string[] = [];
    for (const op of kv.values()) {
      if (op.op === 'set') upserts.push([op.key, serialize(op.value, op.ttlMs)]);
      else if (op.op === 'del') deletes.push(op.key);
    }
    const adds: [string, string][] = [];
    const rems: [string, string][] = [];
    for (const op of members.values()) {
      if (op.op === 'sadd') adds.push([op.set, op.member]);
      else if (op.op === 'srem') rems.push([op.set, op.member]);
    }
    await this.query('BEGIN IMMEDIATE');
    try {
      if (upserts.length)
        await this.query(
          `INSERT INTO keyv(key, value) SELECT value->>0, value->>1 FROM json_each(?)
           WHERE true ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
          JSON.stringify(upserts),
        );
      if (deletes.length) await this.query('DELETE FROM keyv WHERE key IN (SELECT value FROM json_each(?))', JSON.stringify(deletes));
      if (adds.length)
        await this.query(
          'INSERT OR IGNORE INTO herald_sets(name, member) SELECT value->>0, value->>1 FROM json_each(?)',
          JSON.stringify(adds),
        );
      if (rems.length)
        await this.query(
          'DELETE FROM herald_sets WHERE (name, member) IN (SELECT value->>0, value->>1 FROM json_each(?))',
          JSON.stringify(rems),
        );
      await this.query('COMMIT');
    } catch (err) {
      await this.query('ROLLBACK').catch(() => {});
      this.recent.generation += 1;
      for (const key of kv.keys()) this.recent.delete(key);
      throw err;
    }
    this.recent.generation += 1;
    for (const [key, row] of upserts) this.recent.set(key, row);
    for (const key of deletes) this.recent.delete(key);
  }

  /**
   * Folds the WAL into the database file and truncates it, so deleted rows (zeroed by secure_delete)
   * leave no older copy behind. Runs between write transactions; a read still in progress on the
   * connection makes SQLite answer LOCKED, so it tries again, and the hourly sweep folds in what remains.
   */
  async purge(): Promise<void> {
    await this.ready;
    await this.exclusive(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.query('PRAGMA wal_checkpoint(TRUNCATE)');
          return;
        } catch (err) {
          if (attempt >= PURGE_ATTEMPTS || !/LOCKED|BUSY/.test(String(err))) return;
          await sleep(PURGE_RETRY_MS * attempt);
        }
      }
    });
  }

  /** Drops rows whose TTL has passed (Keyv only drops them when read), then purges. */
  async sweepExpired(): Promise<void> {
    await this.ready;
    await this.exclusive(() =>
      this.query("DELETE FROM keyv WHERE value->>'expires' IS NOT NULL AND value->>'expires' < ?", Date.now()),
    );
    await this.purge();
  }

  /** Runs fn while no write transaction is open; batches arriving meanwhile wait for the next flush. */
  private async exclusive(fn: () => Promise<unknown>): Promise<void> {
    while (this.flushing) await sleep(2);
    this.flushing = true;
    try {
      await fn();
    } finally {
      this.flushing = false;
      if (this.queue.length) void this.flush();
    }
  }

  async ping(): Promise<void> {
    await this.ready;
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    while (this.flushing || this.queue.length) await new Promise((r) => setTimeout(r, 5));
    await this.adapter.disconnect();
  }
}
