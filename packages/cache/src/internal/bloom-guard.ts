import type { BloomFilter } from '../bloom/bloom-filter.js';
import { RedisBloomFilter } from '../bloom/redis-bloom.js';
import { FAILED, type Level2 } from './level2.js';
import type { Namespace } from './namespace.js';

/** The penetration guard: the Bloom filter of ids known to exist, one filter for every namespace (`ns:key`). */
export class BloomGuard {
  readonly #bloom: BloomFilter;
  readonly #level2: Level2;
  readonly #onRedis: boolean;

  constructor(bloom: BloomFilter, level2: Level2) {
    this.#bloom = bloom;
    this.#level2 = level2;
    // A filter in Redis is a level-2 dependency like any other: behind the same breaker.
    this.#onRedis = bloom instanceof RedisBloomFilter;
  }

  /** Fails open: without an answer from the filter, the loader decides. */
  async mightExist(ns: Namespace, key: string): Promise<boolean> {
    const item = `${ns.name}:${key}`;
    if (!this.#onRedis) return this.#bloom.mightContain(item).catch(() => true);
    const known = await this.#level2.call(() => this.#bloom.mightContain(item));
    return known === FAILED || known;
  }

  add(ns: Namespace, keys: readonly string[]): Promise<void> {
    return this.#bloom.add(keys.map((key) => `${ns.name}:${key}`));
  }
}
