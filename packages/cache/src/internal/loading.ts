import { createLogger, recordError, tracer } from '@stages/common';
import { type CacheStats, instruments } from '../metrics.js';
import type { BloomGuard } from './bloom-guard.js';
import { coarseNow } from './clock.js';
import type { Entry } from './entry.js';
import type { Level1 } from './level1.js';
import { FAILED, type Level2 } from './level2.js';
import type { LoadLock } from './load-lock.js';
import type { Lookup } from './lookup.js';
import { sleep } from './sleep.js';
import { StaleRefresh } from './stale-refresh.js';
import type { WriteThrough } from './write-through.js';

const log = createLogger('cache');
const trace = tracer('cache');

export interface LoadingParts {
  readonly stats: CacheStats;
  readonly level1: Level1;
  readonly level2: Level2;
  readonly write: WriteThrough;
  readonly bloom: BloomGuard | undefined;
  readonly lock: LoadLock | undefined;
}

/**
 * What happens after both levels missed: the guards in order (a value that landed meanwhile, the Bloom
 * filter, the cross-process lock), then the loader, then the write through both levels. The caller runs
 * `afterMiss` in the namespace's single flight, so one process loads a key once however many ask.
 * Also serves what a level-2 read found, which may start a stale-while-revalidate refresh.
 */
export class Loading {
  readonly stale: StaleRefresh;
  readonly #p: LoadingParts;

  constructor(parts: LoadingParts) {
    this.#p = parts;
    this.stale = new StaleRefresh(parts.stats, parts.lock, (lookup) => this.load(lookup));
  }

  /** Hands out an entry read from level 2 (or filled meanwhile), copying it into level 1. */
  serve<T>(lookup: Lookup<T>, entry: Entry): T | undefined {
    const now = coarseNow();
    if (entry.expiresAt > now) this.#p.level1.fill(lookup.ns, lookup.key, entry);
    if (entry.freshUntil <= now) this.stale.refresh(lookup);
    if (entry.absent) {
      this.#p.stats.absentHits++;
      instruments.absentHits.add(1);
      return undefined;
    }
    return entry.value as T;
  }

  async afterMiss<T>(lookup: Lookup<T>): Promise<T | undefined> {
    const { level2, bloom, lock } = this.#p;
    const { ns, key, full, options } = lookup;
    // A load of this key may have finished between our level-2 read and now (its flight is over): it filled
    // level 1, or level 2 when level 1 is off. Use that instead of loading again.
    const landed = ns.l1 !== undefined ? ns.l1.getSync(key) : level2.enabled ? await level2.read(full) : undefined;
    if (landed !== undefined) return this.serve(lookup, landed);

    if (bloom !== undefined && !(await bloom.mightExist(ns, key))) {
      this.#p.stats.bloomRejects++;
      instruments.bloomRejects.add(1);
      // Remember the rejection in level 1 so a hot non-existent id does not cost a Bloom round trip each time.
      this.#p.write.absentHere(ns, key, options);
      return undefined;
    }

    if (lock !== undefined && options?.lock !== false) return this.#underLock(lock, lookup);
    return this.load(lookup);
  }

  /** Runs the loader and writes its result through both levels. Loader errors propagate; nothing is cached. */
  async load<T>(lookup: Lookup<T>): Promise<T | undefined> {
    const { ns, key, full, loader, options } = lookup;
    const stats = this.#p.stats;
    stats.loads++;
    instruments.loads.add(1);
    const started = performance.now();
    const value = await trace.startActiveSpan(
      'cache.load',
      { attributes: { 'cache.namespace': ns.name, 'cache.key': full } },
      async (span) => {
        try {
          return await loader();
        } catch (error) {
          // A loader error is the caller's: it propagates and nothing is cached.
          stats.loadErrors++;
          recordError(span, error);
          throw error;
        } finally {
          span.end();
          instruments.loadDuration.record(performance.now() - started);
        }
      },
    );
    if (value === undefined || value === null) {
      await this.#p.write.absent(ns, key, full, options);
      return undefined;
    }
    if (options?.shouldCache !== undefined && !options.shouldCache(value)) return value;
    await this.#p.write.value(ns, key, full, value, options);
    return value;
  }

  /**
   * The breakdown guard across processes: one process loads while the others poll level 2 for its value,
   * with backoff, for at most `lockWaitMs`; then they load anyway (a slow loader must not stall them all).
   */
  async #underLock<T>(lock: LoadLock, lookup: Lookup<T>): Promise<T | undefined> {
    const { full, options } = lookup;
    const level2 = this.#p.level2; // enabled: the lock needs a RedisStore as level 2
    const deadline = Date.now() + (options?.lockWaitMs ?? lock.waitMs);
    let delayMs = 5;
    for (;;) {
      const token = await lock.acquire(full);
      if (token === FAILED) return this.load(lookup);
      if (token !== undefined) {
        this.#p.stats.lockAcquired++;
        try {
          // The value may have landed between our miss and the lock: the previous holder just released it.
          const filled = await level2.read(full);
          if (filled !== undefined) return this.serve(lookup, filled);
          return await this.load(lookup);
        } finally {
          lock.release(full, token);
        }
      }
      this.#p.stats.lockWaits++;
      instruments.lockWaits.add(1);
      const left = deadline - Date.now();
      if (left <= 0) {
        log.debug({ key: full }, 'lock wait bound reached: loading without the lock');
        return this.load(lookup);
      }
      await sleep(Math.min(delayMs, left));
      delayMs = Math.min(delayMs * 2, 50);
      const filled = await level2.read(full);
      if (filled !== undefined) return this.serve(lookup, filled);
    }
  }
}
