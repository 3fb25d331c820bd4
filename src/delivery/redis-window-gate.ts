/**
 * The robot gate of ./window-gate.ts kept in Redis, so a robot's lane and limits hold across every
 * instance. Per lane: the job in flight (a key that expires with its lease), a sorted set of
 * waiting tickets (member = "ticket job", score = when the claim lapses) and the set of those that
 * met a full window. Per robot: a sorted set of slots (member = slot id, score = send time) and a
 * "blocked until" key. Each call is one Lua script (./redis-gate-scripts.ts).
 *
 * Order across instances: two publishes on two instances a few ms apart reach the gate in either
 * order, so order by arrival is not enough. Each subscription has an order line too (a sorted set
 * like the lane's waiters), in which ./publish-order.ts enlists a publish's deliveries in the same
 * step that issues its message id. A ticket waits while an older one stands in its line, whether
 * that one has reached the gate yet or not, and keeps its place there until it leaves.
 */
import type { Redis } from 'ioredis';
import type { RateWindow } from '../../adapters/types.js';
import { bounded } from '../redis/connection.js';
import { ACQUIRE, BLOCK, HAND_OVER, HOLD, LEAVE, SETTLE, WAITERS } from './redis-gate-scripts.js';
import { type Acquired, type FirstUp, LANE_MARGIN_MS, RECHECK_MS, type Settled, WAITER_GRACE_MS, type Waiter, type WindowGate } from './window-gate.js';

/** Keys outlive their longest window by this much, then Redis drops them. */
export const IDLE_KEEP_MS = 60_000;
/**
 * A ticket keeps its place in its subscription's order line this long past its expected return:
 * long enough for a job of a dead instance to be taken over (bullmq-queue.ts: lock plus stalled
 * check), so order holds across a crash; a ticket that never comes back frees the line after it.
 */
export const LINE_GRACE_MS = 30_000;

/** A subscription's order line, shared with ./publish-order.ts. */
export const lineKey = (prefix: string, line: string) => `${prefix}gate:line:${line}`;

type GateRedis = Redis & {
  heraldLaneAcquire(...args: (string | number)[]): Promise<[number, number, number?, number?, (string | null)?]>;
  heraldLaneSettle(...args: (string | number)[]): Promise<number>;
  heraldLaneBlock(...args: (string | number)[]): Promise<number>;
  heraldLaneHold(...args: (string | number)[]): Promise<number>;
  heraldLaneLeave(...args: (string | number)[]): Promise<number>;
  heraldLaneWaiters(...args: (string | number)[]): Promise<string[]>;
  heraldLaneHandOver(...args: (string | number)[]): Promise<[string | null, string | null, string | null]>;
};

const memberOf = (w: Waiter) => `${w.ticket} ${w.job}`;
const waiterOf = (m: string): Waiter => {
  const [ticket, job] = m.split(' ');
  return { ticket: ticket!, job: job ?? ticket! };
};

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
    redis.defineCommand('heraldLaneHold', { lua: HOLD });
    redis.defineCommand('heraldLaneWaiters', { lua: WAITERS });
    redis.defineCommand('heraldLaneLeave', { lua: LEAVE });
    redis.defineCommand('heraldLaneHandOver', { numberOfKeys: 6, lua: HAND_OVER });
    this.redis = redis as GateRedis;
  }

  private base(key: string) {
    return `${this.prefix}gate:${key}`;
  }

  async acquire(lane: string, robots: readonly string[], windows: readonly RateWindow[], ticket: string, job: string, line?: string, peek?: string): Promise<Acquired> {
    const l = this.base(lane);
    const keys = [
      `${l}:lane`,
      `${l}:waiters`,
      `${l}:full`,
      `${l}:seq`,
      // without an order line the script leaves this key alone
      line ? lineKey(this.prefix, line) : `${l}:waiters`,
      `${l}:left`,
      // the key read once the lane is taken (the lane key itself: nothing to read)
      peek ?? `${l}:lane`,
      ...robots.flatMap((r) => [`${this.base(r)}:slots`, `${this.base(r)}:blocked`]),
    ];
    const args = [ticket, job, WAITER_GRACE_MS, RECHECK_MS, this.leaseMs, IDLE_KEEP_MS, line ? LINE_GRACE_MS : 0, windows.length, ...windows.flatMap((w) => [w.max, w.perMs])];
    // no numberOfKeys in the definition: the key count goes first (the pool decides it)
    const [ok, value, robot, full, peeked] = await bounded(this.redis.heraldLaneAcquire(keys.length, ...keys, ...args));
    if (ok === 1) return { ok: true, slot: String(value), robot: Number(robot), waitedForWindow: Number(full) === 1, ...(peek ? { peeked: peeked ?? null } : {}) };
    return ok === 2 ? { ok: false, waitMs: Number(value), left: true } : { ok: false, waitMs: Number(value) };
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
    const keys = [`${this.base(lane)}:waiters`, ...(waiter.line ? [lineKey(this.prefix, waiter.line)] : [])];
    await bounded(this.redis.heraldLaneHold(keys.length, ...keys, memberOf(waiter), Math.ceil(ms), WAITER_GRACE_MS, IDLE_KEEP_MS, LINE_GRACE_MS));
  }

  /** Marks the tickets as left for WAITER_GRACE_MS: a step of theirs still running gets no place back. */
  async leave(lane: string, waiters: readonly Waiter[]): Promise<void> {
    if (waiters.length === 0) return;
    const l = this.base(lane);
    const keys = [`${l}:waiters`, `${l}:full`, `${l}:left`, ...waiters.map((w) => (w.line ? lineKey(this.prefix, w.line) : `${l}:waiters`))];
    await bounded(this.redis.heraldLaneLeave(keys.length, ...keys, WAITER_GRACE_MS, IDLE_KEEP_MS, ...waiters.map(memberOf)));
  }

  /** settle + leave + the first on the lane and in the line, in one script (HAND_OVER) */
  async handOver(lane: string, settled: Settled | undefined, leaving: Waiter, peekPrefix?: string): Promise<FirstUp> {
    const l = this.base(lane);
    const slots = settled ? `${this.base(settled.robot)}:slots` : `${l}:slots`;
    const line = leaving.line ? lineKey(this.prefix, leaving.line) : `${l}:waiters`;
    const call = this.redis.heraldLaneHandOver(`${l}:lane`, slots, `${l}:waiters`, `${l}:full`, `${l}:left`, line, settled?.slot ?? '', WAITER_GRACE_MS, IDLE_KEEP_MS, memberOf(leaving), peekPrefix ?? '');
    const [onLane, onLine, record] = await bounded(call);
    return { lane: onLane ? waiterOf(onLane) : undefined, line: onLine ? waiterOf(onLine) : undefined, ...(peekPrefix ? { peeked: record ?? null } : {}) };
  }

  async waiters(lane: string, line?: string): Promise<Waiter[]> {
    const keys = [`${this.base(lane)}:waiters`, ...(line ? [lineKey(this.prefix, line)] : [])];
    const members = await bounded(this.redis.heraldLaneWaiters(keys.length, ...keys));
    return [...new Set(members)]
      .map(waiterOf)
      .sort((a, b) => (a.ticket < b.ticket ? -1 : a.ticket > b.ticket ? 1 : a.job < b.job ? -1 : 1));
  }
}
