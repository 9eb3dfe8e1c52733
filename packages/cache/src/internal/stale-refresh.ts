import { createLogger } from '@stages/common';
import { type CacheStats, instruments } from '../metrics.js';
import { SingleFlight } from '../protection/single-flight.js';
import type { LoadLock } from './load-lock.js';
import type { Lookup } from './lookup.js';

const log = createLogger('cache');

/** Loads a key and writes it through both levels (Loading.load). */
export type LoadAndStore = <T>(lookup: Lookup<T>) => Promise<T | undefined>;

/**
 * Stale-while-revalidate: a stale value is served at once while one refresh runs in the background. One per
 * key in this process (single flight) and, with the load lock, one across processes: whoever holds the lock
 * refreshes, the rest keep serving the stale value.
 */
export class StaleRefresh {
  readonly #refreshes = new SingleFlight();
  readonly #stats: CacheStats;
  readonly #lock: LoadLock | undefined;
  readonly #load: LoadAndStore;

  constructor(stats: CacheStats, lock: LoadLock | undefined, load: LoadAndStore) {
    this.#stats = stats;
    this.#lock = lock;
    this.#load = load;
  }

  /** Counts the stale value served and starts its refresh unless one is already running here. */
  refresh<T>(lookup: Lookup<T>): void {
    this.#stats.staleServed++;
    instruments.staleServed.add(1);
    const full = lookup.full;
    if (this.#refreshes.has(full)) return;
    const lock = this.#lock;
    void this.#refreshes
      .run(full, async () => {
        if (lock === undefined) return this.#load(lookup);
        const token = await lock.acquire(full);
        if (token === undefined) return undefined; // another process is refreshing it
        try {
          return await this.#load(lookup);
        } finally {
          lock.release(full, token);
        }
      })
      .catch((error: unknown) => log.warn({ key: full, err: (error as Error).message }, 'background refresh failed'));
  }
}
