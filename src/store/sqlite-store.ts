/**
 * The embedded store: one SQLite file in HERALD_DATA_DIR, opened through libsql (SQLite with
 * prebuilt binaries shipped as ordinary npm packages, so installing compiles nothing). Rows keep
 * keyv's format, `keyv(key, value)` with `{value, expires}` JSON, and sets live in the
 * `herald_sets` side table, so a data dir written by @keyv/sqlite opens unchanged. Sorted indexes
 * (time-ordered records) live in `herald_zsets`, read through its (name, score, member) index.
 *
 * The driver is synchronous. Writes queued within one tick are grouped into one transaction
 * (group commit), which is what makes durable publishes cheap; a group is cut after
 * GROUP_MAX_OPS ops (never inside one batch) and the next one runs after the event loop has had
 * a turn, so no transaction holds the process for long. Reads are answered from a bounded cache
 * of recent rows (./recent-values.ts; a `cold` write is not kept), else one statement. WAL +
 * synchronous=NORMAL survives kill -9.
 */
import { setImmediate as turn } from 'node:timers/promises';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { liveValue, RecentValues } from './recent-values.js';
import type { Guard, GuardResult, Store, WriteOp, ZEntry, ZRange } from './store.js';
import { WriteHealth } from './write-health.js';

type Db = InstanceType<typeof Database>;
interface Pending {
  ops: WriteOp[];
  resolve: (result: GuardResult) => void;
  reject: (err: Error) => void;
  /** checked inside the transaction; a guarded batch is a transaction of its own */
  guard?: Guard;
}

/** The read cache's size in characters of serialized rows (about 2 MB of ASCII JSON). */
const RECENT_VALUES_MAX_CHARS = 2_000_000;
/** Ops per transaction before the rest of the queue waits for the next turn of the event loop. */
const GROUP_MAX_OPS = 5_000;
/** Keys per read statement. */
const READ_CHUNK = 5_000;
/** A read of more keys than this is a scan (a listing, a topic's subscriptions): what it reads is not kept. */
const SCAN_READ_KEYS = 64;
/** Expired rows dropped per transaction by the sweep. */
const SWEEP_BATCH = 500;
const PURGE_ATTEMPTS = 10;
/** The row write probes rewrite (./write-health.ts). */
const PROBE_KEY = 'probe:write';
const PURGE_RETRY_MS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const serialize = (value: unknown, ttlMs?: number): string =>
  JSON.stringify({ value, expires: ttlMs ? Date.now() + ttlMs : null });

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Db;
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly recent = new RecentValues(RECENT_VALUES_MAX_CHARS);
  /** a write refused for lack of room closes the gate until a probe as large goes through */
  private readonly health = new WriteHealth((bytes) => this.enqueue([{ op: 'set', key: PROBE_KEY, value: 'x'.repeat(bytes) }], undefined, false).then(() => {}));
  private readonly sql: ReturnType<typeof prepare>;
  private readonly guardRead: ReturnType<Db['prepare']>;
  /** setValueFields' statements, one per list of fields */
  private readonly fieldReads = new Map<string, { all(...params: unknown[]): unknown[] }>();
  /** zrange's statements, one per shape of query */
  private readonly ranges = new Map<string, { all(...params: unknown[]): unknown[] }>();

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'herald.sqlite'), { timeout: 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('secure_delete = ON');
    // the table @keyv/sqlite creates, so either can open the other's file
    this.db.exec('CREATE TABLE IF NOT EXISTS keyv(key VARCHAR(255) PRIMARY KEY, value TEXT)');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS herald_sets(name TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY(name, member)) WITHOUT ROWID',
    );
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS herald_zsets(name TEXT NOT NULL, member TEXT NOT NULL, score INTEGER NOT NULL, PRIMARY KEY(name, member)) WITHOUT ROWID',
    );
    this.db.exec('CREATE INDEX IF NOT EXISTS herald_zsets_order ON herald_zsets(name, score, member)');
    // finds expired rows without reading the table; rows without a TTL are not in it
    this.db.exec(
      "CREATE INDEX IF NOT EXISTS keyv_expires ON keyv(value->>'expires') WHERE value->>'expires' IS NOT NULL",
    );
    this.sql = prepare(this.db);
    this.guardRead = this.db.prepare('SELECT value FROM keyv WHERE key = ?');
  }

  /** One key: the recent values, else one indexed read (no JSON key list, no row objects). */
  async get<T>(key: string): Promise<T | undefined> {
    const now = Date.now();
    const cached = this.recent.get(key);
    const hit = cached === undefined ? undefined : liveValue(cached, now);
    if (hit) return hit.value as T;
    const row = (this.sql.getOne.get(key) as [string] | undefined)?.[0];
    if (row === undefined) return undefined;
    const live = liveValue(row, now);
    if (live) this.recent.admit(key, row);
    return live?.value as T | undefined;
  }

  /** Answers from the recent values where it can, reads the rest in one statement per 5,000 keys. */
  async getMany<T>(keys: string[]): Promise<(T | undefined)[]> {
    if (keys.length === 0) return [];
    const now = Date.now();
    const out: (T | undefined)[] = new Array(keys.length);
    const missing: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const row = this.recent.get(keys[i]!);
      const live = row === undefined ? undefined : liveValue(row, now);
      if (live) out[i] = live.value as T;
      else missing.push(i);
    }
    for (let i = 0; i < missing.length; i += READ_CHUNK) {
      if (i > 0) await turn();
      const chunk = missing.slice(i, i + READ_CHUNK);
      const rows = this.sql.getMany.all(JSON.stringify(chunk.map((j) => keys[j]))) as { key: string; value: string }[];
      const found = new Map(rows.map((r) => [r.key, r.value]));
      for (const j of chunk) {
        const row = found.get(keys[j]!);
        const live = row === undefined ? undefined : liveValue(row, now);
        if (live && keys.length <= SCAN_READ_KEYS) this.recent.admit(keys[j]!, row!);
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
    return this.sql.smembers.all(set) as string[];
  }

  async setValueFields(set: string, prefix: string, fields: readonly string[], after: string, limit: number): Promise<[string, Record<string, unknown>][]> {
    const shape = fields.join(',');
    let stmt = this.fieldReads.get(shape);
    if (!stmt) {
      if (!fields.every((f) => /^[A-Za-z_]\w*$/.test(f))) throw new Error(`setValueFields: not a field name in ${shape}`);
      // `->` gives JSON, which json_object keeps as JSON (a missing field: null)
      const picked = fields.map((f) => `'${f}', k.value->'$.value.${f}'`).join(', ');
      stmt = this.db
        .prepare(
          `SELECT s.member, json_object(${picked}) FROM herald_sets s JOIN keyv k ON k.key = ?2 || s.member
           WHERE s.name = ?1 AND s.member > ?3 AND (k.value->>'expires' IS NULL OR k.value->>'expires' >= ?4)
           ORDER BY s.member LIMIT ?5`,
        )
        .raw();
      this.fieldReads.set(shape, stmt);
    }
    const rows = stmt.all(set, prefix, after, Date.now(), limit) as [string, string][];
    return rows.map(([member, json]) => [member, JSON.parse(json) as Record<string, unknown>]);
  }

  async scard(set: string): Promise<number> {
    return Number((this.sql.scard.get(set) as { n: number } | undefined)?.n ?? 0);
  }

  zadd(set: string, score: number, member: string): Promise<void> {
    return this.batch([{ op: 'zadd', set, score, member }]);
  }

  async zrange(set: string, range: ZRange): Promise<ZEntry[]> {
    const desc = range.order !== 'asc';
    const where = ['name = ?'];
    const params: unknown[] = [set];
    if (range.min !== undefined) {
      where.push('score >= ?');
      params.push(range.min);
    }
    if (range.max !== undefined) {
      where.push('score <= ?');
      params.push(range.max);
    }
    if (range.after) {
      // strictly past the cursor in this order, as a row value: the index seeks straight to it
      // (`score < ? OR (score = ? AND member < ?)` made SQLite walk every entry before the cursor)
      const cmp = desc ? '<' : '>';
      where.push(`(score, member) ${cmp} (?, ?)`);
      params.push(range.after.score, range.after.member);
    }
    params.push(range.limit);
    const dir = desc ? 'DESC' : 'ASC';
    const sql = `SELECT member, score FROM herald_zsets WHERE ${where.join(' AND ')} ORDER BY score ${dir}, member ${dir} LIMIT ?`;
    let stmt = this.ranges.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql) as unknown as { all(...params: unknown[]): unknown[] };
      this.ranges.set(sql, stmt);
    }
    return (stmt.all(...params) as { member: string; score: number }[]).map((r) => ({ member: r.member, score: Number(r.score) }));
  }

  async zcard(set: string): Promise<number> {
    return Number((this.sql.zcard.get(set) as { n: number } | undefined)?.n ?? 0);
  }

  batch(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    return this.enqueue(ops).then(() => {});
  }

  /** Queued in order with the other batches; checked and written in one IMMEDIATE transaction of its own. */
  batchIf(guard: Guard, ops: WriteOp[]): Promise<GuardResult> {
    return this.enqueue(ops, guard);
  }

  /** Queues a write (synchronously while the store is healthy, so batches keep their order); `gated` false for probes. */
  private enqueue(ops: WriteOp[], guard?: Guard, gated = true): Promise<GuardResult> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    if (gated && this.health.reason) return this.health.admit().then(() => this.enqueue(ops, guard, false));
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, resolve, reject, guard });
      this.schedule();
    });
  }

  writable(): Promise<string | undefined> {
    return this.health.status();
  }

  /** The guard, read inside the open transaction (the driver is synchronous: nothing runs in between). */
  private holds(guard: Guard): GuardResult {
    if (guard.absent !== undefined) {
      const row = this.guardRead.get(guard.absent) as { value: string } | undefined;
      if (row && liveValue(row.value, Date.now())) return 'exists';
    }
    if (guard.room) {
      const n = Number((this.sql.scard.get(guard.room.set) as { n: number } | undefined)?.n ?? 0);
      if (n >= guard.room.below) return 'full';
    }
    return 'applied';
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Commits the queued batches, up to GROUP_MAX_OPS ops per transaction, one transaction per turn. */
  private flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    let n = 0;
    let take = 0;
    while (take < this.queue.length && (take === 0 || n + this.queue[take]!.ops.length <= GROUP_MAX_OPS)) {
      n += this.queue[take]!.ops.length;
      take++;
    }
    // a guarded batch runs alone, and ends the group before it
    const guarded = this.queue.findIndex((p) => p.guard);
    if (guarded === 0) take = 1;
    else if (guarded > 0 && guarded < take) take = guarded;
    const group = this.queue.splice(0, take);
    try {
      const result = this.commit(
        group.flatMap((p) => p.ops),
        group[0]!.guard,
      );
      for (const p of group) p.resolve(result);
    } catch (err) {
      for (const p of group) p.reject(err as Error);
    }
    if (this.queue.length) this.schedule();
  }

  private commit(ops: WriteOp[], guard?: Guard): GuardResult {
    // The last op on a key (or set member) wins, as if they ran one by one.
    const kv = new Map<string, WriteOp>();
    const members = new Map<string, WriteOp>();
    for (const op of ops) {
      if (op.op === 'set' || op.op === 'del') kv.set(op.key, op);
      else if (op.op === 'sadd' || op.op === 'srem') members.set(`s\u0000${op.set}\u0000${op.member}`, op);
      else members.set(`z\u0000${op.set}\u0000${op.member}`, op);
    }
    const upserts: [string, string][] = [];
    const deletes: string[] = [];
    /** rows kept in the read cache once committed; a cold row's older copy leaves it */
    const warm: [string, string][] = [];
    const cold: string[] = [];
    for (const op of kv.values()) {
      if (op.op === 'set') {
        const row: [string, string] = [op.key, serialize(op.value, op.ttlMs)];
        upserts.push(row);
        if (op.cold) cold.push(op.key);
        else warm.push(row);
      } else if (op.op === 'del') deletes.push(op.key);
    }
    const adds: [string, string][] = [];
    const rems: [string, string][] = [];
    const zadds: [string, string, number][] = [];
    const zrems: [string, string][] = [];
    for (const op of members.values()) {
      if (op.op === 'sadd') adds.push([op.set, op.member]);
      else if (op.op === 'srem') rems.push([op.set, op.member]);
      else if (op.op === 'zadd') zadds.push([op.set, op.member, Math.trunc(op.score)]);
      else if (op.op === 'zrem') zrems.push([op.set, op.member]);
    }
    const bytes = upserts.reduce((n, [k, v]) => n + k.length + v.length, 0) + deletes.length + adds.length + rems.length + zadds.length + zrems.length;
    try {
      this.db.exec('BEGIN IMMEDIATE');
      if (guard) {
        const verdict = this.holds(guard);
        if (verdict !== 'applied') {
          this.db.exec('ROLLBACK');
          return verdict;
        }
      }
      if (upserts.length) this.sql.upsert.run(JSON.stringify(upserts));
      if (deletes.length) this.sql.del.run(JSON.stringify(deletes));
      if (adds.length) this.sql.sadd.run(JSON.stringify(adds));
      if (rems.length) this.sql.srem.run(JSON.stringify(rems));
      if (zadds.length) this.sql.zadd.run(JSON.stringify(zadds));
      if (zrems.length) this.sql.zrem.run(JSON.stringify(zrems));
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const key of kv.keys()) this.recent.delete(key);
      // disk full or read-only: a 503 that says so, and the gate closes (./write-health.ts)
      throw this.health.failed(err, bytes) ?? err;
    }
    this.health.succeeded(bytes);
    for (const [key, row] of warm) this.recent.set(key, row);
    for (const key of deletes) this.recent.delete(key);
    for (const key of cold) this.recent.delete(key);
    return 'applied';
  }

  /**
   * Folds the WAL into the database file and truncates it, so deleted rows (zeroed by secure_delete)
   * leave no older copy behind. Runs between write transactions (the driver is synchronous, so no
   * transaction of this connection is open); another process reading the file makes SQLite answer
   * BUSY, so it tries again, and the next sweep folds in what remains.
   */
  async purge(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const [row] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
        if (!row?.busy || attempt >= PURGE_ATTEMPTS) return;
      } catch (err) {
        if (attempt >= PURGE_ATTEMPTS || !/LOCKED|BUSY/.test(String(err))) return;
      }
      await sleep(PURGE_RETRY_MS * attempt);
    }
  }

  /**
   * Drops rows whose TTL has passed (reads already ignore them), SWEEP_BATCH rows per transaction
   * with a turn of the event loop between, then purges. Answers how many rows it dropped.
   */
  async sweepExpired(now = Date.now()): Promise<number> {
    let dropped = 0;
    for (;;) {
      // one statement of its own, between group commits: a row written again meanwhile is not expired
      const keys = this.sql.expired.all(now, SWEEP_BATCH) as string[];
      if (keys.length === 0) break;
      this.sql.dropExpired.run(JSON.stringify(keys), now);
      for (const key of keys) this.recent.delete(key);
      dropped += keys.length;
      if (keys.length < SWEEP_BATCH) break;
      await turn();
    }
    await this.purge();
    return dropped;
  }

  async ping(): Promise<void> {
    this.sql.ping.get();
  }

  async close(): Promise<void> {
    while (this.queue.length) await new Promise((r) => setTimeout(r, 5));
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** The statements, prepared once. JSON arrays carry many keys or rows in one bound parameter. */
function prepare(db: Db) {
  return {
    getMany: db.prepare('SELECT key, value FROM keyv WHERE key IN (SELECT value FROM json_each(?))'),
    // raw: an array, not a row object (libsql's get ignores pluck)
    getOne: db.prepare('SELECT value FROM keyv WHERE key = ?').raw(),
    upsert: db.prepare(
      `INSERT INTO keyv(key, value) SELECT value->>0, value->>1 FROM json_each(?)
       WHERE true ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
    ),
    del: db.prepare('DELETE FROM keyv WHERE key IN (SELECT value FROM json_each(?))'),
    sadd: db.prepare('INSERT OR IGNORE INTO herald_sets(name, member) SELECT value->>0, value->>1 FROM json_each(?)'),
    srem: db.prepare('DELETE FROM herald_sets WHERE (name, member) IN (SELECT value->>0, value->>1 FROM json_each(?))'),
    zadd: db.prepare(
      `INSERT INTO herald_zsets(name, member, score) SELECT value->>0, value->>1, value->>2 FROM json_each(?)
       WHERE true ON CONFLICT(name, member) DO UPDATE SET score = excluded.score`,
    ),
    zrem: db.prepare('DELETE FROM herald_zsets WHERE (name, member) IN (SELECT value->>0, value->>1 FROM json_each(?))'),
    zcard: db.prepare('SELECT count(*) AS n FROM herald_zsets WHERE name = ?'),
    smembers: db.prepare('SELECT member FROM herald_sets WHERE name = ? ORDER BY member').pluck(),
    scard: db.prepare('SELECT count(*) AS n FROM herald_sets WHERE name = ?'),
    expired: db
      .prepare("SELECT key FROM keyv WHERE value->>'expires' IS NOT NULL AND value->>'expires' < ? LIMIT ?")
      .pluck(),
    dropExpired: db.prepare(
      "DELETE FROM keyv WHERE key IN (SELECT value FROM json_each(?)) AND value->>'expires' IS NOT NULL AND value->>'expires' < ?",
    ),
    ping: db.prepare('SELECT 1'),
  };
}
