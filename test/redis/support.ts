/**
 * Redis-mode test support: is Redis there (in CI it must be), a random key prefix per test file
 * with clean-up, env for an instance in Redis mode, and a TCP proxy that can cut Redis off.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { missing } from '../helpers/needs.js';

export const REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** every instance of one test shares the key that seals endpoints */
export const SECRET_KEY = randomBytes(32).toString('base64');

async function probe(): Promise<string | undefined> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return undefined;
  } catch (err) {
    return `Redis at ${REDIS_URL} does not answer (${(err as Error).message})`;
  } finally {
    r.disconnect();
  }
}

/** undefined when Redis answers; in CI a missing Redis is a failure, elsewhere a printed skip. */
export async function redisMissing(): Promise<string | undefined> {
  const reason = await probe();
  missing('Redis', !reason, 'apt-get install redis-server && redis-server --daemonize yes (or set HERALD_TEST_REDIS_URL)', reason);
  return reason;
}

export function randomPrefix(): string {
  return `herald-test-${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN, never KEYS). */
export async function dropPrefix(prefix: string): Promise<void> {
  const r = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

/** Env for one instance in Redis mode (startTestHerald's `env`); the key prefix goes in the config file. */
export function redisEnv(url = REDIS_URL): Record<string, string> {
  return { HERALD_REDIS_URL: url, HERALD_SECRET_KEY: SECRET_KEY };
}

/** The `redis.keyPrefix` config for a HERALD_CONFIG file (startTestHerald's `config`). */
export const redisConfig = (prefix: string, extra: Record<string, unknown> = {}) => ({ redis: { keyPrefix: prefix }, ...extra });

export interface RedisProxy {
  url: string;
  /** drop every connection and refuse new ones: Redis is "down" */
  cut(): void;
  /** keep every connection open but forward nothing: Redis "hangs" */
  stall(): void;
  /** accept and forward again (stalled connections are reset; clients reconnect) */
  restore(): void;
  close(): Promise<void>;
}

/** A TCP proxy in front of the real Redis, to take Redis away from an instance and give it back. */
export async function startRedisProxy(): Promise<RedisProxy> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  let down = false;
  let stalled = false;
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    if (stalled) {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      client.on('error', () => {});
      client.pause();
      return;
    }
    const upstream = new Socket();
    upstream.connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    stall() {
      stalled = true;
      for (const s of sockets) {
        s.unpipe();
        s.pause();
      }
    },
    restore() {
      if (stalled) for (const s of sockets) s.destroy();
      stalled = false;
      down = false;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
