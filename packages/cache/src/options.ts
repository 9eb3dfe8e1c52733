import type { BloomFilter } from './bloom/bloom-filter.js';
import type { BreakerOptions } from './resilience/breaker.js';
import type { Serializer } from './serializer.js';
import type { CacheStore } from './stores/store.js';

/** Level 1: this process's LRU, one per namespace (bounds apply to each). `false` turns it off. */
export interface LocalLevelOptions {
  /** Default 10,000 entries (per namespace). */
  maxEntries?: number;
  /** Bound on the bytes held, measured as the serialised size. Off unless set. */
  maxBytes?: number;
  /**
   * Cap on how long an entry lives in level 1, whatever its TTL. Pub/sub invalidation normally keeps level 1
   * fresh; this bounds staleness if a message is lost. Default: the entry's TTL.
   */
  ttlMs?: number;
}

export interface CacheOptions {
  l1?: LocalLevelOptions | false;
  /** Level 2, usually a RedisStore. Without one the cache is a single-level local cache (stage 1). */
  l2?: CacheStore;
  /** Default TTL. Default 60,000 ms. */
  ttlMs?: number;
  /** Random extra TTL, as a fraction of it (avalanche guard). Default 0.1. */
  jitter?: number;
  /** Stale-while-revalidate window after the TTL: serve the old value while one refresh runs. Default 0 (off). */
  staleMs?: number;
  /** How long "absent" (the loader returned undefined or null) is remembered. Default 30,000 ms; 0 turns it off. */
  absentTtlMs?: number;
  /** Known-keys filter: lookups it rules out never reach the loader. */
  bloom?: BloomFilter;
  /** Cross-process load lock (needs a RedisStore). `true` = { ttlMs: 5000, waitMs: 1000 }. Default off. */
  lock?: boolean | { ttlMs?: number; waitMs?: number };
  /** Broadcast invalidations to other instances' level 1. Default on when l2 is a RedisStore. */
  invalidation?: boolean;
  /** Pub/sub channel of the invalidation bus. Default `stages:cache:invalidate`. */
  channel?: string;
  /** Second delete this long after invalidate() (delayed double delete). Default 0 (off). */
  delayedDeleteMs?: number;
  /** Breaker guarding level 2. */
  breaker?: BreakerOptions;
  /** Value <-> string for level 2. Default JSON. */
  serializer?: Serializer;
  /** Namespace of the root view and its version: keys are stored as `namespace:vVERSION:key`. Default `default`, 1. */
  namespace?: string;
  version?: number;
  /** Names this instance in invalidation messages. Default a random UUID. */
  instanceId?: string;
}

/** Per-call overrides of the cache's defaults. */
export interface LoadOptions<T> {
  ttlMs?: number;
  jitter?: number;
  staleMs?: number;
  absentTtlMs?: number;
  /** Use the cross-process lock for this call (when the cache has one). Default true. */
  lock?: boolean;
  /** How long to wait for another process's load before loading here. */
  lockWaitMs?: number;
  /** Return false to hand the value back without caching it (e.g. an error page). */
  shouldCache?: (value: T) => boolean;
}

/** One level-1 invalidation received from another instance. */
export interface InvalidationEvent {
  namespace: string;
  /** The caller's keys (without the `ns:vN:` prefix). */
  keys: string[];
  /** The namespace moved to a new version. */
  bumped?: boolean;
  /** Sender's clock to ours: the pub/sub delivery delay on one machine. */
  delayMs: number;
  origin: string;
}
