/**
 * The shared store: keyv over @keyv/redis, so N Herald instances see one state. Plain values go
 * through Keyv (same `{value, expires}` JSON as the SQLite engine); sets, set-if-absent and batches
 * use the underlying node-redis client directly (SADD/SREM/SMEMBERS/SCARD, SET NX PX, MULTI), which
 * is what makes concurrent writers from different instances safe: Redis applies each atomically.
 * Every key starts with `redis.keyPrefix`; sets live under `<prefix>set:` and sorted indexes (ZSETs)
 * under `<prefix>z:`, so they never meet a value.
 * https://keyv.org/docs/storage-adapters/redis/
 */
import KeyvRedis, { Keyv } from '@keyv/redis';
import { bounded, COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, createStoreClient, unavailable } from '../redis/connection.js';
import { liveValue } from './recent-values.js';
import type { Guard, GuardResult, Store, WriteOp, ZEntry, ZRange } from './store.js';
import { WriteHealth } from './write-health.js';

/**
 * batchIf: the guard and the writes in one script, so Redis runs them with nothing in between.
 * KEYS[1] must be absent (when ARGV[1] is "1"), KEYS[2] must have fewer than ARGV[2] members (when
 * ARGV[2] is set); ARGV[3] lists the ops as [kind, key index, value, px or score].
 */
const BATCH_IF = `
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 'exists' end
if ARGV[2] ~= '' and redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 'full' end
for _, op in ipairs(cjson.decode(ARGV[3])) do
  local k = KEYS[op[2]]
  if op[1] == 'set' then
    if op[4] then redis.call('SET', k, op[3], 'PX', op[4]) else redis.call('SET', k, op[3]) end
  elseif op[1] == 'del' then redis.call('DEL', k)
  elseif op[1] == 'sadd' then redis.call('SADD', k, op[3])
  elseif op[1] == 'srem' then redis.call('SREM', k, op[3])
  elseif op[1] == 'zadd' then redis.call('ZADD', k, op[4], op[3])
  else redis.call('ZREM', k, op[3]) end
end
return 'applied'
`;

/** The key write probes set (./write-health.ts), with this TTL. */
const PROBE_KEY = 'probe:write';
const PROBE_TTL_MS = 60_000;

/** Keys read per MGET. */
const GET_CHUNK = 1_000;

const serialize = (value: unknown, ttlMs?: number): string =>
  JSON.stringify({ value, expires: ttlMs ? Date.now() + ttlMs : null });

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly client: ReturnType<typeof createStoreClient>;
  private readonly keyv: Keyv;
  private readonly adapter: KeyvRedis<string>;
  private readonly ready: Promise<void>;
  /** OOM, MISCONF or READONLY close the gate until a probe write goes through (Redis refuses those whatever their size) */
  private readonly health = new WriteHealth(() =>
    this.run(async () => {
      await this.raw.set(this.k(PROBE_KEY), '1', { PX: PROBE_TTL_MS });
    }, 'probe'),
  );

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    this.client = createStoreClient(url);
    this.client.on('error', () => {}); // surfaced through the failing call and /readyz
    this.adapter = new KeyvRedis<string>(this.client as never, {
      throwOnConnectError: true,
      throwOnErrors: true,
      useUnlink: false,
      connectionTimeout: CONNECT_TIMEOUT_MS,
    });
    this.adapter.on('error', () => {});
    this.keyv = new Keyv({
      store: this.adapter,
      useKeyPrefix: false,
      namespace: undefined,
      throwOnErrors: true,
      serialize: JSON.stringify,
      deserialize: (s: string) => JSON.parse(s),
    });
    this.keyv.on('error', () => {});
    this.ready = this.client.connect().then(() => undefined);
    this.ready.catch(() => {});
  }

  /** Raw commands: bounded per command, failing at once while disconnected (no offline queue). */
  private get raw() {
    return this.client.withCommandOptions({ timeout: COMMAND_TIMEOUT_MS });
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  private s(set: string): string {
    return `${this.prefix}set:${set}`;
  }

  private z(set: string): string {
    return `${this.prefix}z:${set}`;
  }

  /** One call, bounded; a write first passes the gate, and its refusal for lack of memory closes it. */
  private async run<T>(fn: () => Promise<T>, kind: 'read' | 'write' | 'probe' = 'read'): Promise<T> {
    if (kind === 'write') await this.health.admit();
    try {
      await bounded(this.ready, CONNECT_TIMEOUT_MS * 5);
      const out = await bounded(fn());
      if (kind !== 'read') this.health.succeeded(0);
      return out;
    } catch (err) {
      // a read meets it too: under MISCONF Redis refuses PING as well
      throw this.health.failed(err, 0) ?? unavailable(err);
    }
  }

  readonly stored = {
    key: (key: string) => this.k(key),
    decode: <T>(stored: string | null | undefined): T | undefined => (stored == null ? undefined : (liveValue(stored)?.value as T | undefined)),
  };

  writable(): Promise<string | undefined> {
    return this.health.status();
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.run(async () => (await this.keyv.get(this.k(key))) as T | undefined);
  }

  async getMany<T>(keys: string[]): Promise<(T | undefined)[]> {
    if (keys.length === 0) return [];
    const out: (T | undefined)[] = [];
    for (let i = 0; i < keys.length; i += GET_CHUNK) {
      const chunk = keys.slice(i, i + GET_CHUNK).map((k) => this.k(k));
      out.push(...(await this.run(async () => (await this.keyv.get(chunk)) as (T | undefined)[])));
    }
    return out;
  }

  set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    return this.run(async () => {
      await this.keyv.set(this.k(key), value, ttlMs);
    }, 'write');
  }

  delete(key: string): Promise<void> {
    return this.run(async () => {
      await this.keyv.delete(this.k(key));
    }, 'write');
  }

  /** SET NX PX: one command, so exactly one of any number of concurrent callers wins. */
  setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean> {
    return this.run(async () => {
      const opts = ttlMs ? { NX: true, PX: ttlMs } : { NX: true };
      return (await this.raw.set(this.k(key), serialize(value, ttlMs), opts as { NX: true })) === 'OK';
    }, 'write');
  }

  sadd(set: string, ...members: string[]): Promise<void> {
    if (members.length === 0) return Promise.resolve();
    return this.run(async () => {
      await this.raw.sAdd(this.s(set), members);
    }, 'write');
  }

  srem(set: string, ...members: string[]): Promise<void> {
    if (members.length === 0) return Promise.resolve();
    return this.run(async () => {
      await this.raw.sRem(this.s(set), members);
    }, 'write');
  }

  smembers(set: string): Promise<string[]> {
    return this.run(async () => (await this.raw.sMembers(this.s(set))).sort());
  }

  scard(set: string): Promise<number> {
    return this.run(async () => Number(await this.raw.sCard(this.s(set))));
  }

  zadd(set: string, score: number, member: string): Promise<void> {
    return this.batch([{ op: 'zadd', set, score, member }]);
  }

  /**
   * ZRANGE … BYSCORE [REV] LIMIT. Redis orders equal scores by member, as SQLite's index does; a
   * cursor bounds the score inclusively and the entries at its own score up to it are skipped, so
   * this reads a little more than `limit` until enough are past the cursor.
   */
  zrange(set: string, range: ZRange): Promise<ZEntry[]> {
    const desc = range.order !== 'asc';
    let min: number | string = range.min ?? '-inf';
    let max: number | string = range.max ?? '+inf';
    const after = range.after;
    if (after) {
      if (desc) max = typeof max === 'number' ? Math.min(max, after.score) : after.score;
      else min = typeof min === 'number' ? Math.max(min, after.score) : after.score;
    }
    const past = (e: ZEntry) =>
      !after || (desc ? e.score < after.score || e.member < after.member : e.score > after.score || e.member > after.member);
    return this.run(async () => {
      for (let count = range.limit + 16; ; count *= 4) {
        const rows = await this.raw.zRangeWithScores(this.z(set), desc ? max : min, desc ? min : max, {
          BY: 'SCORE',
          REV: desc || undefined,
          LIMIT: { offset: 0, count },
        });
        const entries = rows.map((r) => ({ member: r.value, score: Number(r.score) })).filter(past);
        if (entries.length >= range.limit || rows.length < count) return entries.slice(0, range.limit);
      }
    });
  }

  zcard(set: string): Promise<number> {
    return this.run(async () => Number(await this.raw.zCard(this.z(set))));
  }

  /** MULTI/EXEC: the ops of one batch are applied together, in order. */
  async batch(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    await this.run(async () => {
      const multi = this.client.multi();
      for (const op of ops) {
        if (op.op === 'set') {
          if (op.ttlMs) multi.set(this.k(op.key), serialize(op.value, op.ttlMs), { PX: op.ttlMs });
          else multi.set(this.k(op.key), serialize(op.value));
        } else if (op.op === 'del') multi.del(this.k(op.key));
        else if (op.op === 'sadd') multi.sAdd(this.s(op.set), op.member);
        else if (op.op === 'srem') multi.sRem(this.s(op.set), op.member);
        else if (op.op === 'zadd') multi.zAdd(this.z(op.set), { score: op.score, value: op.member });
        else multi.zRem(this.z(op.set), op.member);
      }
      await multi.exec();
    }, 'write');
  }

  /** One Lua script: checked and written atomically across every instance. */
  batchIf(guard: Guard, ops: WriteOp[]): Promise<GuardResult> {
    return this.run(async () => {
      const keys = [this.k(guard.absent ?? '\u0000none'), this.s(guard.room?.set ?? '\u0000none')];
      const encoded = ops.map((op) => {
        keys.push(op.op === 'set' || op.op === 'del' ? this.k(op.key) : op.op === 'zadd' || op.op === 'zrem' ? this.z(op.set) : this.s(op.set));
        const at = keys.length; // Lua counts from 1
        if (op.op === 'set') return op.ttlMs ? ['set', at, serialize(op.value, op.ttlMs), op.ttlMs] : ['set', at, serialize(op.value)];
        if (op.op === 'del') return ['del', at, ''];
        if (op.op === 'zadd') return ['zadd', at, op.member, op.score];
        return [op.op, at, op.member];
      });
      const args = [guard.absent !== undefined ? '1' : '0', guard.room ? String(guard.room.below) : '', JSON.stringify(encoded)];
      return (await this.raw.eval(BATCH_IF, { keys, arguments: args })) as GuardResult;
    }, 'write');
  }

  /** Redis keeps no deleted value around to purge; persistence files are rewritten by Redis itself. */
  async purge(): Promise<void> {}

  ping(): Promise<void> {
    return this.run(async () => {
      await this.raw.ping();
    });
  }

  private closing?: Promise<void>;

  close(): Promise<void> {
    this.closing ??= this.client.isOpen ? this.client.close().catch(() => {}) : Promise.resolve();
    return this.closing;
  }
}
