import { StagesError } from '@stages/common';
import { CacheCore } from './internal/core.js';
import type { Namespace } from './internal/namespace.js';
import type { CacheStats } from './metrics.js';
import type { CacheOptions, InvalidationEvent, LoadOptions } from './options.js';
import type { BreakerState } from './resilience/breaker.js';
import type { RedisConnectionOptions } from './stores/redis-client.js';
import { RedisStore, type RedisStoreOptions } from './stores/redis-store.js';

export interface CreateCacheOptions extends Omit<CacheOptions, 'l2'> {
  /** Builds a RedisStore as level 2 (the usual set-up). */
  redis?: RedisConnectionOptions & RedisStoreOptions;
  l2?: CacheOptions['l2'];
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Cache-aside over two levels: level 1 (this process's LRU) answers first, then level 2 (Redis, filling
 * level 1), then the loader (filling both). See docs/cache.md for the guards and when to turn each on.
 *
 * ```ts
 * const cache = await TwoLevelCache.create({ redis: { url: 'redis://127.0.0.1:6379' }, ttlMs: 60_000 });
 * const users = cache.namespace('user', { version: 3 });          // keys "user:v3:<id>"
 * const user = await users.getOrLoad(id, () => db.findUser(id));  // undefined when absent
 * await db.updateUser(id, patch);
 * await users.invalidate(id);                                      // level 2 + every instance's level 1
 * ```
 */
export class TwoLevelCache {
  readonly #core: CacheCore;
  readonly #ns: Namespace;

  /** Prefer `TwoLevelCache.create`, which also connects Redis and subscribes to invalidations. */
  constructor(options: CacheOptions);
  constructor(options: CacheOptions | CacheCore, ns?: Namespace) {
    if (options instanceof CacheCore) {
      this.#core = options;
      this.#ns = ns!;
      return;
    }
    this.#core = new CacheCore(options);
    this.#ns = this.#core.namespace(checkName(options.namespace ?? 'default'), checkVersion(options.version ?? 1));
  }

  static async create(options: CreateCacheOptions = {}): Promise<TwoLevelCache> {
    const { redis, ...rest } = options;
    if (redis !== undefined && rest.l2 !== undefined) {
      throw new StagesError('INVALID_ARGUMENT', 'give the cache either "redis" or "l2", not both');
    }
    const l2 = redis === undefined ? rest.l2 : await RedisStore.connect(redis);
    const cache = new TwoLevelCache({ ...rest, ...(l2 === undefined ? {} : { l2 }) });
    await cache.#core.start();
    await cache.#core.resolveVersion(cache.#ns);
    return cache;
  }

  /** A view whose keys live under `name:vVERSION:`; it shares both levels and every guard with this cache. */
  namespace(name: string, options: { version?: number } = {}): TwoLevelCache {
    const ns = this.#core.namespace(checkName(name), checkVersion(options.version ?? 1));
    return new (TwoLevelCache as unknown as new (core: CacheCore, ns: Namespace) => TwoLevelCache)(this.#core, ns);
  }

  get namespaceName(): string {
    return this.#ns.name;
  }

  /** Effective version: the configured one plus cluster-wide bumps. */
  get version(): number {
    return this.#ns.version;
  }

  get instanceId(): string {
    return this.#core.instanceId;
  }

  /** Level 2's breaker: `open` while Redis is considered down and reads go to the loader. */
  get l2State(): BreakerState {
    return this.#core.breaker.state;
  }

  /**
   * The value for `key`: level 1, level 2, else `loader()` (stored in both). `undefined` or `null` from the
   * loader means "does not exist": remembered for `absentTtlMs` and returned as `undefined`. Loader errors
   * reach the caller and nothing is cached; level-2 errors never do.
   */
  getOrLoad<T>(key: string, loader: () => Promise<T>, options?: LoadOptions<T>): Promise<T | undefined> {
    return this.#core.getOrLoad(this.#ns, key, loader, options);
  }

  /** Looks up without loading (level 1, then level 2). */
  get<T>(key: string): Promise<T | undefined> {
    return this.#core.get<T>(this.#ns, key);
  }

  /** Level 1 only, synchronously. */
  peek<T>(key: string): T | undefined {
    return this.#core.peek(this.#ns, key) as T | undefined;
  }

  /** Writes through both levels (warm-up, or a write path that prefers update over delete). */
  set(key: string, value: unknown, options?: LoadOptions<unknown>): Promise<void> {
    return this.#core.set(this.#ns, key, value, options);
  }

  /** Deletes here and in level 2; other instances keep their level-1 copy until TTL (use `invalidate`). */
  delete(key: string | readonly string[]): Promise<void> {
    return this.#core.delete(this.#ns, typeof key === 'string' ? [key] : key);
  }

  /** After a database write: delete level 2, then drop level 1 on every instance via pub/sub. */
  invalidate(key: string | readonly string[], options?: { delayedDeleteMs?: number }): Promise<void> {
    return this.#core.invalidate(this.#ns, typeof key === 'string' ? [key] : key, options);
  }

  /** Invalidates the whole namespace on every instance by moving it to the next version. */
  bumpVersion(): Promise<number> {
    return this.#core.bumpVersion(this.#ns);
  }

  /** Adds ids that exist to the Bloom filter (no-op without one). Call it when creating an entity. */
  addKnown(key: string | readonly string[]): Promise<void> {
    return this.#core.addKnown(this.#ns, typeof key === 'string' ? [key] : key);
  }

  onInvalidation(listener: (event: InvalidationEvent) => void): () => void {
    return this.#core.onInvalidation(listener);
  }

  /** Counters for this cache and all its namespace views (shared). */
  stats(): Readonly<CacheStats> {
    return { ...this.#core.stats };
  }

  /** Entries and approximate bytes in level 1, over all namespaces. */
  l1Size(): { entries: number; bytes: number } {
    return this.#core.l1Size();
  }

  /** Closes the Redis connections this cache opened. Call once, on the root cache. */
  close(): Promise<void> {
    return this.#core.close();
  }
}

function checkName(name: string): string {
  if (!NAME.test(name)) {
    throw new StagesError('INVALID_ARGUMENT', `cache namespace must match ${NAME}, got "${name}"`);
  }
  return name;
}

function checkVersion(version: number): number {
  if (!Number.isInteger(version) || version < 0) {
    throw new StagesError('INVALID_ARGUMENT', `cache namespace version must be a non-negative integer, got ${version}`);
  }
  return version;
}
