import { StagesError } from '@stages/common';
import type { CacheOptions } from '../options.js';
import { RedisLock } from '../protection/redis-lock.js';
import type { RedisStore } from '../stores/redis-store.js';
import { FAILED, type Failed, type Level2 } from './level2.js';

/** The cross-process load lock on one key (`lock:<full key>`), taken and released through the breaker. */
export class LoadLock {
  readonly waitMs: number;
  readonly #lock: RedisLock;
  readonly #level2: Level2;

  constructor(lock: RedisLock, level2: Level2, waitMs: number) {
    this.#lock = lock;
    this.#level2 = level2;
    this.waitMs = waitMs;
  }

  /** The token; undefined when another process holds the lock; FAILED when Redis did not answer. */
  acquire(full: string): Promise<string | undefined | Failed> {
    return this.#level2.call(() => this.#lock.tryAcquire(`lock:${full}`));
  }

  /** Fire and forget: a release that fails only leaves the lock to expire by its TTL. */
  release(full: string, token: string | undefined | Failed): void {
    if (token === undefined || token === FAILED) return;
    void this.#level2.call(() => this.#lock.release(`lock:${full}`, token));
  }
}

/** The `lock` cache option as a LoadLock, or undefined when it is off. */
export function createLoadLock(
  option: CacheOptions['lock'],
  redis: RedisStore | undefined,
  level2: Level2,
): LoadLock | undefined {
  const lock = option === true ? {} : option || undefined;
  if (lock === undefined) return undefined;
  if (redis === undefined) throw new StagesError('INVALID_ARGUMENT', 'cache option "lock" needs a RedisStore as l2');
  return new LoadLock(new RedisLock(redis.client, { ttlMs: lock.ttlMs ?? 5_000 }), level2, lock.waitMs ?? 1_000);
}
