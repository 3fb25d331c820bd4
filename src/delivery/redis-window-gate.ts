/**
 * The robot gate of ./window-gate.ts kept in Redis, so a robot's lane and limits hold across every
 * instance. Per lane: the job in flight (a key that expires with its lease), a sorted set of
 * waiting tickets (member = "ticket job", score = when the claim lapses) and the set of those that
 * met a full window. Per robot: a sorted set of slots (member = slot id, score = send time) and a
 * "blocked until" key. Each call is one Lua script, so check-and-reserve is atomic; time is Redis's
 * clock (TIME), one clock for all instances.
 * https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 */
import type { Redis } from 'ioredis';
import type { RateWindow } from '../../adapters/types.js';
import { bounded } from '../redis/connection.js';
import { type Acquired, LANE_MARGIN_MS, RECHECK_MS, WAITER_GRACE_MS, type Waiter, type WindowGate } from './window-gate.js';

/** Keys outlive their longest window by this much, then Redis drops them. */
const IDLE_KEEP_MS = 60_000;

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** "ticket job" → ticket */
const TICKET = `local function ticketOf(m) return string.match(m, '^[^ ]+') end`;

/**
 * KEYS: lane, waiters, full, seq, then slots_i, blocked_i per robot.
 * ARGV: ticket, job, graceMs, recheckMs, leaseMs, keepMs, nWindows, max1, perMs1, ...
 * Returns {1, slotId, robotIndex(0-based), waitedForWindow} or {0, waitMs}. Mirrors MemoryWindowGate.acquire.
 */
const ACQUIRE = `${NOW}
${TICKET}
local lane, waiters, full, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ticket, job = ARGV[1], ARGV[2]
local grace, recheck, lease, keep = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local nw = tonumber(ARGV[7])
local member = ticket .. ' ' .. job
redis.call('ZREMRANGEBYSCORE', waiters, '-inf', '(' .. now)
local longest = 0
for i = 0, nw - 1 do longest = math.max(longest, tonumber(ARGV[9 + 2 * i])) end
local chosen = -1
local windowWait = -1
local robots = (#KEYS - 4) / 2
for r = 0, robots - 1 do
  local slots, blocked = KEYS[5 + 2 * r], KEYS[6 + 2 * r]
  redis.call('ZREMRANGEBYSCORE', slots, '-inf', now - longest)
  local wait = math.max(0, (tonumber(redis.call('GET', blocked)) or 0) - now)
  for i = 0, nw - 1 do
    local max, per = tonumber(ARGV[8 + 2 * i]), tonumber(ARGV[9 + 2 * i])
    local count = redis.call('ZCOUNT', slots, '(' .. (now - per), '+inf')
    if count >= max then
      local leaving = redis.call('ZRANGEBYSCORE', slots, '(' .. (now - per), '+inf', 'WITHSCORES', 'LIMIT', count - max, 1)
      wait = math.max(wait, tonumber(leaving[2]) + per - now + 1)
    end
  end
  if wait == 0 and chosen < 0 then chosen = r end
  if windowWait < 0 or wait < windowWait then windowWait = wait end
end
if chosen >= 0 or windowWait < 0 then windowWait = 0 end
local busy = redis.call('PTTL', lane)
if busy < 0 then busy = 0 end
local older = false
for _, other in ipairs(redis.call('ZRANGE', waiters, 0, -1)) do
  if ticketOf(other) < ticket then older = true break end
end
local wasFull = redis.call('SISMEMBER', full, member)
if chosen >= 0 and busy == 0 and not older then
  redis.call('ZREM', waiters, member)
  redis.call('SREM', full, member)
  local id = redis.call('INCR', seq)
  local slots = KEYS[5 + 2 * chosen]
  redis.call('ZADD', slots, now, id)
  redis.call('PEXPIRE', slots, longest + keep)
  redis.call('PEXPIRE', seq, longest + keep)
  redis.call('SET', lane, job, 'PX', lease)
  return {1, id, chosen, wasFull}
end
local wait = windowWait
if busy > 0 then wait = math.max(windowWait, math.min(busy, recheck))
elseif older then wait = math.max(windowWait, recheck) end
redis.call('ZADD', waiters, now + wait + grace, member)
redis.call('PEXPIRE', waiters, wait + grace + keep)
if chosen < 0 then
  redis.call('SADD', full, member)
  redis.call('PEXPIRE', full, wait + grace + keep)
end
return {0, wait}`;

/** KEYS: lane, slots. ARGV: slot id, sent (1/0). Frees the lane; counts the slot from now (never earlier), or drops it. */
const SETTLE = `${NOW}
redis.call('DEL', KEYS[1])
if ARGV[2] == '0' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
local at = redis.call('ZSCORE', KEYS[2], ARGV[1])
if at and tonumber(at) < now then redis.call('ZADD', KEYS[2], 'XX', now, ARGV[1]) end
return 0`;

/** KEYS: blocked. ARGV: ms. Holds the robot until now + ms (extends, never shortens). */
const BLOCK = `${NOW}
local untilAt = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1])) or 0
if untilAt > cur then redis.call('SET', KEYS[1], untilAt, 'PX', tonumber(ARGV[1])) end
return 0`;

/** KEYS: waiters. ARGV: member, ms, graceMs, keepMs. Keeps a ticket's place until now + ms + grace. */
const HOLD = `${NOW}
local lapse = now + tonumber(ARGV[2]) + tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], lapse, ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]) + tonumber(ARGV[4]))
return 0`;

/** KEYS: waiters. Drops lapsed claims, returns the members left. */
const WAITERS = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

type GateRedis = Redis & {
  heraldLaneAcquire(...args: (string | number)[]): Promise<[number, number, number?, number?]>;
  heraldLaneSettle(...args: (string | number)[]): Promise<number>;
  heraldLaneBlock(...args: (string | number)[]): Promise<number>;
  heraldLaneHold(...args: (string | number)[]): Promise<number>;
  heraldLaneWaiters(...args: (string | number)[]): Promise<string[]>;
};

const memberOf = (w: Waiter) => `${w.ticket} ${w.job}`;

export class RedisWindowGate implements WindowGate {
  private readonly redis: GateRedis;

  /** `redis`: a fail-fast ioredis connection (shared); `prefix`: redis.keyPrefix; `leaseMs`: delivery.timeoutMs + LANE_MARGIN_MS. */
  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly leaseMs = 10_000 + LANE_MARGIN_MS,
  ) {
    redis.defineCommand('heraldLaneAcquire', { lua: ACQUIRE });
    redis.defineCommand('heraldLaneSettle', { numberOfKeys: 2, lua: SETTLE });
    redis.defineCommand('heraldLaneBlock', { numberOfKeys: 1, lua: BLOCK });
    redis.defineCommand('heraldLaneHold', { numberOfKeys: 1, lua: HOLD });
    redis.defineCommand('heraldLaneWaiters', { numberOfKeys: 1, lua: WAITERS });
    this.redis = redis as GateRedis;
  }

  private base(key: string) {
    return `${this.prefix}gate:${key}`;
  }

  async acquire(lane: string, robots: readonly string[], windows: readonly RateWindow[], ticket: string, job: string): Promise<Acquired> {
    const l = this.base(lane);
    const keys = [`${l}:lane`, `${l}:waiters`, `${l}:full`, `${l}:seq`, ...robots.flatMap((r) => [`${this.base(r)}:slots`, `${this.base(r)}:blocked`])];
    const args = [ticket, job, WAITER_GRACE_MS, RECHECK_MS, this.leaseMs, IDLE_KEEP_MS, windows.length, ...windows.flatMap((w) => [w.max, w.perMs])];
    // no numberOfKeys in the definition: the key count goes first (the pool decides it)
    const [ok, value, robot, full] = await bounded(this.redis.heraldLaneAcquire(keys.length, ...keys, ...args));
    return ok === 1
      ? { ok: true, slot: String(value), robot: Number(robot), waitedForWindow: Number(full) === 1 }
      : { ok: false, waitMs: Number(value) };
  }

  /**
   * Best effort: the send has happened, so failing here would only make the worker send it again.
   * Without it the lane frees itself when its lease lapses, and the slot counts from when it was reserved.
   */
  async settle(lane: string, robot: string, slot: string, sent: boolean): Promise<void> {
    await bounded(this.redis.heraldLaneSettle(`${this.base(lane)}:lane`, `${this.base(robot)}:slots`, slot, sent ? 1 : 0)).catch(() => {});
  }

  async block(robot: string, ms: number): Promise<void> {
    if (ms <= 0) return;
    await bounded(this.redis.heraldLaneBlock(`${this.base(robot)}:blocked`, Math.ceil(ms)));
  }

  async hold(lane: string, waiter: Waiter, ms: number): Promise<void> {
    await bounded(this.redis.heraldLaneHold(`${this.base(lane)}:waiters`, memberOf(waiter), Math.ceil(ms), WAITER_GRACE_MS, IDLE_KEEP_MS));
  }

  async leave(lane: string, waiters: readonly Waiter[]): Promise<void> {
    if (waiters.length === 0) return;
    const l = this.base(lane);
    const members = waiters.map(memberOf);
    await bounded(this.redis.multi().zrem(`${l}:waiters`, ...members).srem(`${l}:full`, ...members).exec());
  }

  async waiters(lane: string): Promise<Waiter[]> {
    const members = await bounded(this.redis.heraldLaneWaiters(`${this.base(lane)}:waiters`));
    return members
      .map((m) => {
        const [ticket, job] = m.split(' ');
        return { ticket: ticket!, job: job ?? ticket! };
      })
      .sort((a, b) => (a.ticket < b.ticket ? -1 : a.ticket > b.ticket ? 1 : 0));
  }
}
