/**
 * The sliding-window gate of ./window-gate.ts kept in Redis, so a robot's limits hold across every
 * instance. Per robot: a sorted set of slots (member = slot id, score = send time), a sorted set of
 * waiting tickets (score = when the claim lapses) and a "blocked until" key. Each call is one Lua
 * script, so check-and-reserve is atomic; time is Redis's clock (TIME), one clock for all instances.
 * https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 */
import type { Redis } from 'ioredis';
import type { RateWindow } from '../../adapters/types.js';
import { bounded } from '../redis/connection.js';
import { type Acquired, QUEUED_BEHIND_MS, WAITER_GRACE_MS, type WindowGate } from './window-gate.js';

/** Robot keys outlive their longest window by this much, then Redis drops them. */
const IDLE_KEEP_MS = 60_000;

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS: slots, waiters, blocked, seq. ARGV: ticket, graceMs, behindMs, keepMs, max1, perMs1, ...
 * Returns {1, slotId} or {0, waitMs}. Mirrors MemoryWindowGate.acquire.
 */
const ACQUIRE = `${NOW}
local slots, waiters, blocked, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ticket, grace, behind, keep = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', waiters, '-inf', '(' .. now)
local longest = 0
for i = 5, #ARGV, 2 do longest = math.max(longest, tonumber(ARGV[i + 1])) end
redis.call('ZREMRANGEBYSCORE', slots, '-inf', now - longest)
local wait = math.max(0, (tonumber(redis.call('GET', blocked)) or 0) - now)
for i = 5, #ARGV, 2 do
  local max, per = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local count = redis.call('ZCOUNT', slots, '(' .. (now - per), '+inf')
  if count >= max then
    local leaving = redis.call('ZRANGEBYSCORE', slots, '(' .. (now - per), '+inf', 'WITHSCORES', 'LIMIT', count - max, 1)
    wait = math.max(wait, tonumber(leaving[2]) + per - now + 1)
  end
end
for _, other in ipairs(redis.call('ZRANGE', waiters, 0, -1)) do
  if other < ticket then wait = math.max(wait, behind) break end
end
if wait > 0 then
  redis.call('ZADD', waiters, now + wait + grace, ticket)
  redis.call('PEXPIRE', waiters, wait + grace + keep)
  return {0, wait}
end
redis.call('ZREM', waiters, ticket)
local id = redis.call('INCR', seq)
redis.call('ZADD', slots, now, id)
redis.call('PEXPIRE', slots, longest + keep)
redis.call('PEXPIRE', seq, longest + keep)
return {1, id}`;

/** KEYS: slots. ARGV: slot id. The send finished: count the slot from now (never earlier). */
const SETTLE = `${NOW}
local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if at and tonumber(at) < now then redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1]) end
return 0`;

/** KEYS: blocked. ARGV: ms. Holds the robot until now + ms (extends, never shortens). */
const BLOCK = `${NOW}
local untilAt = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1])) or 0
if untilAt > cur then redis.call('SET', KEYS[1], untilAt, 'PX', tonumber(ARGV[1])) end
return 0`;

type GateRedis = Redis & {
  heraldGateAcquire(...args: (string | number)[]): Promise<[number, number]>;
  heraldGateSettle(...args: (string | number)[]): Promise<number>;
  heraldGateBlock(...args: (string | number)[]): Promise<number>;
};

export class RedisWindowGate implements WindowGate {
  private readonly redis: GateRedis;

  /** `redis`: a fail-fast ioredis connection (shared); `prefix`: redis.keyPrefix. */
  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('heraldGateAcquire', { numberOfKeys: 4, lua: ACQUIRE });
    redis.defineCommand('heraldGateSettle', { numberOfKeys: 1, lua: SETTLE });
    redis.defineCommand('heraldGateBlock', { numberOfKeys: 1, lua: BLOCK });
    this.redis = redis as GateRedis;
  }

  private keys(key: string) {
    const base = `${this.prefix}gate:${key}`;
    return { slots: `${base}:slots`, waiters: `${base}:waiters`, blocked: `${base}:blocked`, seq: `${base}:seq` };
  }

  async acquire(key: string, windows: readonly RateWindow[], ticket: string): Promise<Acquired> {
    const k = this.keys(key);
    const args = windows.flatMap((w) => [w.max, w.perMs]);
    const [ok, value] = await bounded(
      this.redis.heraldGateAcquire(k.slots, k.waiters, k.blocked, k.seq, ticket, WAITER_GRACE_MS, QUEUED_BEHIND_MS, IDLE_KEEP_MS, ...args),
    );
    return ok === 1 ? { ok: true, slot: String(value) } : { ok: false, waitMs: Number(value) };
  }

  /**
   * Best effort: the send has happened, so failing here would only make the worker send it again.
   * Without the re-stamp the slot still counts from when it was reserved.
   */
  async settle(key: string, slot: string): Promise<void> {
    await bounded(this.redis.heraldGateSettle(this.keys(key).slots, slot)).catch(() => {});
  }

  async block(key: string, ms: number): Promise<void> {
    if (ms <= 0) return;
    await bounded(this.redis.heraldGateBlock(this.keys(key).blocked, Math.ceil(ms)));
  }
}
