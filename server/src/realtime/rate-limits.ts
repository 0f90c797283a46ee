import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Rate limiters from rate-limiter-flexible: in Redis when REDIS_URL is set, so a limit holds
 * across every golive instance; in memory otherwise.
 */
export class RateLimits {
  readonly #redis: Redis | null;

  constructor(redis: Redis | null) {
    this.#redis = redis;
  }

  create(keyPrefix: string, points: number, durationSec: number): RateLimiterAbstract {
    const options = { keyPrefix: `golive:${keyPrefix}`, points, duration: durationSec };
    return this.#redis ? new RateLimiterRedis({ storeClient: this.#redis, ...options }) : new RateLimiterMemory(options);
  }
}

/** Consumes a point; returns the wait in ms when the limit is reached, or null when allowed. */
export async function tryConsume(limiter: RateLimiterAbstract, key: string): Promise<number | null> {
  try {
    await limiter.consume(key);
    return null;
  } catch (result) {
    if (result instanceof RateLimiterRes) return Math.max(1, result.msBeforeNext);
    throw result;
  }
}
