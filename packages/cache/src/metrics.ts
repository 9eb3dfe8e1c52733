import { meter } from '@stages/common';

const m = meter('cache');

/**
 * The cache's OpenTelemetry instruments (no-ops until an SDK is registered). Attribute objects are built once
 * here so the level-1 hit path allocates nothing for metrics.
 */
export const instruments = {
  hits: m.createCounter('stages.cache.hits', { description: 'lookups answered by a level' }),
  misses: m.createCounter('stages.cache.misses', { description: 'lookups a level could not answer' }),
  loads: m.createCounter('stages.cache.loads', { description: 'loader runs' }),
  loadDuration: m.createHistogram('stages.cache.load.duration', { unit: 'ms', description: 'loader latency' }),
  lockWaits: m.createCounter('stages.cache.lock.waits', { description: 'polls while another process loads' }),
  evictions: m.createCounter('stages.cache.evictions', { description: 'level-1 entries pushed out by the bounds' }),
  absentHits: m.createCounter('stages.cache.absent.hits', { description: 'lookups answered by a cached "absent"' }),
  bloomRejects: m.createCounter('stages.cache.bloom.rejects', { description: 'lookups the Bloom filter turned away' }),
  l2Errors: m.createCounter('stages.cache.l2.errors', { description: 'failed or timed-out level-2 commands' }),
  l2Skipped: m.createCounter('stages.cache.l2.skipped', { description: 'level-2 accesses skipped by the breaker' }),
  breakerTransitions: m.createCounter('stages.cache.breaker.transitions', { description: 'breaker state changes' }),
  invalidationDelay: m.createHistogram('stages.cache.invalidation.delay', {
    unit: 'ms',
    description: 'from invalidate() on one instance to the level-1 drop on another',
  }),
  staleServed: m.createCounter('stages.cache.stale.served', { description: 'stale values served while refreshing' }),
};

export const L1 = Object.freeze({ level: 'l1' });
export const L2 = Object.freeze({ level: 'l2' });

/** Plain counters per cache instance: what tests, benchmarks and health endpoints read without an SDK. */
export interface CacheStats {
  l1Hits: number;
  l1Misses: number;
  l2Hits: number;
  l2Misses: number;
  loads: number;
  loadErrors: number;
  absentHits: number;
  bloomRejects: number;
  lockWaits: number;
  lockAcquired: number;
  evictions: number;
  l2Errors: number;
  l2Skipped: number;
  staleServed: number;
  invalidationsReceived: number;
}

export function emptyStats(): CacheStats {
  return {
    l1Hits: 0,
    l1Misses: 0,
    l2Hits: 0,
    l2Misses: 0,
    loads: 0,
    loadErrors: 0,
    absentHits: 0,
    bloomRejects: 0,
    lockWaits: 0,
    lockAcquired: 0,
    evictions: 0,
    l2Errors: 0,
    l2Skipped: 0,
    staleServed: 0,
    invalidationsReceived: 0,
  };
}
