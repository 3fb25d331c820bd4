/**
 * Redis connections for Redis mode, built one way so every engine fails fast and heals by itself:
 * node-redis for the store (keyv), ioredis for BullMQ and the robot gate. Commands never wait in an
 * offline queue: while Redis is away they fail at once, and the client reconnects in the background.
 */
import { createClient } from '@keyv/redis';
import { Redis, type RedisOptions } from 'ioredis';
import { Errors, HeraldError } from '../errors.js';

/** A command that has not answered in this long counts as "Redis unreachable". */
export const COMMAND_TIMEOUT_MS = 2_000;
/** One connection attempt may take this long. */
export const CONNECT_TIMEOUT_MS = 2_000;
/** Reconnect backoff: 100 ms doubling, capped here, forever. */
export const MAX_RECONNECT_DELAY_MS = 2_000;
/** node-redis pings an idle connection this often, so a dead socket is noticed. */
export const PING_INTERVAL_MS = 5_000;

const reconnectDelay = (attempt: number) => Math.min(100 * 2 ** attempt, MAX_RECONNECT_DELAY_MS);

/** node-redis client for the store. https://github.com/redis/node-redis/blob/master/docs/client-configuration.md */
export function createStoreClient(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    pingInterval: PING_INTERVAL_MS,
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: reconnectDelay },
  });
}

export type IORedisRole =
  /** BullMQ producer, the robot gate: fail fast, bounded wait */
  | 'command'
  /** BullMQ worker: blocking reads, so BullMQ requires maxRetriesPerRequest null and no command timeout */
  | 'blocking';

/** ioredis client. https://github.com/redis/ioredis/blob/main/API.md#new-redisport-host-options */
export function createIORedis(url: string, role: IORedisRole, extra: RedisOptions = {}): Redis {
  const common: RedisOptions = {
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: reconnectDelay,
    lazyConnect: false,
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: ['bzpopmin', 'bzpopmax', 'brpoplpush', 'blmove', 'brpop', 'blpop', 'xread', 'xreadgroup'],
    ...extra,
  };
  const opts: RedisOptions =
    role === 'blocking'
      ? { ...common, maxRetriesPerRequest: null }
      : { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS };
  const client = new Redis(url, opts);
  client.on('error', () => {}); // reported through the failing call and /readyz
  return client;
}

/** Resolves once the client is ready, or rejects after `ms` (start-up: refuse to start without Redis). */
export function whenReady(client: Redis, ms = 10_000): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`Redis did not answer within ${ms} ms; check HERALD_REDIS_URL and that Redis runs`));
    }, ms);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

/** The 503 every Redis failure becomes: the caller may retry, nothing was half-done. */
export function unavailable(cause: unknown): HeraldError {
  if (cause instanceof HeraldError) return cause;
  const err = Errors.unavailable('Herald cannot reach Redis right now; retry shortly.');
  (err as Error & { cause?: unknown }).cause = cause;
  return err;
}

/** Bounds a Redis call: it answers within COMMAND_TIMEOUT_MS or fails as unavailable. */
export async function bounded<T>(p: Promise<T>, ms = COMMAND_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not answer in ${ms} ms`)), ms);
      }),
    ]);
  } catch (err) {
    throw unavailable(err);
  } finally {
    clearTimeout(timer);
  }
}

/** The url without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://(unparsable url)';
  }
}
