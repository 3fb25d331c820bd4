/**
 * The per-token publish rate limit (config `publish.rateLimit` {burst, perSecond}), with
 * rate-limiter-flexible: https://github.com/animir/node-rate-limiter-flexible/wiki
 * The token bucket is approximated by a fixed window of `burst` points per burst/perSecond seconds
 * (whole seconds, at least 1; the Redis backend counts whole seconds): `burst` publishes may arrive
 * at once, and over time a token gets `perSecond` on average. Memory by default (one process);
 * RateLimiterRedis when the store is Redis, so every instance counts against the same bucket.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config/schema.js';
import type { Herald } from '../context.js';
import { Errors } from '../errors.js';

export interface PublishLimiter {
  /** Spends one publish of this token; throws 429 rate_limited with Retry-After when it has none left. */
  take(tokenName: string): Promise<void>;
}

/** The window's length and size for a {burst, perSecond} bucket. */
export function windowOf(rate: Config['publish']['rateLimit']): { points: number; duration: number } {
  const duration = Math.max(1, Math.ceil(rate.burst / rate.perSecond));
  return { points: Math.max(rate.burst, Math.round(rate.perSecond * duration)), duration };
}

export function createPublishLimiter(
  rate: Config['publish']['rateLimit'],
  opts: { redis?: Redis; keyPrefix?: string } = {},
): PublishLimiter {
  const { points, duration } = windowOf(rate);
  const keyPrefix = `${opts.keyPrefix ?? 'herald:'}publish-rate`;
  const limiter: RateLimiterAbstract = opts.redis
    ? new RateLimiterRedis({ storeClient: opts.redis, keyPrefix, points, duration })
    : new RateLimiterMemory({ keyPrefix, points, duration });
  return {
    async take(tokenName) {
      try {
        await limiter.consume(tokenName, 1);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw Errors.unavailable('Herald cannot reach its rate-limit store right now; retry shortly.');
        const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        throw Errors.rateLimited(
          `This token may publish ${rate.burst} at once and ${rate.perSecond} a second (publish.rateLimit); retry in ${seconds} s.`,
          { 'Retry-After': String(seconds) },
        );
      }
    },
  };
}

/**
 * The limiter a Herald's publish route uses. src/server.ts sets it at start (RateLimiterRedis once
 * the Redis store is in: `usePublishLimiter(herald, createPublishLimiter(rate, { redis, keyPrefix }))`);
 * an app built without it gets an in-memory one.
 */
const limiters = new WeakMap<Herald, PublishLimiter>();

export function usePublishLimiter(h: Herald, limiter: PublishLimiter): void {
  limiters.set(h, limiter);
}

export function publishLimiterOf(h: Herald): PublishLimiter {
  let l = limiters.get(h);
  if (!l) {
    l = createPublishLimiter(h.config.publish.rateLimit);
    limiters.set(h, l);
  }
  return l;
}
