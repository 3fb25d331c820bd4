/**
 * Publish order across instances (Redis mode). Two publishes landing on two instances a few ms
 * apart are stored, queued and picked up in either order, so a robot's gate cannot order them by
 * arrival. Instead, the step that gives a publish its message id also enlists each of its pending
 * deliveries in its subscription's order line (./redis-window-gate.ts), atomically: a publish
 * issued later has a larger id (ids sort as they were issued, on Redis's clock) and stands behind
 * it in every line it shares, before either has reached a gate. The gate then lets a ticket go
 * only when no older one stands in its line. Nothing waits for deliveries that were never enlisted,
 * so a fresh delivery costs one script per publish, not a wait.
 *
 * A publish that is not stored after all (a store error, an idempotent repeat) withdraws what it
 * enlisted; one whose process dies in between frees the lines when its places lapse (LINE_GRACE_MS).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { bounded } from '../redis/connection.js';
import { deliveryId } from '../store/indexes.js';
import { ENLIST, ISSUE, RECHECK_DEEP_MS, RECHECK_PER_AHEAD_MS } from './redis-gate-scripts.js';
import { IDLE_KEEP_MS, LINE_GRACE_MS, lineKey } from './redis-window-gate.js';

/** One delivery of a publish: its index in the fan-out and its subscription (the order line). */
export interface Enlisted {
  index: number;
  subscriptionId: string;
}

/** A message id, and how many deliveries stood ahead of each enlisted one in its line (0 past the first ENLIST_CHUNK). */
export interface Issued {
  id: string;
  ahead: number[];
}

export interface PublishOrder {
  /** A new message id, with every listed delivery enlisted in its subscription's line in the same step. */
  issue(deliveries: readonly Enlisted[]): Promise<string>;
  /** issue, also saying how many stood ahead of each delivery in its line */
  place(deliveries: readonly Enlisted[]): Promise<Issued>;
  /** Takes a publish's deliveries out of their lines again (the publish was not stored). */
  withdraw(messageId: string, deliveries: readonly Enlisted[]): Promise<void>;
}

/**
 * Lines enlisted in the same step as the id. A larger fan-out enlists the rest right after, in
 * chunks of this size: for those, a publish issued in between on another instance may go first.
 */
export const ENLIST_CHUNK = 1_000;

/** A delivery with at least this many ahead in its line is queued to look at the gate later (firstLookMs). */
export const DEFER_FROM_AHEAD = 4;

/**
 * When a new delivery's job should first look at the gate. One far back in a busy line gets its
 * turn from a hand-off (./hand-off.ts runs the next in line, at the gate or not) long before it
 * could pass, so its job is queued to run later, when it would only have been told to wait:
 * a worker slot and a queue round trip saved per waiting delivery; the look still comes if no
 * hand-off does.
 */
export function firstLookMs(ahead: number): number {
  return ahead < DEFER_FROM_AHEAD ? 0 : Math.min(ahead * RECHECK_PER_AHEAD_MS, RECHECK_DEEP_MS);
}

type OrderRedis = Redis & {
  heraldIssue(...args: (string | number)[]): Promise<[string, ...number[]]>;
  heraldEnlist(...args: (string | number)[]): Promise<number>;
};

export class RedisPublishOrder implements PublishOrder {
  private readonly redis: OrderRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('heraldIssue', { lua: ISSUE });
    redis.defineCommand('heraldEnlist', { lua: ENLIST });
    this.redis = redis as OrderRedis;
  }

  async issue(deliveries: readonly Enlisted[]): Promise<string> {
    return (await this.place(deliveries)).id;
  }

  async place(deliveries: readonly Enlisted[]): Promise<Issued> {
    const first = deliveries.slice(0, ENLIST_CHUNK);
    const keys = [`${this.prefix}gate:clock`, ...first.map((d) => lineKey(this.prefix, d.subscriptionId))];
    const suffix = randomBytes(5).toString('hex');
    const [id, ...ahead] = await bounded(this.redis.heraldIssue(keys.length, ...keys, suffix, LINE_GRACE_MS, IDLE_KEEP_MS, ...first.map((d) => d.index)));
    for (let from = ENLIST_CHUNK; from < deliveries.length; from += ENLIST_CHUNK) {
      const chunk = deliveries.slice(from, from + ENLIST_CHUNK);
      const members = chunk.map((d) => `${deliveryId(id, d.index)} ${deliveryId(id, d.index)}`);
      await bounded(this.redis.heraldEnlist(chunk.length, ...chunk.map((d) => lineKey(this.prefix, d.subscriptionId)), LINE_GRACE_MS, IDLE_KEEP_MS, ...members));
    }
    return { id, ahead: ahead.map(Number) };
  }

  async withdraw(messageId: string, deliveries: readonly Enlisted[]): Promise<void> {
    for (let from = 0; from < deliveries.length; from += ENLIST_CHUNK) {
      const tx = this.redis.multi();
      for (const d of deliveries.slice(from, from + ENLIST_CHUNK)) {
        const id = deliveryId(messageId, d.index);
        tx.zrem(lineKey(this.prefix, d.subscriptionId), `${id} ${id}`);
      }
      await bounded(tx.exec());
    }
  }
}
