export { type BloomFilter, type BloomSizing, bloomSize } from './bloom/bloom-filter.js';
export { LocalBloomFilter } from './bloom/local-bloom.js';
export { RedisBloomFilter } from './bloom/redis-bloom.js';
export type { InvalidationMessage } from './consistency/invalidation-bus.js';
export {
  Cacheable,
  type CacheableOptions,
  CacheEvict,
  type CacheEvictOptions,
  type CacheMethodMetadata,
  type CacheRef,
  cacheMetadata,
} from './decorators.js';
export type { CacheStats } from './metrics.js';
export type {
  CacheOptions,
  InvalidationEvent,
  LoadOptions,
  LocalLevelOptions,
} from './options.js';
export {
  PageCache,
  type PageCacheOptions,
  type PageRequest,
  type RenderedPage,
} from './page/page-cache.js';
export { jitterTtl } from './protection/jitter.js';
export { RedisLock } from './protection/redis-lock.js';
export { SingleFlight } from './protection/single-flight.js';
export { Breaker, type BreakerOptions, type BreakerState } from './resilience/breaker.js';
export { jsonSerializer, type Serializer } from './serializer.js';
export { LocalStore, type LocalStoreOptions } from './stores/local-store.js';
export { createRedisClient, type RedisClient, type RedisConnectionOptions } from './stores/redis-client.js';
export { RedisStore, type RedisStoreOptions } from './stores/redis-store.js';
export type { CacheStore } from './stores/store.js';
export { type CreateCacheOptions, TwoLevelCache } from './two-level.js';
