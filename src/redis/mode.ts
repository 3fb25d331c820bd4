/**
 * Redis mode in one place: the shared store, the BullMQ delivery queue, the Redis robot gate
 * (lanes, windows and order lines) and the publish order that feeds it, over as few connections
 * as possible. src/server.ts picks these instead of the embedded parts when `HERALD_REDIS_URL` is set.
 */
import { createHmac } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import { BullQueue } from '../delivery/bullmq-queue.js';
import { RedisPublishOrder } from '../delivery/publish-order.js';
import { RedisWindowGate } from '../delivery/redis-window-gate.js';
import { LANE_MARGIN_MS } from '../delivery/window-gate.js';
import type { Logger } from '../log.js';
import { RedisStore } from '../store/redis-store.js';
import { createIORedis, redactUrl, whenReady } from './connection.js';

export interface RedisParts {
  store: RedisStore;
  /** the shared fail-fast ioredis connection (publish rate limiter, window gate, queue producer) */
  client: Redis;
  gate: RedisWindowGate;
  /** message ids and subscriptions' order lines, issued in one step (publish order across instances) */
  order: RedisPublishOrder;
  queue(onError: (err: unknown, id: string) => void): BullQueue;
  /** refuses to start when this instance's secret key differs from the other instances' */
  checkSecretKey(key: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** BullMQ joins its prefix and queue name with ':'; keep every key under redis.keyPrefix. */
export const bullPrefix = (keyPrefix: string) => keyPrefix.replace(/:$/, '') || 'herald';

export async function startRedisParts(config: Config, log: Logger): Promise<RedisParts> {
  const url = config.redisUrl!;
  const prefix = config.redis.keyPrefix;
  const store = new RedisStore(url, prefix);
  const command = createIORedis(url, 'command');
  const blocking = createIORedis(url, 'blocking');
  const closeAll = async () => {
    for (const c of [command, blocking]) c.disconnect();
    await store.close();
  };
  try {
    await Promise.all([store.ping(), whenReady(command), whenReady(blocking)]);
  } catch (err) {
    await closeAll();
    throw new Error(`Redis at ${redactUrl(url)} does not answer: ${(err as Error).message}`);
  }
  log.info('Redis mode', { redis: redactUrl(url), keyPrefix: prefix });

  let queue: BullQueue | undefined;
  return {
    store,
    client: command,
    gate: new RedisWindowGate(command, prefix, config.delivery.timeoutMs + LANE_MARGIN_MS),
    order: new RedisPublishOrder(command, prefix),
    queue(onError) {
      queue ??= new BullQueue({ prefix: bullPrefix(prefix), concurrency: config.delivery.concurrency, timeoutMs: config.delivery.timeoutMs, connection: command, workerConnection: blocking, onError });
      return queue;
    },
    async checkSecretKey(key) {
      const check = createHmac('sha256', key).update('herald secret key check').digest('base64url');
      if (await store.setIfAbsent('secret-key-check', check)) return;
      if ((await store.get<string>('secret-key-check')) !== check) {
        throw new Error(
          'HERALD_SECRET_KEY differs from the key the other instances sharing this Redis use: set the same HERALD_SECRET_KEY on every instance',
        );
      }
    },
    async close() {
      await closeAll();
    },
  };
}
