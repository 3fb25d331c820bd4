/**
 * Redis mode in one place: the shared store, the BullMQ delivery queue, the Redis window gate and
 * the clustered per-robot Bottleneck group, over as few connections as possible. src/server.ts
 * picks these instead of the embedded parts when `HERALD_REDIS_URL` is set.
 */
import { createHmac } from 'node:crypto';
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import { BullQueue } from '../delivery/bullmq-queue.js';
import { RedisWindowGate } from '../delivery/redis-window-gate.js';
import type { Logger } from '../log.js';
import { RedisStore } from '../store/redis-store.js';
import { createIORedis, redactUrl, whenReady } from './connection.js';

export interface RedisParts {
  store: RedisStore;
  /** the shared fail-fast ioredis connection (publish rate limiter, window gate, queue producer) */
  client: Redis;
  gate: RedisWindowGate;
  limiters: Bottleneck.Group;
  queue(onError: (err: unknown, id: string) => void): BullQueue;
  /** refuses to start when this instance's secret key differs from the other instances' */
  checkSecretKey(key: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** A robot's running send is given up (its slot freed cluster-wide) this long after delivery.timeoutMs. */
export const JOB_EXPIRATION_MARGIN_MS = 5_000;

/** BullMQ joins its prefix and queue name with ':'; keep every key under redis.keyPrefix. */
export const bullPrefix = (keyPrefix: string) => keyPrefix.replace(/:$/, '') || 'herald';

export async function startRedisParts(config: Config, log: Logger): Promise<RedisParts> {
  const url = config.redisUrl!;
  const prefix = config.redis.keyPrefix;
  const store = new RedisStore(url, prefix);
  const command = createIORedis(url, 'command');
  const blocking = createIORedis(url, 'blocking');
  // Bottleneck's clustered limiters: its keys go under the prefix through ioredis' keyPrefix.
  const limiterClient = createIORedis(url, 'command', { keyPrefix: prefix });
  const closeAll = async () => {
    for (const c of [command, blocking, limiterClient]) c.disconnect();
    await store.close();
  };
  try {
    await Promise.all([store.ping(), whenReady(command), whenReady(blocking), whenReady(limiterClient)]);
  } catch (err) {
    await closeAll();
    throw new Error(`Redis at ${redactUrl(url)} does not answer: ${(err as Error).message}`);
  }
  log.info('Redis mode', { redis: redactUrl(url), keyPrefix: prefix });

  // https://github.com/SGrondin/bottleneck#clustering
  const connection = new Bottleneck.IORedisConnection({ client: limiterClient, Redis });
  connection.on('error', (err) => log.debug('limiter connection error', { err: (err as Error).message }));
  const limiters = new Bottleneck.Group({
    maxConcurrent: 1,
    datastore: 'ioredis',
    connection,
    id: 'limiter',
    clearDatastore: false,
  });
  // A clustered limiter frees a dead instance's running job only when the job expires, so every job
  // gets an expiration: one send (bounded by delivery.timeoutMs) plus the gate's Redis calls.
  const expiration = config.delivery.timeoutMs + JOB_EXPIRATION_MARGIN_MS;
  limiters.on('created', (limiter) => {
    limiter.on('error', (err) => log.warn('robot limiter error', { err: (err as Error).message }));
    const schedule = limiter.schedule.bind(limiter) as (...args: unknown[]) => Promise<unknown>;
    limiter.schedule = ((...args: unknown[]) =>
      typeof args[0] === 'function' ? schedule({ expiration }, ...args) : schedule(...args)) as typeof limiter.schedule;
  });

  let queue: BullQueue | undefined;
  return {
    store,
    client: command,
    gate: new RedisWindowGate(command, prefix),
    limiters,
    queue(onError) {
      queue ??= new BullQueue({ prefix: bullPrefix(prefix), concurrency: config.delivery.concurrency, connection: command, workerConnection: blocking, onError });
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
      // the Group shares `connection`; disconnecting the connection ends every robot limiter
      await Promise.resolve(connection.disconnect(false)).catch(() => {});
      await closeAll();
    },
  };
}
