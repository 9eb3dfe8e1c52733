import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../stores/redis-client.js';

// Deletes the lock only if it still holds our token: after a holder outlives its TTL, another process may own
// the lock, and a plain DEL would release that one's lock instead.
const RELEASE_LUA = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A short mutual-exclusion lease in Redis (SET NX PX with a random token), the breakdown guard across
 * processes: one process loads a missing key while the others wait for the value. Not a correctness lock
 * (no fencing): if Redis fails over or a holder stalls past the TTL, two loaders may run, which for a cache
 * only costs a duplicate load.
 */
export class RedisLock {
  readonly #client: RedisClient;
  readonly #ttlMs: number;

  constructor(client: RedisClient, options: { ttlMs: number }) {
    this.#client = client;
    this.#ttlMs = options.ttlMs;
  }

  /** Resolves the token when the lock was taken, undefined when someone else holds it. */
  async tryAcquire(key: string): Promise<string | undefined> {
    const token = randomBytes(12).toString('base64url');
    const ok = await this.#client.set(key, token, 'PX', this.#ttlMs, 'NX');
    return ok === 'OK' ? token : undefined;
  }

  /** True when our token was still there and is now gone. */
  async release(key: string, token: string): Promise<boolean> {
    const deleted = await this.#client.eval(RELEASE_LUA, 1, key, token);
    return deleted === 1;
  }
}
